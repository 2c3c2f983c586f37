import ArgumentParser
import Foundation
import HydroGPU

/// `hydrogpu synth`: writes a synthetic catchment as a complete case (see SyntheticCaseWriter).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic catchment case: terrain, D8, descriptors, forcing, true parameter maps and the true discharge at nested gauges."
    )

    @Option(parsing: .unconditional, help: "Grid rows (at least 3).") var rows = 16
    @Option(name: .customLong("cols"), parsing: .unconditional, help: "Grid columns (at least 3).") var columns = 16
    @Option(parsing: .unconditional, help: "Daily steps (at least 2).") var days = 730
    @Option(parsing: .unconditional, help: "Nested gauges (the outlet first; at least 1, at most one per cell).") var gauges = 4
    @Option(help: "Seed of terrain, descriptors, forcing and gauges.") var seed: UInt64 = 1
    @Option(help: "True parameters: uniform, or maps (the parameters model/hbv.table maps as functions of descriptors).") var truth: SyntheticCatchment.Truth = .descriptorMaps
    @Option(help: "Annual mean temperature at 500 m, °C (lower: longer snow season).") var meanTemperature = 6.0
    @Flag(help: "A glacier on the highest cells (glacier_fraction.asc, model.glacier; true CFICE and TTG from model/hbv.table): a glacierised twin.") var glacier = false
    @Option(help: "Folder to write the case into.") var output: String

    /// Sizes are checked before anything is built (none reaches a precondition).
    func validate() throws {
        do { try SyntheticCatchment.Options(rows: rows, columns: columns, days: days, gauges: gauges, seed: seed).check() } catch {
            throw ValidationError(error.description)
        }
        try OutputPath.checkFolder(output, option: "--output")
    }

    func run() throws {
        var options = SyntheticCatchment.Options(rows: rows, columns: columns, days: days, gauges: gauges, seed: seed)
        options.truth = truth
        options.meanTemperature = meanTemperature
        options.glacier = glacier
        let catchment = try SyntheticCatchment(options)
        let folder = URL(fileURLWithPath: output)
        try SyntheticCaseWriter.write(catchment, to: folder)
        print("wrote \(folder.appending(path: "case.yaml").path): \(rows) x \(columns) cells, \(days) days, gauges "
              + catchment.gauges.map { "\($0.id) (row \($0.row), col \($0.column), \(String(format: "%.0f", $0.upstreamAreaKm2)) km²)" }.joined(separator: ", "))
    }
}
