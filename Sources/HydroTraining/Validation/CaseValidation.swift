import Foundation
import HydroDomain
import HydroIO
import HydroModel

/// What `hydrogpu validate` reports about a case: the checked inputs in numbers.
public struct CaseSummary: Sendable {
    public var name: String
    public var rows: Int
    public var columns: Int
    public var cellSize: Double
    public var crs: String?
    public var activeCells: Int
    public var areaKm2: Double
    public var lumped: Bool
    /// Cells the model computes: the active cells, or a lumped basin's elevation bands.
    public var modelCells: Int
    public var time: TimeAxis
    public var periods: [(name: String, steps: Range<Int>)]
    public var gauges: [CaseGauge]
    public var forcing: [(name: String, source: String, statistics: ForcingStatistics)]
    /// Extra lines from checks that need other parts (e.g. topological levels).
    public var notes: [String]
    /// Doubts about the inputs that are not errors (`HydroCase.warnings`).
    public var warnings: [String]

    public init(_ c: HydroCase) {
        name = c.config.name
        rows = c.grid.rows
        columns = c.grid.columns
        cellSize = c.grid.geometry.cellSize
        crs = c.grid.geometry.crs
        activeCells = c.grid.cellCount
        areaKm2 = c.grid.totalAreaKm2
        lumped = c.config.domain.lumped != nil
        modelCells = c.modelCells
        time = c.time
        periods = [("warmup", c.warmupSteps), ("calibration", c.calibrationSteps), ("validation", c.validationSteps)]
            .compactMap { n, r in r.map { (n, $0) } }
        gauges = c.gauges
        forcing = ([c.precipitation, c.temperature, c.pet] as [ForcingField?]).compactMap { $0 }.map { ($0.name, $0.source, $0.statistics()) }
        notes = []
        warnings = c.warnings
        if let n = c.network {
            notes.append("network    \(n.levels.count) topological levels, \(n.outlets.count) outlet\(n.outlets.count == 1 ? "" : "s")")
        }
        levels = c.network?.levels.count
        if let g = c.glacier {
            // The glacier as the model will see it (docs/GLACIER.md): where, how much, what ice.
            let glacierised = g.fraction.filter { $0 > 0 }.count
            let areas = c.modelCellAreas
            let area = zip(g.fraction, areas).reduce(0) { $0 + $1.0 * $1.1 } / 1e6
            let ice = g.ice.map { ice in
                let volume = zip(zip(g.fraction, ice), areas).reduce(0) { $0 + $1.0.0 * $1.0.1 * $1.1 } / 1e3
                return "ice \(String(format: "%.3g", volume / 1e6)) million m³ water equivalent (limits the melt)"
            } ?? "unlimited ice (no model.glacier.ice)"
            notes.append("glacier    \(glacierised) of \(c.modelCells) \(c.bands.isEmpty ? "cells" : "bands") glacierised, \(String(format: "%.2f", area)) km² of ice (\(String(format: "%.1f", 100 * area / max(c.grid.totalAreaKm2, 1e-12))) % of the domain), \(ice)")
        }
        if !c.bands.isEmpty {
            let list = c.bands.map { "\(String(format: "%.0f", $0.elevation)) m \(String(format: "%.0f", 100 * $0.areaFraction)) %" }.joined(separator: ", ")
            notes.append("bands      \(c.bands.count) elevation bands, each a model cell on the basin's forcing: \(list)")
        }
        if let dz = c.elevationOffsets, let lo = dz.min(), let hi = dz.max() {
            // The correction as the model will apply it (docs/ELEVATION.md).
            let lapse = c.config.parameters["TLAPSE"].map { _ in "TLAPSE as listed under parameters" } ?? "TLAPSE \(ElevationCorrection.standardLapseRate) °C/km"
            let gradient = c.config.parameters["PGRAD"].map { _ in ", PGRAD as listed under parameters" } ?? ", no precipitation gradient (PGRAD not listed)"
            notes.append("elevation  cells \(String(format: "%+.0f", lo)) to \(String(format: "%+.0f", hi)) m from their forcing's elevation; \(lapse)\(gradient)")
        }
        notes += c.inputNotes
    }

    /// Topological levels of the D8 network (nil for a lumped case).
    public var levels: Int?

    /// The report as lines of text.
    public var lines: [String] {
        func f(_ v: Double, _ digits: Int = 3) -> String { v.isNaN ? "n/a" : String(format: "%.\(digits)f", v) }
        var out = ["case \(name)"]
        if lumped {
            out.append("domain     lumped, \(modelCells == 1 ? "1 cell" : "\(modelCells) cells (elevation bands)"), \(f(areaKm2, 1)) km²")
        } else {
            out.append("grid       \(rows) rows x \(columns) columns, cell \(cellSize.formatted()) \(crs ?? "(CRS not given)")")
            out.append("active     \(activeCells) cells, \(f(areaKm2, 1)) km²")
        }
        out += notes
        out.append("time       \(time.count) steps of \(time.stepSeconds) s, \(time.start) to \(time.end) (\(time.calendar.rawValue) calendar)")
        for (n, r) in periods {
            out.append("period     \(n): steps \(r.lowerBound)..<\(r.upperBound) (\(r.count)), \(time.stepStart(r.lowerBound)) to \(time.stepEnd(r.upperBound - 1))")
        }
        for g in gauges {
            var line = "gauge      \(g.id) at row \(g.row), column \(g.column)"
            if let a = g.declaredAreaKm2 { line += ", declared area \(f(a, 1)) km²" }
            if let a = g.upstreamAreaKm2 { line += ", D8 upstream area \(f(a, 1)) km²" }
            if let q = g.observed {
                let present = q.filter { !$0.isNaN }
                let mean = present.isEmpty ? Double.nan : present.reduce(0, +) / Double(present.count)
                line += ", observed \(present.count)/\(q.count) steps, mean \(f(mean)) m³/s"
            } else {
                line += ", no observations"
            }
            out.append(line)
        }
        for (n, source, s) in forcing {
            out.append("forcing    \(n) (\(source)): mean \(f(s.mean, 4)), min \(f(s.minimum, 4)), max \(f(s.maximum, 4)), missing \(s.missingValues) values")
            if !s.stepsWithMissing.isEmpty {
                let shown = s.stepsWithMissing.prefix(10).map { "\($0) (\(time.stepStart($0)) to \(time.stepEnd($0)))" }
                out.append("           missing at time indices \(shown.joined(separator: ", "))\(s.stepsWithMissing.count > 10 ? " and \(s.stepsWithMissing.count - 10) more" : "")")
            }
        }
        out += warnings.map { "warning    \($0)" }
        return out
    }
}

/// Checks a case config and everything it names.
public enum CaseValidation {
    /// The summary of the case at `url`, or the first problem found (an error naming the file
    /// and the place). Never traps on bad input.
    ///
    /// Runs every input check `train` and `simulate` run (`CalibrationPreparation`: calibration
    /// data, targets, parameter bounds and starts, zones, network, pseudo observations) and
    /// checks that the results folder can be written, so a case `validate` accepts is not
    /// refused later for an input reason. Warnings are listed as `warning` lines.
    public static func validate(_ url: URL) -> Result<CaseSummary, InputError> {
        do {
            let c = try HydroCase.load(url)
            var summary = CaseSummary(c)
            // A case without any observation can only be simulated: checked as simulate checks
            // it, with a warning that train would refuse it.
            let trainable = c.gauges.contains { $0.observed != nil }
            let prepared = try CalibrationPreparation.prepare(c, simulation: !trainable)
            if !trainable { summary.notes.append("warning    \(c.config.file.path): no gauge has observations: simulate only (train needs observations to fit)") }
            try CalibrationPreparation.checkOutputFolder(c.config)
            summary.notes.append("training   \(prepared.setup.freeCount) free values (\(prepared.setup.freeParameterNames.joined(separator: " "))), calibration steps \(prepared.data.calibrationSteps.lowerBound)..<\(prepared.data.calibrationSteps.upperBound)")
            summary.notes.append("output     \(c.config.output.folder.path)")
            summary.notes += prepared.warnings.map { "warning    \($0)" }
            return .success(summary)
        } catch {
            return .failure(error)
        }
    }
}
