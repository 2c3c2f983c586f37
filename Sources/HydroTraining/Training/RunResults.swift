import Foundation
import HydroDomain
import HydroIO
import HydroModel
import HydroObjectives

/// Metrics of one gauge over one period.
public struct GaugePeriodMetrics: Codable, Sendable {
    public var gauge: String
    public var period: String
    public var firstStep: Int
    public var lastStep: Int
    public var metrics: DischargeMetrics?
}

/// What `train` and `simulate` leave in their results folder, and what `evaluate` reads back:
/// `metrics.json`, `discharge.csv`, `hydrograph_<gauge>.svg`, `parameters.json`,
/// `maps/<PARAM>.tif|svg` + `maps/parameters.nc` for spatially varying parameters.
public enum RunResults {
    /// Metrics per period (calibration, validation; warm-up excluded) and gauge.
    public static func metrics(data: CalibrationData, discharge: [[Double]]) -> [GaugePeriodMetrics] {
        var out: [GaugePeriodMetrics] = []
        let periods: [(String, Range<Int>?)] = [("calibration", data.calibrationSteps), ("validation", data.validationSteps)]
        for (name, range) in periods {
            guard let range else { continue }
            for (g, gauge) in data.gauges.enumerated() {
                guard let observed = gauge.observed else { continue }
                let m = DischargeMetrics(simulated: Array(discharge[g][range]), observed: Array(observed[range]))
                out.append(GaugePeriodMetrics(gauge: gauge.id, period: name, firstStep: range.lowerBound, lastStep: range.upperBound - 1, metrics: m))
            }
        }
        return out
    }

    /// Writes every result of a run with free vector `x`: the whole case is simulated in
    /// windows (`WindowedSimulation`) chosen for `memoryBudgetBytes` (nil: the default budget),
    /// `onPlan` hears the windows chosen before the run starts and `onWindow` each window as it
    /// ends (see `WindowedSimulation.run`).
    @discardableResult
    public static func write(objective: CalibrationObjective, free x: [Double], to folder: URL, memoryBudgetBytes: Double? = nil,
                             onPlan: (SimulationWindowPlan) -> Void = { _ in },
                             onWindow: (Int, Range<Int>) -> Void = { _, _ in }) throws -> [GaugePeriodMetrics] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = objective.data
        let simulation = try WindowedSimulation(objective: objective, budgetBytes: memoryBudgetBytes)
        onPlan(simulation.plan)
        let run = try simulation.run(x, fieldsURL: data.outputFields.isEmpty ? nil : folder.appending(path: "fields.nc"), onWindow: onWindow)
        let metrics = metrics(data: data, discharge: run.discharge)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(metrics), to: folder.appending(path: "metrics.json"))
        try ResultsDischargeCSV.write(gauges: data.gauges.map(\.id), time: data.time, simulated: run.discharge, observed: data.gauges.map(\.observed),
                                      to: folder.appending(path: "discharge.csv"))
        try writePlots(data: data, discharge: run.discharge, to: folder)
        // Parameters: values with their bounds; spatially varying ones also as maps (first slot).
        let parameters = try parameterValues(objective: objective, free: x)
        let summary = parameterSummary(parameters)
        var maps: [(name: String, raster: Raster<Double>)] = []
        let hbv = Set(HBVParameter.allCases.map(\.name))
        // HBV parameters that vary in space (the exchange factor among them), and routing values given per cell.
        for p in parameters where p.values.count == data.cells && p.values.count > 1 && (!hbv.contains(p.name) || p.values.min()! != p.values.max()!) {
            maps.append((p.name, data.grid.raster(ofActiveCells: p.values)))
        }
        try AtomicFile.write(try encoder.encode(summary), to: folder.appending(path: "parameters.json"))
        if !maps.isEmpty {
            let mapFolder = folder.appending(path: "maps")
            try FileManager.default.createDirectory(at: mapFolder, withIntermediateDirectories: true)
            try CaseOutputs.writeParameterMaps(maps, folder: mapFolder)
            for m in maps { try AtomicFile.write(Data(ParameterMapPlot.render(name: m.name, raster: m.raster).utf8), to: mapFolder.appending(path: "\(m.name).svg")) }
        }
        return metrics
    }

    /// Per gauge: the hydrograph (`hydrograph_<gauge>.svg`), the monthly regime
    /// (`regime_<gauge>.svg`) and the flow-duration curve (`fdc_<gauge>.svg`), the last two
    /// over the steps after the warm-up.
    static func writePlots(data: CalibrationData, discharge: [[Double]], to folder: URL) throws {
        let afterWarmup = min(data.warmupSteps?.upperBound ?? 0, data.steps)..<data.steps
        for (g, gauge) in data.gauges.enumerated() {
            let title = "\(data.caseName) \(gauge.id)"
            let plots = [
                ("hydrograph", HydrographPlot.render(title: title, simulated: discharge[g], observed: gauge.observed, warmup: data.warmupSteps,
                                                     calibration: data.calibrationSteps, validation: data.validationSteps, time: data.time)),
                ("regime", SignaturePlots.regime(title: title, simulated: discharge[g], observed: gauge.observed, steps: afterWarmup, time: data.time)),
                ("fdc", SignaturePlots.durationCurve(title: title, simulated: discharge[g], observed: gauge.observed, steps: afterWarmup)),
            ]
            for (kind, svg) in plots { try AtomicFile.write(Data(svg.utf8), to: folder.appending(path: "\(kind)_\(gauge.id).svg")) }
        }
    }

    /// A table of metrics for the terminal.
    public static func table(_ metrics: [GaugePeriodMetrics]) -> String {
        var lines = ["period       gauge          NSE     KGE    RMSE    bias    VD%"]
        for m in metrics {
            let pad = { (s: String, n: Int) in s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
            guard let x = m.metrics else { lines.append("\(pad(m.period, 12)) \(pad(m.gauge, 12))   (no observations)"); continue }
            lines.append("\(pad(m.period, 12)) \(pad(m.gauge, 12)) " + [x.nse, x.kge, x.rmse, x.bias, x.volumeDifference].map { String(format: "%7.3f", $0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}
