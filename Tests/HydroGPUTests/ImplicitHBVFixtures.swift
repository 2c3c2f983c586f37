import HydroGPU

/// Deterministic problems for the implicit HBV tests.
enum ImplicitHBVFixtures {
    /// A small linear congruential generator: reproducible values in [0, 1).
    struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * next() }
    }

    /// Physical parameter values inside the bounds, away from them, varying per unit.
    static func parameterValue(_ p: HBVParameter, unit: Int, slot: Int) -> Double {
        let (lo, hi) = p.bounds
        // UZL low enough that SUZ crosses it (Q0 active) in short runs.
        if p == .uzl { return 4 + Double((unit * 3 + slot * 5) % 7) }
        // A fraction in [0.3, 0.7] that differs by parameter, unit and slot.
        let f = 0.3 + 0.4 * Double((p.rawValue * 7 + unit * 3 + slot * 5) % 11) / 10
        return lo + (hi - lo) * f
    }

    enum Layout { case staticSlots, monthly, dynamic }

    /// Slot table and slot count for a layout over `steps` steps (monthly: 10-step "months").
    static func slots(_ layout: Layout, steps: Int) -> (Int, [Int32]) {
        switch layout {
        case .staticSlots: return (1, [Int32](repeating: 0, count: steps))
        case .monthly: return (12, (0..<steps).map { Int32(($0 / 10) % 12) })
        case .dynamic: return (steps, (0..<steps).map { Int32($0) })
        }
    }

    /// Forcing with cold snowy spells, melt, rain storms and dry days.
    static func forcing<Real: Real_>(steps: Int, cells: Int, seed: UInt64 = 7, stepDays: Double = 1) -> HBVForcing<Real> {
        var g = Generator(seed: seed)
        var p = [Real](), t = [Real](), e = [Real]()
        for step in 0..<steps {
            for cell in 0..<cells {
                let season = Double((step + 3 * cell) % 40) / 40
                let temperature = -8 + 20 * season + g.uniform(-3, 3)
                let wet = g.next() < 0.5
                let precipitation = wet ? g.uniform(0.5, 25) * stepDays : 0
                p.append(Real(precipitation))
                t.append(Real(temperature))
                e.append(Real(g.uniform(0.5, 4) * stepDays))
            }
        }
        return HBVForcing(steps: steps, cells: cells, precipitation: p, temperature: t, pet: e)
    }

    /// A problem whose initial states put water in every store.
    static func problem<Real: Real_>(steps: Int, cells: Int, components: Int = 1, layout: Layout = .staticSlots,
                                     stepDays: Double = 1, usesETExponent: Bool = true, seed: UInt64 = 7) -> RunoffProblem<Real> {
        let units = cells * components
        let (slotCount, table) = slots(layout, steps: steps)
        var parameters: [HBVParameter: ParameterSeries<Real>] = [:]
        // δHBV 1.0 (no ET exponent) does not give BETAET: the solvers switch it off by presence.
        for p in HBVParameter.onByDefault where usesETExponent || p != .betaet {
            var values = [Real]()
            for s in 0..<slotCount { for u in 0..<units { values.append(Real(parameterValue(p, unit: u, slot: s))) } }
            parameters[p] = ParameterSeries(slots: slotCount, units: units, values: values, slotOfStep: table)
        }
        var initial = [Real]()
        let start: [Double] = [30, 3, 120, 25, 40, 0]   // in HBVStorage order; no ice
        for i in 0..<HBVStorage.count { for u in 0..<units { initial.append(Real(start[i] * (1 + 0.1 * Double(u % 3)))) } }
        let configuration = HBVConfiguration(solver: .implicit, components: components, stepDays: stepDays,
                                             usesETExponent: usesETExponent)
        return RunoffProblem(configuration: configuration,
                             forcing: forcing(steps: steps, cells: cells, seed: seed, stepDays: stepDays),
                             parameters: parameters, initialStates: initial)
    }

    /// Runs `problem` one step at a time and returns S_0, S_1, ..., S_T (each `[5][units]`) and
    /// the per-step results.
    static func trajectory<Real: Real_>(_ problem: RunoffProblem<Real>, model: ImplicitReferenceModel<Real>) throws
        -> (states: [[Real]], results: [RunoffResult<Real>])
    {
        var states = [problem.initialStates]
        var results: [RunoffResult<Real>] = []
        let cells = problem.forcing.cells
        for t in 0..<problem.forcing.steps {
            let f = problem.forcing
            let range = (t * cells)..<((t + 1) * cells)
            let forcing = HBVForcing(steps: 1, cells: cells, precipitation: Array(f.precipitation[range]),
                                     temperature: Array(f.temperature[range]), pet: Array(f.pet[range]))
            var parameters: [HBVParameter: ParameterSeries<Real>] = [:]
            for (p, s) in problem.parameters {
                let slot = Int(s.slotOfStep[t])
                parameters[p] = ParameterSeries(slots: 1, units: s.units,
                                                values: Array(s.values[(slot * s.units)..<((slot + 1) * s.units)]), slotOfStep: [0])
            }
            let step = RunoffProblem(configuration: problem.configuration, forcing: forcing, parameters: parameters,
                                     initialStates: states.last!)
            let result = try model.forward(step)
            results.append(result)
            states.append(result.finalStates)
        }
        return (states, results)
    }
}
