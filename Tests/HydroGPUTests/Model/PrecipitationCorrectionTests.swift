import Foundation
import HydroGPU
import Testing

/// The snow's split corrects the forcing's precipitation (HBV-light's RFCF and SFCF): rain is
/// RFCF P, snowfall SFCF P. Held against an independent expectation: the uncorrected model run
/// on forcing whose precipitation was multiplied by the factor beforehand (all rain far above
/// TT, all snow far below), in both solvers; the water balance counts the corrected
/// precipitation. Derivatives: the finite-difference tests of both solvers (`SyntheticHBV` and
/// `ImplicitHBVFixtures` give RFCF and SFCF away from 1), OpenCL against the reference in the
/// OpenCL gradient tests.
@Suite("Precipitation corrections RFCF and SFCF")
struct PrecipitationCorrectionTests {
    /// `problem` at temperature `t` everywhere, with RFCF and SFCF set and the forcing's
    /// precipitation multiplied by `scale`.
    static func variant(_ problem: RunoffProblem<Double>, temperature t: Double, rfcf: Double, sfcf: Double, scale: Double) -> RunoffProblem<Double> {
        var q = problem
        q.forcing.temperature = [Double](repeating: t, count: q.forcing.temperature.count)
        q.forcing.precipitation = q.forcing.precipitation.map { $0 * scale }
        q.parameters[.tt] = .uniform(0, units: q.units, steps: q.forcing.steps)
        q.parameters[.rfcf] = .uniform(rfcf, units: q.units, steps: q.forcing.steps)
        q.parameters[.sfcf] = .uniform(sfcf, units: q.units, steps: q.forcing.steps)
        return q
    }

    static func run(_ problem: RunoffProblem<Double>) throws -> RunoffResult<Double> {
        switch problem.configuration.solver {
        case .sequential: try SequentialReferenceModel<Double>().forward(problem)
        case .implicit: try ImplicitReferenceModel<Double>(tolerance: 1e-12, maxIterations: 60).forward(problem)
        }
    }

    @Test(arguments: [HBVSolver.sequential, .implicit])
    func correctedRunIsTheRunOnScaledForcing(solver: HBVSolver) throws {
        var base = SyntheticHBV.problem(steps: 60, components: 1)
        base.configuration.solver = solver
        // Rain only (20 °C, TT 0): RFCF acts, SFCF does not.
        let rain = try Self.run(Self.variant(base, temperature: 20, rfcf: 1.25, sfcf: 0.6, scale: 1))
        let rainScaled = try Self.run(Self.variant(base, temperature: 20, rfcf: 1, sfcf: 1, scale: 1.25))
        #expect(rain.runoff == rainScaled.runoff && rain.finalStates == rainScaled.finalStates)
        // Snow only (-10 °C): SFCF acts, RFCF does not; the pack holds the corrected snowfall.
        let snow = try Self.run(Self.variant(base, temperature: -10, rfcf: 0.6, sfcf: 1.4, scale: 1))
        let snowScaled = try Self.run(Self.variant(base, temperature: -10, rfcf: 1, sfcf: 1, scale: 1.4))
        #expect(snow.runoff == snowScaled.runoff && snow.finalStates == snowScaled.finalStates)
        let uncorrected = try Self.run(Self.variant(base, temperature: -10, rfcf: 1, sfcf: 1, scale: 1))
        #expect(snow.finalStates[0] > uncorrected.finalStates[0], "more snow in the pack")
        // The audit counts the corrected precipitation: its P is the scaled run's P, and it closes.
        #expect(abs(snow.audit.totalPrecipitation - snowScaled.audit.totalPrecipitation) <= 1e-9 * snowScaled.audit.totalPrecipitation)
        #expect(abs(snow.audit.totalPrecipitation - 1.4 * uncorrected.audit.totalPrecipitation) <= 1e-9 * snow.audit.totalPrecipitation)
        #expect(snow.audit.maxRelativeError < 1e-8 && rain.audit.maxRelativeError < 1e-8)
    }
}
