import Foundation
import HydroGPU
import Testing

/// The runoff exchange (RunoffExchangeProcess, docs/EXCHANGE.md) on both reference solvers in
/// Double: the delivered runoff is the factor times the runoff of the same model without the
/// process (an independent run), storages are untouched, the audit counts the difference as an
/// exchange across the boundary, EXCHANGE = 1 is exactly no exchange, and the adjoints (factor
/// and every other parameter through the scaled runoff) agree with central differences.
struct RunoffExchangeTests {
    /// The synthetic problem with one factor per unit between 0.6 and 1.5 (losing and gaining).
    static func problem(solver: HBVSolver, components: Int = 1, seed: Int = 0) -> RunoffProblem<Double> {
        var problem = SyntheticHBV.problem(components: components, runoffExchange: true, seed: seed)
        problem.configuration.solver = solver
        let units = problem.units
        problem.parameters[.exchangeFactor] = ParameterSeries(slots: 1, units: units, values: (0..<units).map { 0.6 + 0.9 * Double($0) / Double(max(units - 1, 1)) },
                                                              slotOfStep: [Int32](repeating: 0, count: problem.forcing.steps))
        return problem
    }

    static func model(_ solver: HBVSolver) -> any RunoffModel<Double> {
        solver == .implicit ? ImplicitReferenceModel<Double>(tolerance: 1e-10, maxIterations: 60) : SequentialReferenceModel<Double>()
    }

    @Test(arguments: [HBVSolver.sequential, .implicit])
    func deliveredRunoffIsTheFactorTimesTheRunoff(solver: HBVSolver) throws {
        let with = Self.problem(solver: solver)
        var without = with
        without.parameters[.exchangeFactor] = nil
        let model = Self.model(solver)
        let a = try model.forward(without), b = try model.forward(with)
        let cells = with.forcing.cells
        let factors = with.parameters[.exchangeFactor]!.values
        var generated = 0.0, delivered = 0.0
        for (i, q) in a.runoff.enumerated() {
            let f = factors[i % cells]   // one component per cell
            #expect(b.runoff[i] == f * q, "time index \(i / cells), cell \(i % cells)")
            generated += q
            delivered += f * q
        }
        #expect(b.finalStates == a.finalStates, "the exchange moves no storage")
        // The audit: Q is what the units deliver, the difference crossed the boundary.
        #expect(abs(b.audit.totalRunoff - delivered) <= 1e-12 * delivered)
        #expect(abs(b.audit.exchange - (delivered - generated)) <= 1e-9 * generated, "exchange \(b.audit.exchange) vs \(delivered - generated)")
        #expect(abs(b.audit.exchange) > 1, "the factors move water (\(b.audit.exchange) mm)")
        let tolerance = solver == .implicit ? 1e-8 : 1e-13
        #expect(b.audit.domainRelativeError <= tolerance && a.audit.domainRelativeError <= tolerance, "closure \(b.audit.domainRelativeError)")
        // Not counting the exchange would leave exactly that water unexplained.
        let closure = b.audit.totalPrecipitation + b.audit.numericalInflow - b.audit.totalEvapotranspiration - b.audit.totalRunoff - b.audit.storageChange
        #expect(abs(closure + (delivered - generated)) <= 1e-8 * b.audit.totalPrecipitation)
    }

    /// EXCHANGE = 1 delivers exactly the runoff: runoff, states and every other gradient are the
    /// bits of the problem without it.
    @Test(arguments: [HBVSolver.sequential, .implicit])
    func unitFactorIsNoExchange(solver: HBVSolver) throws {
        var one = Self.problem(solver: solver, components: 2)
        one.parameters[.exchangeFactor] = .uniform(1, units: one.units, steps: one.forcing.steps)
        var without = one
        without.parameters[.exchangeFactor] = nil
        let weights = SyntheticHBV.lossWeights(one.forcing.steps * one.forcing.cells)
        let model = Self.model(solver)
        let (a, ga) = try model.gradient(without, runoffAdjoint: weights)
        let (b, gb) = try model.gradient(one, runoffAdjoint: weights)
        #expect(a.runoff == b.runoff && a.finalStates == b.finalStates && ga.initialStates == gb.initialStates)
        for (parameter, g) in ga.parameters { #expect(gb.parameters[parameter] == g, "\(parameter.name)") }
        #expect(b.audit.exchange == 0)
    }

    /// Sequential adjoint of every parameter (the factor, and the others through the scaled
    /// runoff) and initial storage against central differences; constant and monthly factors.
    @Test(arguments: [SyntheticHBV.Temporal.constant, .monthly])
    func sequentialAdjointMatchesFiniteDifferences(temporal: SyntheticHBV.Temporal) throws {
        var problem = SyntheticHBV.problem(temporal: temporal, runoffExchange: true, seed: 1)
        problem.configuration.solver = .sequential
        try SequentialHBVReferenceTests().checkAgainstFiniteDifferences(problem)
    }

    /// The implicit IFT adjoint of the factor and of the parameters whose runoff it scales.
    @Test func implicitAdjointMatchesFiniteDifferences() throws {
        var problem = SyntheticHBV.problem(steps: 60, runoffExchange: true, seed: 2)
        problem.configuration.solver = .implicit
        let checker = ImplicitHBVGradientTests()
        let w = SyntheticHBV.lossWeights(problem.forcing.steps * problem.forcing.cells)
        let (_, gradient) = try checker.model.gradient(problem, runoffAdjoint: w)
        try checker.checkParameters([.exchangeFactor, .k0, .k1, .k2, .uzl, .fc], of: problem, gradient: gradient, weights: w)
    }
}
