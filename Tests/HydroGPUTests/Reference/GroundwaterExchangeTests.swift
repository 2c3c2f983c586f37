import Foundation
import HydroGPU
import Testing

/// The store-dependent groundwater exchange (GroundwaterExchangeProcess, docs/EXCHANGE.md) on
/// the sequential reference solver in Double: the step against the formula worked by hand, the
/// adjoint against central finite differences (gaining and losing), the water balance with the
/// exchange counted, and "off" meaning exactly the model without it.
struct GroundwaterExchangeTests {
    let model = SequentialReferenceModel<Double>()

    /// A one-unit problem without rain or ET, so only the lower zone moves: SLZ -> (1 - K2 dt) SLZ
    /// (baseflow), then + max(GX dt min(SLZ / GXREF, 1)^GXPOW, -SLZ).
    func drainingLowerZone(steps: Int, gx: Double, gxref: Double, gxpow: Double, k2: Double, stepDays: Double, slz: Double) -> RunoffProblem<Double> {
        var problem = SyntheticHBV.problem(steps: steps, cells: 1, components: 1, stepDays: stepDays, offByDefault: true)
        problem.forcing.precipitation = [Double](repeating: 0, count: steps)
        problem.forcing.pet = [Double](repeating: 0, count: steps)
        problem.forcing.temperature = [Double](repeating: 10, count: steps)
        for (parameter, value) in [(HBVParameter.gx, gx), (.gxref, gxref), (.gxpow, gxpow), (.k2, k2), (.perc, 0), (.c, 0)] {
            problem.parameters[parameter] = .uniform(value, units: 1, steps: steps)
        }
        problem.initialStates = [0, 0, 50, 0, slz, 0]   // no snow, no upper zone: no percolation
        return problem
    }

    @Test(arguments: [(0.8, 1.0), (-1.5, 1.0), (0.4, 0.5), (-60.0, 1.0)])
    func stepMatchesTheFormula(gx: Double, stepDays: Double) throws {
        let (gxref, gxpow, k2) = (30.0, 3.5, 0.05)
        let problem = drainingLowerZone(steps: 30, gx: gx, gxref: gxref, gxpow: gxpow, k2: k2, stepDays: stepDays, slz: 45)
        let trace = try model.trace(problem)
        var slz = 45.0
        for t in 0..<30 {
            let q2 = k2 * stepDays * slz
            slz -= q2
            let exchange = max(gx * stepDays * pow(min(slz / gxref, 1), gxpow), -slz)
            slz += exchange
            #expect(abs(trace.fluxes[t].q2 - q2) <= 1e-12 * max(q2, 1), "Q2 at time index \(t)")
            #expect(abs(trace.fluxes[t].exchange - exchange) <= 1e-12 * max(abs(exchange), 1), "exchange at time index \(t)")
            #expect(abs(trace.states[t].lowerZone - slz) <= 1e-12 * max(slz, 1), "SLZ at time index \(t)")
        }
        // A loss never takes more than the store holds (GX = -60 empties it at the first step:
        // the filling is capped at 1, so the potential loss is 60 mm against 42.75 mm held).
        #expect(trace.states.allSatisfy { $0.lowerZone >= 0 })
        if gx == -60 { #expect(trace.states[0].lowerZone == 0 && trace.fluxes[1].exchange == 0) }
    }

    @Test(arguments: [0, 1, 2]) func adjointMatchesFiniteDifferencesGaining(seed: Int) throws {
        // GXREF three times the synthetic value (~120 mm), so the gaining store stays below the
        // cap's kink at SLZ = GXREF, where a difference step would straddle the branch switch.
        // Constant parameters: with monthly slots the small entries (1e-6 of the largest) carry
        // a central-difference truncation error of ~1e-5 relative under the power law's
        // curvature, above the checker's 1e-6 (the monthly GX layout is checked against the
        // reference in OpenCLGroundwaterExchangeTests).
        var problem = SyntheticHBV.problem(temporal: .constant, offByDefault: true, seed: seed)
        problem.parameters[.gxref]!.values = problem.parameters[.gxref]!.values.map { 3 * $0 }
        try SequentialHBVReferenceTests().checkAgainstFiniteDifferences(problem)
    }

    @Test func adjointMatchesFiniteDifferencesLosingWithHalfDaySteps() throws {
        var problem = SyntheticHBV.problem(stepDays: 0.5, offByDefault: true, seed: 3)
        problem.parameters[.gx]!.values = problem.parameters[.gx]!.values.map { -2 * $0 }   // losing
        try SequentialHBVReferenceTests().checkAgainstFiniteDifferences(problem)
    }

    @Test(arguments: [1.0, 0.5])
    func waterBalanceCountsTheExchange(stepDays: Double) throws {
        for sign in [1.0, -1.0] {
            var problem = SyntheticHBV.problem(stepDays: stepDays, offByDefault: true)
            problem.parameters[.gx]!.values = problem.parameters[.gx]!.values.map { sign * $0 }
            let trace = try model.trace(problem)
            let audit = trace.result.audit
            let exchanged = trace.fluxes.map(\.exchange).reduce(0, +)
            #expect(sign * exchanged > 1, "the exchange moves water (\(exchanged) mm)")
            #expect(abs(audit.exchange - exchanged) <= 1e-12 * abs(exchanged))
            #expect(audit.maxRelativeError <= 1e-13 && audit.domainRelativeError <= 1e-13, "closure \(audit.maxRelativeError)")
            // Independent sums: P + numerical inflow + exchange - ET - Q = storage change.
            var p = 0.0, et = 0.0, q = 0.0, extra = 0.0
            for f in trace.fluxes { p += f.rain + f.snow; et += f.evapotranspiration; q += f.q0 + f.q1 + f.q2; extra += f.numericalInflow }
            let change = trace.result.finalStates.reduce(0, +) - problem.initialStates.reduce(0, +)
            #expect(abs(p + extra + exchanged - et - q - change) <= 1e-10 * p)
            // Without counting the exchange the balance would be off by exactly that water.
            #expect(abs((p + extra - et - q - change) + exchanged) <= 1e-10 * p)
        }
    }

    /// Absent (the default) and GX = 0 are both exactly the model without the exchange.
    @Test func zeroCoefficientIsNoExchange() throws {
        let without = SyntheticHBV.problem()
        var zero = SyntheticHBV.problem(offByDefault: true)
        zero.parameters[.gx] = .uniform(0, units: zero.units, steps: zero.forcing.steps)
        let weights = SyntheticHBV.lossWeights(without.forcing.steps * without.forcing.cells)
        let (a, ga) = try model.gradient(without, runoffAdjoint: weights)
        let (b, gb) = try model.gradient(zero, runoffAdjoint: weights)
        #expect(a.runoff == b.runoff && a.finalStates == b.finalStates && ga.initialStates == gb.initialStates)
        for (parameter, g) in ga.parameters { #expect(gb.parameters[parameter] == g, "\(parameter)") }
        #expect(b.audit.exchange == 0)
        let on = try model.forward(SyntheticHBV.problem(offByDefault: true))
        #expect(on.runoff != a.runoff)
    }

    /// The implicit solver's exchange operator (the `ImplicitProcess` extension): the IFT adjoint
    /// of GX, GXREF, GXPOW and of K2 (which drains the same store) against central differences
    /// of the forward model, gaining and losing.
    @Test(arguments: [1.0, -2.0])
    func implicitAdjointMatchesFiniteDifferences(sign: Double) throws {
        var problem = SyntheticHBV.problem(steps: 60, offByDefault: true, seed: 2)
        problem.configuration.solver = .implicit
        problem.parameters[.gx]!.values = problem.parameters[.gx]!.values.map { sign * $0 }
        let checker = ImplicitHBVGradientTests()
        let w = SyntheticHBV.lossWeights(problem.forcing.steps * problem.forcing.cells)
        let (result, gradient) = try checker.model.gradient(problem, runoffAdjoint: w)
        #expect(abs(result.audit.exchange) > 1, "the exchange moves water (\(result.audit.exchange) mm)")
        try checker.checkParameters([.gx, .gxref, .gxpow, .k2], of: problem, gradient: gradient, weights: w)
    }

    /// The implicit solver's audit counts the exchange: it closes to the Newton tolerance, and
    /// it would not without the exchange.
    @Test(arguments: [1.0, -1.0])
    func implicitWaterBalanceCountsTheExchange(sign: Double) throws {
        var problem = SyntheticHBV.problem(offByDefault: true)
        problem.configuration.solver = .implicit
        problem.parameters[.gx]!.values = problem.parameters[.gx]!.values.map { sign * $0 }
        let result = try ImplicitReferenceModel<Double>(tolerance: 1e-10, maxIterations: 60).forward(problem)
        let audit = result.audit
        #expect(sign * audit.exchange > 1, "the exchange moves water (\(audit.exchange) mm)")
        #expect(audit.domainRelativeError <= 1e-8, "closure \(audit.domainRelativeError)")
        // Independent of the audit's own sums: P + exchange - ET - Q = the storage change.
        let change = result.finalStates.reduce(0, +) - problem.initialStates.reduce(0, +)
        #expect(abs(audit.storageChange - change) <= 1e-9 * abs(change) + 1e-9)
        let closure = audit.totalPrecipitation + audit.exchange - audit.totalEvapotranspiration - audit.totalRunoff - change
        #expect(abs(closure) <= 1e-8 * audit.totalPrecipitation, "closure \(closure) mm")
        #expect(abs(closure - audit.exchange) > 1, "without the exchange the balance would not close")
    }

    /// GX = 0 (the value training holds it at) is exactly the implicit model without the exchange.
    @Test func implicitZeroCoefficientIsNoExchange() throws {
        var without = SyntheticHBV.problem()
        without.configuration.solver = .implicit
        var zero = SyntheticHBV.problem(offByDefault: true)
        zero.configuration.solver = .implicit
        zero.parameters[.gx] = .uniform(0, units: zero.units, steps: zero.forcing.steps)
        let model = ImplicitReferenceModel<Double>()
        let (a, b) = (try model.forward(without), try model.forward(zero))
        #expect(a.runoff == b.runoff && a.finalStates == b.finalStates)
        #expect(b.audit.exchange == 0)
    }
}
