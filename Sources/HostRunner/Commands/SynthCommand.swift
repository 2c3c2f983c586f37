import ArgumentParser
import Foundation
import HydroGPU

/// `hydrogpu synth`: writes a synthetic catchment as a complete case (see SyntheticCaseWriter).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic catchment case: terrain, D8, descriptors, forcing, true parameter maps and the true discharge at nested gauges."
    )

    @Option(help: "Grid rows.") var rows = 16
    @Option(name: .customLong("cols"), help: "Grid columns.") var columns = 16
    @Option(help: "Daily steps.") var days = 730
    @Option(help: "Nested gauges (the outlet first).") var gauges = 4
    @Option(help: "Seed of terrain, descriptors, forcing and gauges.") var seed: UInt64 = 1
    @Option(help: "True parameters: uniform, or maps (FC, K1, PERC functions of descriptors).") var truth = "maps"
    @Option(help: "Annual mean temperature at 500 m, °C (lower: longer snow season).") var meanTemperature = 6.0
    @Option(help: "Folder to write the case into.") var output: String

    func run() throws {
        guard let truth = SyntheticCatchment.Truth(rawValue: truth) else {
            throw ValidationError("--truth must be uniform or maps, not '\(truth)'")
        }
        var options = SyntheticCatchment.Options(rows: rows, columns: columns, days: days, gauges: gauges, seed: seed)
        options.truth = truth
        options.meanTemperature = meanTemperature
        let catchment = try SyntheticCatchment(options)
        let folder = URL(fileURLWithPath: output)
        try SyntheticCaseWriter.write(catchment, to: folder)
        print("wrote \(folder.appending(path: "case.yaml").path): \(rows) x \(columns) cells, \(days) days, gauges "
              + catchment.gauges.map { "\($0.id) (row \($0.row), col \($0.column), \(String(format: "%.0f", $0.upstreamAreaKm2)) km²)" }.joined(separator: ", "))
    }
}
