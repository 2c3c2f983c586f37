import Foundation
import HydroIO
import HydroModel
import ReferenceBackend

/// Writes the state and flux fields a case names in `output.fields` as one CF-NetCDF file
/// (`time, y, x`), from a traced run of the whole record.
///
/// The trace comes from the sequential Double reference, which records every storage and flux
/// per step; for the implicit solver only runoff and discharge are available as fields.
enum StateFieldOutput {
    static func write(objective: CalibrationObjective, free x: [Double], networkRaw: [Double]?, to url: URL) throws {
        let data = objective.data
        let problem = objective.runoffProblem(x, steps: data.steps, networkRaw: networkRaw)
        let requested = data.outputFields
        // The trace keeps every storage and flux per unit and step, and each field a grid copy.
        try MemoryEstimate.check(cells: max(data.cells, data.grid.rows * data.grid.columns), steps: data.steps,
                                 arrays: 20 + 2 * Double(requested.count), what: "output.fields", file: url.path)
        var perCell: [String: (units: String, longName: String, values: [Double])] = [:]
        let runoff: [Double]
        if data.configuration.solver == .sequential {
            let trace = try SequentialReferenceModel<Double>().trace(problem)
            runoff = trace.result.runoff
            let k = data.configuration.components
            func cellMean(_ value: (Int) -> Double) -> [Double] {
                (0..<(data.steps * data.cells)).map { i in
                    let (t, c) = (i / data.cells, i % data.cells)
                    return (0..<k).reduce(0.0) { $0 + value(t * trace.units + c * k + $1) } / Double(k)
                }
            }
            let states: [(String, String, HBVStorage)] = [
                ("snowpack", "snow pack water equivalent", .snowpack), ("meltwater", "liquid water in the snow pack", .meltwater),
                ("soil_moisture", "soil moisture", .soilMoisture), ("upper_zone", "upper zone storage", .upperZone),
                ("lower_zone", "lower zone storage", .lowerZone),
            ]
            for (name, longName, storage) in states where requested.contains(name) {
                perCell[name] = ("mm", longName + " at the end of the step", cellMean { trace.states[$0][storage] })
            }
            if requested.contains("evapotranspiration") {
                perCell["evapotranspiration"] = ("mm", "actual evapotranspiration over the step", cellMean { trace.fluxes[$0].evapotranspiration })
            }
            if requested.contains("recharge") {
                perCell["recharge"] = ("mm", "recharge from soil to the upper zone over the step", cellMean { trace.fluxes[$0].recharge })
            }
        } else {
            runoff = try objective.backend.makeSession(problem, steps: data.steps).forward(problem.parameters, recording: false)
        }
        if requested.contains("runoff") { perCell["runoff"] = ("mm", "runoff generated in the cell over the step", runoff) }
        if requested.contains("discharge") {
            let routed = try CalibrationRouting(data: data, setup: objective.setup, x: x, steps: data.steps).forward(runoff: runoff)
            perCell["discharge"] = ("m3 s-1", "routed discharge leaving the cell", routed)
        }
        let fields = requested.compactMap { name in perCell[name].map { OutputField(name: name, units: $0.units, longName: $0.longName, values: $0.values) } }
        try CaseOutputs.writeFields(fields, grid: data.grid, time: data.time, to: url)
    }
}
