import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// The snow's null operator in OpenCL C (hbv_snow_absent_*, ihbv_snow_absent_evaluate in
/// kernels/processes/snow.h) against the Double reference, within MODEL.md's tolerances, and
/// the sequential kernel's null operator against its own snow operator far above the threshold
/// (the same Float arithmetic, so the same bits).
@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLSnowAbsentTests {
    let device = TestDevice.shared!

    static func problem(cells: Int, steps: Int, components: Int) -> RunoffProblem<Float> {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: cells, steps: steps, components: components)
        // Snow in the initial pack, so the null operator has something to drain.
        for unit in 0..<problem.units { problem.initialStates[unit] = 12 + Float(unit % 5) }
        return SnowAbsentTests.withoutSnow(problem)
    }

    @Test(arguments: [1, 2])
    func sequentialMatchesDoubleReference(components: Int) throws {
        let problem = Self.problem(cells: 23, steps: 300, components: components)
        let adjoint = Compare.runoffAdjoint(steps: 300, cells: 23)
        let got = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let want = try SequentialReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        #expect(Compare.maxRelative(got.result.runoff, want.result.runoff, floor: 1e-3) <= 1e-4)
        #expect(Compare.maxRelative(got.result.finalStates, want.result.finalStates, floor: 1e-3) <= 1e-4)
        #expect(got.result.audit.maxRelativeError <= 1e-5, "unit closure \(got.result.audit.maxRelativeError)")
        #expect(Set(got.gradient.parameters.keys) == Set(want.gradient.parameters.keys))
        for (parameter, reference) in want.gradient.parameters {
            let e = Compare.gradient(try #require(got.gradient.parameters[parameter]), reference)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
        let e = Compare.gradient(got.gradient.initialStates, want.gradient.initialStates)
        #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "initial storages: norm \(e.norm), component \(e.index) \(e.worstComponent)")
    }

    @Test func sequentialNullOperatorIsTheSnowFarAboveItsThreshold() throws {
        let problem = Self.problem(cells: 19, steps: 200, components: 1)
        let absent = try OpenCLRunoffModel(device: device).forward(problem)
        let warm = try OpenCLRunoffModel(device: device).forward(SnowAbsentTests.warm(problem))
        #expect(absent.runoff == warm.runoff)
        #expect(absent.finalStates == warm.finalStates)
    }

    @Test func implicitMatchesDoubleReference() throws {
        var problem = Self.problem(cells: 17, steps: 200, components: 1)
        problem.configuration.solver = .implicit
        let got = try OpenCLRunoffModel(device: device).forward(problem)
        let want = try ImplicitReferenceModel<Double>().forward(Compare.double(problem))
        #expect(got.nonConvergedSteps == 0)
        #expect(Compare.maxRelative(got.runoff, want.runoff, floor: 1e-2) <= 1e-3)
        #expect(Compare.maxRelative(got.finalStates, want.finalStates, floor: 1e-2) <= 1e-3)
        let adjoint = Compare.runoffAdjoint(steps: 200, cells: 17)
        let (_, g) = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let (_, r) = try ImplicitReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        #expect(Set(g.parameters.keys) == Set(r.parameters.keys))
        for (parameter, reference) in r.parameters {
            let e = Compare.gradient(try #require(g.parameters[parameter]), reference)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
        let e = Compare.gradient(g.initialStates, r.initialStates)
        #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "initial storages: norm \(e.norm), component \(e.index) \(e.worstComponent)")
    }
}
