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
        problem.initialStates = [0, 0, 50, 0, slz]   // no snow, no upper zone: no percolation
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

    @Test func adjointMatchesFiniteDifferencesGaining() throws {
        try SequentialHBVReferenceTests().checkAgainstFiniteDifferences(SyntheticHBV.problem(temporal: .monthly, offByDefault: true, seed: 2))
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

    /// The implicit solver has no exchange yet: it refuses one that is on and runs one held off.
    @Test func implicitSolverRefusesAnActiveExchange() throws {
        var problem = SyntheticHBV.problem(offByDefault: true)
        problem.configuration.solver = .implicit
        #expect(throws: RunoffProblemError.self) { _ = try ImplicitReferenceModel<Double>().forward(problem) }
        for parameter in [HBVParameter.gx, .gxref, .gxpow] {
            problem.parameters[parameter] = .uniform(parameter.offValue!, units: problem.units, steps: problem.forcing.steps)
        }
        #expect(throws: Never.self) { _ = try ImplicitReferenceModel<Double>().forward(problem) }
    }
}
