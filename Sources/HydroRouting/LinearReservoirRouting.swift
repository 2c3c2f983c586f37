import HydroDomain
import HydroModel

/// Linear-reservoir D8 routing on the reference backend (MODEL.md 4.1), generic over Float and
/// Double: per cell and step, with k = v / L and I = local runoff (m³/s) + donors' outflow,
///
///     V(t) = (V(t-1) + dt·I(t)) / (1 + dt·k),   Q(t) = k·V(t).
///
/// The OpenCL kernels (kernels/routing.cl) compute the same statements cell by cell over
/// levels; here the loop runs time-outer over cells in level order, which gives the same
/// numbers (each cell-step sees the same operands in the same order) with contiguous memory.
public struct LinearReservoirRouting<Real: Real_>: Sendable {
    public let network: DrainageNetwork

    public init(network: DrainageNetwork) { self.network = network }

    /// Per-cell coefficients shared with the OpenCL path: k = v / L, and the factor turning mm
    /// per step on the cell into m³/s, A / (1000·dt).
    struct Coefficients {
        var rate: [Real]
        var runoffToInflow: [Real]
        var dt: Real
    }

    func coefficients(_ problem: RoutingProblem<Real>) -> Coefficients {
        let n = network.cellCount
        let rate = (0..<n).map { c in (problem.velocity.count == 1 ? problem.velocity[0] : problem.velocity[c]) / Real(network.flowLength[c]) }
        let scale = network.cellArea.map { Real($0 / (1000 * problem.stepSeconds)) }
        return Coefficients(rate: rate, runoffToInflow: scale, dt: Real(problem.stepSeconds))
    }

    /// Runs the routing forward.
    // Specialised here: callers in other modules would otherwise run the generic body (~10x slower).
    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    public func forward(_ problem: RoutingProblem<Real>) throws(RoutingError) -> RoutingResult<Real> {
        let n = network.cellCount
        try problem.validate(cells: n)
        let k = coefficients(problem)
        var discharge = [Real](repeating: 0, count: problem.steps * n)
        var storage = problem.initialStorage
        let dt = k.dt
        network.levels.order.withUnsafeBufferPointer { order in
        network.donorOffsets.withUnsafeBufferPointer { offsets in
        network.donors.withUnsafeBufferPointer { donors in
        k.rate.withUnsafeBufferPointer { rate in
        k.runoffToInflow.withUnsafeBufferPointer { scale in
        problem.localRunoff.withUnsafeBufferPointer { runoff in
        discharge.withUnsafeMutableBufferPointer { q in
        storage.withUnsafeMutableBufferPointer { v in
            for t in 0..<problem.steps {
                let row = t * n
                for i in 0..<n {
                    let c = Int(order[i])
                    var inflow = scale[c] * runoff[row + c]
                    for j in Int(offsets[c])..<Int(offsets[c + 1]) { inflow += q[row + Int(donors[j])] }
                    let volume = (v[c] + dt * inflow) / (1 + dt * rate[c])
                    v[c] = volume
                    q[row + c] = rate[c] * volume
                }
            }
        }}}}}}}}
        let audit = RoutingMassBalance(network: network, stepSeconds: problem.stepSeconds, steps: problem.steps, localRunoff: problem.localRunoff,
                                       discharge: discharge, initialStorage: problem.initialStorage, finalStorage: storage)
        return RoutingResult(discharge: discharge, finalStorage: storage, massBalance: audit)
    }

    /// Runs forward, then the adjoint with `seed` = dL/dQ: levels in reverse (downstream
    /// first) and time backwards.
    public func gradient(_ problem: RoutingProblem<Real>, seed: RoutingSeed<Real>) throws(RoutingError) -> (result: RoutingResult<Real>, gradient: RoutingGradient<Real>) {
        let result = try forward(problem)
        let gradient = try adjoint(problem, discharge: result.discharge, seed: seed)
        return (result, gradient)
    }

    /// The adjoint sweep given the forward discharge. With a = 1/(1 + dt·k) and W the adjoint
    /// of V(t) (carried from later steps and from Q(t) = k·V(t)):
    ///
    ///     Q̄(t) = seed(t) + Ī_downstream(t)
    ///     W(t) = k·Q̄(t) + a·W(t+1)
    ///     Ī(t) = dt·a·W(t),  r̄(t) = A/(1000·dt)·Ī(t)
    ///     k̄ += V(t)·(Q̄(t) − dt·a·W(t)),  v̄ = k̄ / L,  V̄(0) = a·W(first step)
    ///
    /// V(t) is recovered as Q(t) / k.
    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    public func adjoint(_ problem: RoutingProblem<Real>, discharge: [Real], seed: RoutingSeed<Real>) throws(RoutingError) -> RoutingGradient<Real> {
        let n = network.cellCount, steps = problem.steps
        try problem.validate(cells: n)
        guard discharge.count == steps * n else { throw RoutingError("discharge has \(discharge.count) values; expected \(steps) x \(n)") }
        // A gauge seed stays sparse (a dense field would double the memory of a large run).
        let seedField: [Real], gaugeOfCell: [Int32], gaugeSeed: [Real], gauges: Int
        switch seed {
        case .field:
            seedField = try seed.field(steps: steps, cells: n)
            gaugeOfCell = [Int32](repeating: -1, count: n); gaugeSeed = []; gauges = 0
        case .gauges(let cells, let adjoint):
            guard adjoint.count == steps * cells.count else {
                throw RoutingError("gauge adjoint has \(adjoint.count) values; expected steps x gauges = \(steps) x \(cells.count)")
            }
            var map = [Int32](repeating: -1, count: n)
            for (g, c) in cells.enumerated() {
                guard c >= 0, c < n else { throw RoutingError("gauge cell \(c) is not a cell of the network (0..<\(n))") }
                guard map[c] < 0 else { throw RoutingError("cell \(c) carries two gauges; merge their adjoints into one") }
                map[c] = Int32(g)
            }
            seedField = []; gaugeOfCell = map; gaugeSeed = adjoint; gauges = cells.count
        }
        let k = coefficients(problem)
        let dt = k.dt
        var runoffAdjoint = [Real](repeating: 0, count: steps * n)
        var carry = [Real](repeating: 0, count: n)          // a·W(t+1)
        var inflowAdjoint = [Real](repeating: 0, count: n)  // Ī(t) of each cell, this step
        var rateAdjoint = [Real](repeating: 0, count: n)
        network.levels.order.withUnsafeBufferPointer { order in
        network.downstream.withUnsafeBufferPointer { down in
        k.rate.withUnsafeBufferPointer { rate in
        k.runoffToInflow.withUnsafeBufferPointer { scale in
        discharge.withUnsafeBufferPointer { q in
        seedField.withUnsafeBufferPointer { seed in
        gaugeOfCell.withUnsafeBufferPointer { gaugeOfCell in
        gaugeSeed.withUnsafeBufferPointer { gaugeSeed in
        runoffAdjoint.withUnsafeMutableBufferPointer { rbar in
        carry.withUnsafeMutableBufferPointer { carry in
        inflowAdjoint.withUnsafeMutableBufferPointer { ibar in
        rateAdjoint.withUnsafeMutableBufferPointer { kbar in
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let row = t * n
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let c = Int(order[i])
                    var qbar: Real = seed.isEmpty ? 0 : seed[row + c]
                    let g = Int(gaugeOfCell[c])
                    if g >= 0 { qbar += gaugeSeed[t * gauges + g] }
                    let d = Int(down[c])
                    if d >= 0 { qbar += ibar[d] }
                    let kc = rate[c]
                    let a = 1 / (1 + dt * kc)
                    let w = kc * qbar + carry[c]
                    let inflowBar = dt * a * w
                    ibar[c] = inflowBar
                    rbar[row + c] = scale[c] * inflowBar
                    let volume = q[row + c] / kc
                    kbar[c] += volume * (qbar - inflowBar)
                    carry[c] = a * w
                }
            }
        }}}}}}}}}}}}
        let velocityAdjoint = (0..<n).map { rateAdjoint[$0] / Real(network.flowLength[$0]) }
        return RoutingGradient(localRunoff: runoffAdjoint, velocity: velocityAdjoint, initialStorage: carry)
    }
}
