import Foundation
import HydroRouting

/// The routing step of the calibration chain, forward and adjoint, on the host in Double:
/// the HBV runoff scaled by the exchange factor (`RunoffExchange`, 1 unless configured) and
/// routed.
///
/// Gridded cases route by D8 linear reservoirs with the calibrated velocity (MODEL.md 4.1);
/// lumped cases by δHBV's gamma unit hydrograph with the calibrated `route_a`, `route_b`
/// (MODEL.md 4.2), each cell's runoff convolved on its own and turned from mm per step into
/// m³/s with the cell's area. Either way the result is discharge in m³/s on every cell,
/// `[steps][cells]`, so the loss and its seeds do not depend on the method.
struct CalibrationRouting {
    let data: CalibrationData
    let setup: TrainingSetup
    /// The free vector (its routing block is read here).
    let x: [Double]
    let steps: Int

    /// What the routing adjoint gives back.
    struct Gradient {
        /// dL/d(HBV runoff), per mm, `[steps][cells]`.
        var localRunoff: [Double]
        /// dL/d(the routing block, then the exchange block, of the free vector), in free-vector order.
        var free: [Double]
    }

    /// Discharge `[steps][cells]`, m³/s, from HBV runoff `[steps][cells]` in mm per step.
    func forward(runoff: [Double]) throws -> [Double] {
        try route(setup.exchange(x).apply(runoff, cells: data.cells))
    }

    /// dL/d HBV runoff and dL/d(routing and exchange blocks) for dL/d discharge `seed`, given the
    /// forward's input (HBV runoff) and output.
    func adjoint(runoff: [Double], discharge: [Double], seed: RoutingSeed<Double>) throws -> Gradient {
        let exchange = setup.exchange(x)
        let routed = try routeAdjoint(delivered: exchange.apply(runoff, cells: data.cells), discharge: discharge, seed: seed)
        let exchanged = exchange.pullBack(routed.localRunoff, runoff: runoff, cells: data.cells)
        return Gradient(localRunoff: exchanged.runoff, free: routed.free + (setup.fixedExchange == nil ? exchanged.raw : []))
    }

    /// Discharge from the runoff delivered to the channels.
    private func route(_ runoff: [Double]) throws -> [Double] {
        if let gamma = setup.gamma {
            let p = gamma.parameters(setup.routingPart(x))
            let routed = GammaUnitHydrograph<Double>.route(runoff, steps: steps, cells: data.cells, routeA: cellsOf(p.routeA), routeB: cellsOf(p.routeB))
            let scale = runoffToDischarge
            var discharge = routed
            for t in 0..<steps { for c in 0..<data.cells { discharge[t * data.cells + c] *= scale[c] } }
            return discharge
        }
        return try LinearReservoirRouting<Double>(network: data.network).forward(d8Problem(runoff)).discharge
    }

    /// dL/d delivered runoff and dL/d(routing block) for dL/d discharge `seed`.
    private func routeAdjoint(delivered runoff: [Double], discharge: [Double], seed: RoutingSeed<Double>) throws -> Gradient {
        let n = data.cells
        if let gamma = setup.gamma {
            let p = gamma.parameters(setup.routingPart(x))
            // Discharge = scale × routed mm, so dL/d routed = scale × dL/d discharge.
            var routedAdjoint = try seed.field(steps: steps, cells: n)
            let scale = runoffToDischarge
            for t in 0..<steps { for c in 0..<n { routedAdjoint[t * n + c] *= scale[c] } }
            let g = GammaUnitHydrograph<Double>.adjoint(runoff: runoff, routedAdjoint: routedAdjoint, steps: steps, cells: n,
                                                        routeA: cellsOf(p.routeA), routeB: cellsOf(p.routeB))
            // One route_a and one route_b for every cell: their derivatives are the sums.
            let gA = g.routeA.reduce(0, +), gB = g.routeB.reduce(0, +)
            var free: [Double] = []
            if gamma.fixedA == nil { free.append(gA * p.derivativeA) }
            if gamma.fixedB == nil { free.append(gB * p.derivativeB) }
            return Gradient(localRunoff: g.runoff, free: free)
        }
        let problem = d8Problem(runoff)
        let g = try LinearReservoirRouting<Double>(network: data.network).adjoint(problem, discharge: discharge, seed: seed)
        guard setup.fixedVelocity == nil else { return Gradient(localRunoff: g.localRunoff, free: []) }
        let derivatives = setup.velocity(x).derivatives
        let free = setup.distributedVelocity ? zip(g.velocity, derivatives).map { $0 * $1 } : [g.uniformVelocity * derivatives[0]]
        return Gradient(localRunoff: g.localRunoff, free: free)
    }

    private func d8Problem(_ runoff: [Double]) -> RoutingProblem<Double> {
        RoutingProblem<Double>(steps: steps, stepSeconds: data.stepSeconds, localRunoff: runoff, velocity: setup.velocity(x).values, cells: data.cells)
    }

    /// mm per step on a cell -> m³/s: area / (1000 dt).
    private var runoffToDischarge: [Double] { data.grid.cellAreaSquareMetres.map { $0 / (1000 * data.stepSeconds) } }

    private func cellsOf(_ value: Double) -> [Double] { [Double](repeating: value, count: data.cells) }
}
