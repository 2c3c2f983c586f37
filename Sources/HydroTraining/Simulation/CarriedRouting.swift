import Foundation
import HydroDomain
import HydroIO
import HydroModel
import HydroObjectives
import HydroRouting
import OpenCLBackend
import ReferenceBackend

/// The routing of a windowed run (`WindowedSimulation`), with what a window leaves to the next:
/// D8 linear reservoirs carry each cell's channel storage (MODEL.md 4.1); the gamma unit
/// hydrograph (MODEL.md 4.2) carries the last `L - 1` steps of delivered runoff, the lags its
/// convolution still reads. Windows routed in turn give the discharge of one routing of the
/// whole record, bit for bit (the same operations in the same order).
struct CarriedRouting {
    private let data: CalibrationData
    private let velocity: [Double]
    private let d8: LinearReservoirRouting<Double>?
    /// D8: channel storage at the start of the next window, m³ per cell.
    private var storage: [Double]
    /// Gamma: each cell's weights (built for the whole record's length, as an unwindowed run
    /// builds them), the delivered runoff of the last steps `[steps][cells]`, and m³/s per mm.
    private let gamma: [GammaUnitHydrograph<Double>]
    private var history: [Double] = []
    private var historySteps = 0
    private let runoffToDischarge: [Double]

    init(data: CalibrationData, setup: TrainingSetup, x: [Double]) {
        self.data = data
        let n = data.cells
        storage = [Double](repeating: 0, count: n)
        runoffToDischarge = data.grid.cellAreaSquareMetres.map { $0 / (1000 * data.stepSeconds) }
        if let g = setup.gamma {
            let p = g.parameters(setup.routingPart(x))
            gamma = (0..<n).map { _ in GammaUnitHydrograph<Double>(routeA: p.routeA, routeB: p.routeB, steps: data.steps) }
            d8 = nil
            velocity = []
        } else {
            gamma = []
            d8 = LinearReservoirRouting<Double>(network: data.network)
            velocity = setup.velocity(x).values
        }
    }

    /// Discharge `[steps][cells]` (m³/s) of the next `steps` steps from the runoff delivered to
    /// the channels in them (mm per step, `[steps][cells]`).
    mutating func route(_ delivered: [Double], steps: Int) throws -> [Double] {
        let n = data.cells
        if let d8 {
            let problem = RoutingProblem<Double>(steps: steps, stepSeconds: data.stepSeconds, localRunoff: delivered, velocity: velocity,
                                                 initialStorage: storage, cells: n)
            let result = try d8.forward(problem)
            storage = result.finalStorage
            return result.discharge
        }
        // Gamma: route history + window, keep the window's rows.
        let input = history + delivered
        let total = historySteps + steps
        var routed = [Double](repeating: 0, count: total * n)
        input.withUnsafeBufferPointer { i in routed.withUnsafeMutableBufferPointer { o in
            for c in 0..<n { gamma[c].route(i.baseAddress! + c, stride: n, steps: total, into: o.baseAddress! + c) }
        }}
        let discharge = CalibrationRouting.basinDischarge(Array(routed[(historySteps * n)...]), scale: runoffToDischarge, steps: steps)
        let keep = min(total, max(0, (gamma.first?.weights.count ?? 1) - 1))
        history = Array(input[((total - keep) * n)...])
        historySteps = keep
        return discharge
    }
}
