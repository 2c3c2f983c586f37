import Foundation
import HydroRouting

/// The routing step of the calibration chain, forward and adjoint, on the host in Double: the
/// runoff the HBV units deliver (after their runoff exchange, `RunoffExchangeProcess`) routed.
///
/// Gridded cases route by D8 linear reservoirs with the calibrated velocity (MODEL.md 4.1);
/// lumped cases by δHBV's gamma unit hydrograph with the calibrated `route_a`, `route_b`
/// (MODEL.md 4.2), each cell's runoff convolved on its own, turned from mm per step into m³/s
/// with the cell's area and summed over the cells (a basin's elevation bands): every cell of a
/// lumped case carries the basin's discharge. Either way the result is discharge in m³/s on every cell,
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
        /// dL/d(the routing block of the free vector), in free-vector order.
        var free: [Double]
    }

    /// Discharge `[steps][cells]`, m³/s, from HBV runoff `[steps][cells]` in mm per step.
    func forward(runoff: [Double]) throws -> [Double] {
        try route(runoff)
    }

    /// dL/d HBV runoff and dL/d(routing block) for dL/d discharge `seed`, given the forward's
    /// input (HBV runoff) and output.
    func adjoint(runoff: [Double], discharge: [Double], seed: RoutingSeed<Double>) throws -> Gradient {
        try routeAdjoint(delivered: runoff, discharge: discharge, seed: seed)
    }

    /// Discharge from the runoff delivered to the channels.
    private func route(_ runoff: [Double]) throws -> [Double] {
        if let gamma = setup.gamma {
            let p = gamma.parameters(setup.routingPart(x))
            let routed = GammaUnitHydrograph<Double>.route(runoff, steps: steps, cells: data.cells, routeA: cellsOf(p.routeA), routeB: cellsOf(p.routeB))
            return Self.basinDischarge(routed, scale: runoffToDischarge, steps: steps)
        }
        return try LinearReservoirRouting<Double>(network: data.network).forward(d8Problem(runoff)).discharge
    }

    /// dL/d delivered runoff and dL/d(routing block) for dL/d discharge `seed`.
    private func routeAdjoint(delivered runoff: [Double], discharge: [Double], seed: RoutingSeed<Double>) throws -> Gradient {
        let n = data.cells
        if let gamma = setup.gamma {
            let p = gamma.parameters(setup.routingPart(x))
            // Discharge = scale × routed mm, so dL/d routed = scale × dL/d discharge.
            let routedAdjoint = Self.basinDischargeAdjoint(try seed.field(steps: steps, cells: n), scale: runoffToDischarge, steps: steps)
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

    /// A lumped basin's discharge (m³/s) on each of its cells, `[steps][cells]`, from each
    /// cell's routed runoff (mm per step): the sum over the cells (a basin's elevation bands,
    /// docs/ELEVATION.md) of routed runoff times `scale`, area / (1000 dt). One cell: its own.
    static func basinDischarge(_ routed: [Double], scale: [Double], steps: Int) -> [Double] {
        let n = scale.count
        var discharge = routed
        for t in 0..<steps {
            var sum = 0.0
            for c in 0..<n { sum += routed[t * n + c] * scale[c] }
            for c in 0..<n { discharge[t * n + c] = sum }
        }
        return discharge
    }

    /// The adjoint of `basinDischarge`: dL/d(routed runoff of cell c) = scale[c] times the sum
    /// over cells of dL/d discharge.
    static func basinDischargeAdjoint(_ seed: [Double], scale: [Double], steps: Int) -> [Double] {
        let n = scale.count
        var routed = seed
        for t in 0..<steps {
            var sum = 0.0
            for c in 0..<n { sum += seed[t * n + c] }
            for c in 0..<n { routed[t * n + c] = scale[c] * sum }
        }
        return routed
    }

    /// mm per step on a cell -> m³/s: area / (1000 dt).
    private var runoffToDischarge: [Double] { data.grid.cellAreaSquareMetres.map { $0 / (1000 * data.stepSeconds) } }

    private func cellsOf(_ value: Double) -> [Double] { [Double](repeating: value, count: data.cells) }
}
