import Foundation
import HydroGPU
import Testing

/// The glacier (GlacierProcess, docs/GLACIER.md) on the reference solvers in Double: the step
/// against the degree-day formula worked by hand (unlimited and limited ice, snow cover
/// switching it off), the adjoints of GFRAC, CFICE, TTG (and CFMAX, which drives both melts)
/// against central finite differences for both solvers, the water balance with the ice store,
/// and "off" meaning exactly the model without it.
struct GlacierTests {
    let model = SequentialReferenceModel<Double>()

    /// One unit, no precipitation or ET, a constant temperature: only snow and ice move.
    func warmGlacier(steps: Int, temperature: Double, snowpack: Double, ice: Double, limited: Bool, stepDays: Double = 1) -> RunoffProblem<Double> {
        var problem = SyntheticHBV.problem(steps: steps, cells: 1, components: 1, stepDays: stepDays, glacier: true)
        problem.forcing.precipitation = [Double](repeating: 0, count: steps)
        problem.forcing.pet = [Double](repeating: 0, count: steps)
        problem.forcing.temperature = [Double](repeating: temperature, count: steps)
        for (parameter, value) in [(HBVParameter.gfrac, 0.4), (.cfice, 2), (.ttg, 0.5), (.cfmax, 3), (.tt, 0), (.cwh, 0), (.cfr, 0.05)] {
            problem.parameters[parameter] = .uniform(value, units: 1, steps: steps)
        }
        problem.configuration.limitsIceMelt = limited
        var initial = [Double](repeating: 0, count: HBVStorage.count)
        initial[HBVStorage.snowpack.rawValue] = snowpack
        initial[HBVStorage.soilMoisture.rawValue] = 50
        initial[HBVStorage.ice.rawValue] = ice
        problem.initialStates = initial
        return problem
    }

    @Test(arguments: [(false, 1.0), (true, 1.0), (true, 0.25)])
    func stepMatchesTheFormula(limited: Bool, stepDays: Double) throws {
        let (T, ice0) = (6.0, 100.0)
        let problem = warmGlacier(steps: 40, temperature: T, snowpack: 20, ice: ice0, limited: limited, stepDays: stepDays)
        let trace = try model.trace(problem)
        // Snow: CFMAX (T - TT) = 18 mm/day melts the 20 mm pack within the first two days; no
        // ice melts while snow lies on the glacier.
        var snowpack = 20.0, ice = ice0
        let potential = 0.4 * 2 * 3 * stepDays * (T - 0.5)   // GFRAC CFICE CFMAX dt (T - TTG)
        for t in 0..<40 {
            let melt = min(3 * stepDays * T, snowpack)
            let snowBefore = snowpack
            snowpack -= melt
            let expected = snowpack > 0 ? 0 : (limited ? min(potential, ice) : potential)
            if limited { ice -= expected }   // unlimited ice is not depleted
            #expect(abs(trace.fluxes[t].iceMelt - expected) <= 1e-12 * max(expected, 1), "ice melt at time index \(t) (snow \(snowBefore))")
            #expect(abs(trace.states[t].ice - ice) <= 1e-11 * max(abs(ice), 1), "ICE at time index \(t)")
        }
        #expect(trace.fluxes.contains { $0.iceMelt > 0 } && trace.fluxes[0].iceMelt == 0)
        if limited {
            // 40 steps of the potential exceed the store: it empties and stays at exactly 0.
            #expect(trace.states.last!.ice == 0 && trace.states.allSatisfy { $0.ice >= 0 })
            #expect(abs(trace.fluxes.map(\.iceMelt).reduce(0, +) - ice0) <= 1e-10)
        } else {
            #expect(trace.states.allSatisfy { $0.ice == ice0 }, "unlimited ice: the store stays as it was")
        }
    }

    /// Below TTG (and under snow) the glacier does not melt.
    @Test func coldOrSnowCoveredGlacierDoesNotMelt() throws {
        let cold = try model.trace(warmGlacier(steps: 20, temperature: 0.4, snowpack: 0, ice: 50, limited: true))
        #expect(cold.fluxes.allSatisfy { $0.iceMelt == 0 })
        let covered = try model.trace(warmGlacier(steps: 3, temperature: 6, snowpack: 500, ice: 50, limited: true))
        #expect(covered.fluxes.allSatisfy { $0.iceMelt == 0 })
    }

    /// The synthetic problem's snow goes in its warm second half, so the ice melts there; with
    /// the ice limited the store (40 mm) runs out within it, so both branches of the limit are
    /// differentiated.
    @Test(arguments: [false, true]) func adjointMatchesFiniteDifferences(limited: Bool) throws {
        var problem = SyntheticHBV.problem(glacier: true, seed: 1)
        problem.configuration.limitsIceMelt = limited
        let trace = try model.trace(problem)
        #expect(trace.fluxes.map(\.iceMelt).reduce(0, +) > 10, "the ice melts")
        if limited { #expect(trace.result.finalStates[HBVStorage.ice.rawValue * problem.units] < 1e-9, "the ice runs out") }
        try SequentialHBVReferenceTests().checkAgainstFiniteDifferences(problem)
    }

    @Test func adjointMatchesFiniteDifferencesMonthly() throws {
        try SequentialHBVReferenceTests().checkAgainstFiniteDifferences(SyntheticHBV.problem(temporal: .monthly, glacier: true, seed: 2))
    }

    @Test(arguments: [false, true]) func waterBalanceClosesWithTheIceStore(limited: Bool) throws {
        var problem = SyntheticHBV.problem(glacier: true)
        problem.configuration.limitsIceMelt = limited
        let trace = try model.trace(problem)
        let audit = trace.result.audit
        let melted = trace.fluxes.map(\.iceMelt).reduce(0, +)
        #expect(melted > 10)
        #expect(abs(audit.iceMelt - melted) <= 1e-12 * melted)
        #expect(audit.maxRelativeError <= 1e-13 && audit.domainRelativeError <= 1e-13, "closure \(audit.maxRelativeError)")
        // Independent sums: P + N + ice melt - ET - Q = the change of the storages other than
        // ICE; and the known ice store lost exactly what melted (unlimited: it stays).
        var p = 0.0, et = 0.0, q = 0.0, extra = 0.0
        for f in trace.fluxes { p += f.rain + f.snow; et += f.evapotranspiration; q += f.q0 + f.q1 + f.q2; extra += f.numericalInflow }
        let ice = HBVStorage.ice.rawValue * problem.units
        let all = trace.result.finalStates.reduce(0, +) - problem.initialStates.reduce(0, +)
        let lost = (0..<problem.units).map { problem.initialStates[ice + $0] - trace.result.finalStates[ice + $0] }.reduce(0, +)
        #expect(abs(p + extra + melted - et - q - (all + lost)) <= 1e-10 * p)
        #expect(abs(lost - (limited ? melted : 0)) <= 1e-10 * melted)
    }

    /// The implicit solver's glacier operator: IFT adjoint of the glacier's parameters and of
    /// CFMAX against central differences of the forward model, the ice unlimited and limited.
    @Test(arguments: [false, true]) func implicitAdjointMatchesFiniteDifferences(limited: Bool) throws {
        var problem = SyntheticHBV.problem(steps: 80, glacier: true, seed: 2)
        problem.configuration.solver = .implicit
        problem.configuration.limitsIceMelt = limited
        let checker = ImplicitHBVGradientTests()
        let w = SyntheticHBV.lossWeights(problem.forcing.steps * problem.forcing.cells)
        let (result, gradient) = try checker.model.gradient(problem, runoffAdjoint: w)
        #expect(result.audit.iceMelt > 10, "the ice melts (\(result.audit.iceMelt) mm)")
        try checker.checkParameters([.gfrac, .cfice, .ttg, .cfmax], of: problem, gradient: gradient, weights: w)
        // And the initial ice (limited: the store decides when the melt stops).
        let ice = HBVStorage.ice.rawValue * problem.units
        let fd = try checker.differenceQuotients(problem.initialStates[ice]) { v in
            var q = problem
            q.initialStates[ice] = v
            return try checker.loss(q, w)
        }
        #expect(checker.agrees(gradient.initialStates[ice], fd), "initial ICE: adjoint \(gradient.initialStates[ice]) fd \(fd)")
    }

    @Test func implicitWaterBalanceClosesWithTheIceStore() throws {
        var problem = SyntheticHBV.problem(glacier: true)
        problem.configuration.solver = .implicit
        problem.configuration.limitsIceMelt = true
        let result = try ImplicitReferenceModel<Double>(tolerance: 1e-10, maxIterations: 60).forward(problem)
        #expect(result.audit.iceMelt > 10)
        #expect(result.audit.domainRelativeError <= 1e-8, "closure \(result.audit.domainRelativeError)")
        #expect(result.finalStates[HBVStorage.ice.rawValue * problem.units..<(HBVStorage.ice.rawValue + 1) * problem.units].allSatisfy { $0 > -1e-6 },
                "the limited ice store does not go (materially) below 0")
        let ice = HBVStorage.ice.rawValue * problem.units
        let lost = (0..<problem.units).map { problem.initialStates[ice + $0] - result.finalStates[ice + $0] }.reduce(0, +)
        #expect(abs(lost - result.audit.iceMelt) <= 1e-6 * result.audit.iceMelt, "the ice store lost what melted")
    }

    /// GFRAC = 0 is exactly the model without the glacier, both solvers.
    @Test(arguments: [HBVSolver.sequential, .implicit]) func zeroFractionIsNoGlacier(solver: HBVSolver) throws {
        var without = SyntheticHBV.problem()
        without.configuration.solver = solver
        var zero = SyntheticHBV.problem(glacier: true)
        zero.configuration.solver = solver
        zero.parameters[.gfrac] = .uniform(0, units: zero.units, steps: zero.forcing.steps)
        let a = try solver == .sequential ? model.forward(without) : ImplicitReferenceModel<Double>().forward(without)
        let b = try solver == .sequential ? model.forward(zero) : ImplicitReferenceModel<Double>().forward(zero)
        #expect(a.runoff == b.runoff && a.finalStates == b.finalStates)
        #expect(b.audit.iceMelt == 0)
    }
}
