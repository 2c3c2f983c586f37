import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// The glacier operator in OpenCL C (kernels/processes/glacier.h) against the Double reference
/// (GlacierProcess), within MODEL.md's tolerances: forward runoff and storages 1e-4, gradients
/// 1e-3, and the audit's ice melt total; the ice unlimited and limited, both solvers.
@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLGlacierTests {
    let device = TestDevice.shared!

    /// A synthetic problem (seasonal snow) with a glacier on part of each unit: GFRAC, CFICE,
    /// TTG varying per unit; with `limited`, 150-400 mm of ice, which the summers exhaust in
    /// some units.
    static func problem(cells: Int, steps: Int, components: Int, limited: Bool, solver: HBVSolver = .sequential) -> RunoffProblem<Float> {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: cells, steps: steps, components: components)
        problem.configuration.solver = solver
        let units = problem.units
        func perUnit(_ f: (Int) -> Float) -> ParameterSeries<Float> {
            ParameterSeries(slots: 1, units: units, values: (0..<units).map(f), slotOfStep: [Int32](repeating: 0, count: steps))
        }
        problem.parameters[.gfrac] = perUnit { 0.1 + Float($0 % 7) * 0.12 }
        problem.parameters[.cfice] = perUnit { 1.2 + Float($0 % 5) * 0.4 }
        problem.parameters[.ttg] = perUnit { -1 + Float($0 % 4) * 0.6 }
        problem.configuration.limitsIceMelt = limited
        if limited {
            for u in 0..<units { problem.initialStates[HBVStorage.ice.rawValue * units + u] = 150 + Float(u % 6) * 50 }
        }
        return problem
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func forwardMatchesDoubleReference(limited: Bool, components: Int) throws {
        let problem = Self.problem(cells: 31, steps: 730, components: components, limited: limited)
        let got = try OpenCLRunoffModel(device: device).forward(problem)
        let want = try SequentialReferenceModel<Double>().forward(Compare.double(problem))
        #expect(Compare.maxRelative(got.runoff, want.runoff, floor: 1e-3) <= 1e-4)
        #expect(Compare.maxRelative(got.finalStates, want.finalStates, floor: 1e-3) <= 1e-4)
        #expect(want.audit.iceMelt > 100, "the ice melts (\(want.audit.iceMelt) mm)")
        #expect(abs(got.audit.iceMelt - want.audit.iceMelt) <= 1e-4 * want.audit.iceMelt, "ice melt \(got.audit.iceMelt) vs \(want.audit.iceMelt)")
        #expect(got.audit.maxRelativeError <= 1e-5, "unit closure \(got.audit.maxRelativeError)")
        if limited {
            let ice = got.finalStates[(HBVStorage.ice.rawValue * problem.units)...].prefix(problem.units)
            #expect(ice.contains(0), "some unit's ice runs out")
            #expect(ice.allSatisfy { $0 >= 0 })
        }
    }

    @Test(arguments: [false, true])
    func gradientMatchesDoubleReference(limited: Bool) throws {
        let problem = Self.problem(cells: 21, steps: 500, components: 1, limited: limited)
        let adjoint = Compare.runoffAdjoint(steps: 500, cells: 21)
        let got = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let want = try SequentialReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        for parameter in [HBVParameter.gfrac, .cfice, .ttg, .cfmax, .k1] {
            let e = Compare.gradient(try #require(got.gradient.parameters[parameter]), want.gradient.parameters[parameter]!)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
        let e = Compare.gradient(got.gradient.initialStates, want.gradient.initialStates)
        #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "initial storages: norm \(e.norm), component \(e.index) \(e.worstComponent)")
    }

    /// The implicit kernel's glacier operator (ihbv_glacier_*) against the Double implicit
    /// reference: forward 1e-3 (floor 1e-2 mm, Newton's Float tolerance), gradients 1e-3.
    @Test(arguments: [false, true])
    func implicitMatchesDoubleReference(limited: Bool) throws {
        let problem = Self.problem(cells: 13, steps: 300, components: 1, limited: limited, solver: .implicit)
        let got = try OpenCLRunoffModel(device: device).forward(problem)
        let want = try ImplicitReferenceModel<Double>().forward(Compare.double(problem))
        #expect(got.nonConvergedSteps == 0)
        #expect(Compare.maxRelative(got.runoff, want.runoff, floor: 1e-2) <= 1e-3)
        #expect(want.audit.iceMelt > 100)
        #expect(abs(got.audit.iceMelt - want.audit.iceMelt) <= 1e-3 * want.audit.iceMelt, "ice melt \(got.audit.iceMelt) vs \(want.audit.iceMelt)")
        let adjoint = Compare.runoffAdjoint(steps: 300, cells: 13)
        let (_, g) = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let (_, r) = try ImplicitReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        for parameter in [HBVParameter.gfrac, .cfice, .ttg, .cfmax] {
            let e = Compare.gradient(try #require(g.parameters[parameter]), r.parameters[parameter]!)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
    }
}
