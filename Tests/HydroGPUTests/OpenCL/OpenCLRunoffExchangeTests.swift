import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// The runoff exchange operator in OpenCL C (kernels/processes/runoff_exchange.h) against the
/// Double reference (RunoffExchangeProcess), both solvers, within MODEL.md's tolerances: forward
/// 1e-4, gradients 1e-3, the audit's exchange total.
@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLRunoffExchangeTests {
    let device = TestDevice.shared!

    /// A synthetic problem with one factor per unit, losing (0.6) to gaining (1.5).
    static func problem(cells: Int, steps: Int, components: Int, solver: HBVSolver = .sequential) -> RunoffProblem<Float> {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: cells, steps: steps, components: components)
        problem.configuration.solver = solver
        let units = problem.units
        problem.parameters[.exchangeFactor] = ParameterSeries(slots: 1, units: units, values: (0..<units).map { 0.6 + 0.9 * Float($0 % 11) / 10 },
                                                              slotOfStep: [Int32](repeating: 0, count: steps))
        return problem
    }

    @Test(arguments: [1, 2])
    func sequentialMatchesDoubleReference(components: Int) throws {
        let (cells, steps) = (23, 400)
        let problem = Self.problem(cells: cells, steps: steps, components: components)
        let adjoint = Compare.runoffAdjoint(steps: steps, cells: cells)
        let got = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let want = try SequentialReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        #expect(Compare.maxRelative(got.result.runoff, want.result.runoff, floor: 1e-3) <= 1e-4)
        #expect(abs(want.result.audit.exchange) > 1)
        #expect(abs(got.result.audit.exchange - want.result.audit.exchange) <= 1e-3 * abs(want.result.audit.exchange) + 1e-2,
                "exchange total \(got.result.audit.exchange) vs \(want.result.audit.exchange)")
        #expect(got.result.audit.maxRelativeError <= 1e-5, "unit closure \(got.result.audit.maxRelativeError)")
        #expect(Set(got.gradient.parameters.keys) == Set(want.gradient.parameters.keys))
        for (parameter, reference) in want.gradient.parameters {
            let e = Compare.gradient(try #require(got.gradient.parameters[parameter]), reference)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
    }

    /// The implicit kernel's operator against the Double implicit reference: forward 1e-3 (floor
    /// 1e-2 mm, Newton's Float tolerance), gradients 1e-3.
    @Test func implicitMatchesDoubleReference() throws {
        let (cells, steps) = (17, 200)
        let problem = Self.problem(cells: cells, steps: steps, components: 1, solver: .implicit)
        let adjoint = Compare.runoffAdjoint(steps: steps, cells: cells)
        let got = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let want = try ImplicitReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        #expect(got.result.nonConvergedSteps == 0)
        #expect(Compare.maxRelative(got.result.runoff, want.result.runoff, floor: 1e-2) <= 1e-3)
        #expect(abs(want.result.audit.exchange) > 1)
        #expect(abs(got.result.audit.exchange - want.result.audit.exchange) <= 1e-3 * abs(want.result.audit.exchange) + 1e-2,
                "exchange total \(got.result.audit.exchange) vs \(want.result.audit.exchange)")
        for parameter in [HBVParameter.exchangeFactor, .k0, .k1, .k2, .fc] {
            let e = Compare.gradient(try #require(got.gradient.parameters[parameter]), want.gradient.parameters[parameter]!)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
    }
}
