import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// The groundwater exchange operator in OpenCL C (kernels/processes/groundwater_exchange.h)
/// against the Double reference (GroundwaterExchangeProcess), within MODEL.md's tolerances:
/// forward runoff and storages 1e-4, gradients 1e-3, the audit's exchange total.
@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLGroundwaterExchangeTests {
    let device = TestDevice.shared!

    /// A synthetic problem with the exchange on: GX gaining in some cells and losing in others,
    /// GXREF and GXPOW varying per unit (monthly GX with `monthly`).
    static func problem(cells: Int, steps: Int, components: Int, monthlyCoefficient: Bool = false) -> RunoffProblem<Float> {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: cells, steps: steps, components: components)
        let units = problem.units
        func perUnit(_ f: (Int) -> Float) -> [Float] { (0..<units).map(f) }
        problem.parameters[.gxref] = ParameterSeries(slots: 1, units: units, values: perUnit { 20 + Float($0 % 7) * 15 },
                                                     slotOfStep: [Int32](repeating: 0, count: steps))
        problem.parameters[.gxpow] = ParameterSeries(slots: 1, units: units, values: perUnit { 1.5 + Float($0 % 5) * 0.6 },
                                                     slotOfStep: [Int32](repeating: 0, count: steps))
        if monthlyCoefficient {
            let values = (0..<(12 * units)).map { i in Float((i % 9) - 4) * 0.3 }
            problem.parameters[.gx] = ParameterSeries(slots: 12, units: units, values: values,
                                                      slotOfStep: (0..<steps).map { Int32(($0 % 365) * 12 / 365) })
        } else {
            problem.parameters[.gx] = ParameterSeries(slots: 1, units: units, values: perUnit { Float(($0 % 9) - 4) * 0.4 },
                                                      slotOfStep: [Int32](repeating: 0, count: steps))
        }
        return problem
    }

    @Test(arguments: [1, 2])
    func forwardMatchesDoubleReference(components: Int) throws {
        let problem = Self.problem(cells: 37, steps: 730, components: components)
        let got = try OpenCLRunoffModel(device: device).forward(problem)
        let want = try SequentialReferenceModel<Double>().forward(Compare.double(problem))
        #expect(Compare.maxRelative(got.runoff, want.runoff, floor: 1e-3) <= 1e-4)
        #expect(Compare.maxRelative(got.finalStates, want.finalStates, floor: 1e-3) <= 1e-4)
        // The exchange really moves water both ways here, and the device audit counts it.
        #expect(abs(want.audit.exchange) > 1)
        #expect(abs(got.audit.exchange - want.audit.exchange) <= 1e-3 * abs(want.audit.exchange) + 1e-2,
                "exchange total \(got.audit.exchange) vs \(want.audit.exchange)")
        #expect(got.audit.maxRelativeError <= 1e-5, "unit closure \(got.audit.maxRelativeError)")
        let without = try OpenCLRunoffModel(device: device).forward(SyntheticRunoff.problem(cells: 37, steps: 730, components: components) as RunoffProblem<Float>)
        #expect(without.audit.exchange == 0)
        #expect(Compare.maxRelative(got.runoff, without.runoff.map(Double.init), floor: 1e-3) > 1e-2, "the exchange changes the runoff")
    }

    @Test(arguments: [false, true])
    func gradientMatchesDoubleReference(monthlyCoefficient: Bool) throws {
        let problem = Self.problem(cells: 21, steps: 400, components: 1, monthlyCoefficient: monthlyCoefficient)
        let adjoint = Compare.runoffAdjoint(steps: 400, cells: 21)
        let got = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let want = try SequentialReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        #expect(Set(got.gradient.parameters.keys) == Set(want.gradient.parameters.keys))
        for (parameter, reference) in want.gradient.parameters {
            let e = Compare.gradient(try #require(got.gradient.parameters[parameter]), reference)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
        let e = Compare.gradient(got.gradient.initialStates, want.gradient.initialStates)
        #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "initial storages: norm \(e.norm), component \(e.index) \(e.worstComponent)")
    }

    @Test func vectorWidthsAgree() throws {
        let problem = Self.problem(cells: 29, steps: 300, components: 2)
        let adjoint = Compare.runoffAdjoint(steps: 300, cells: 29)
        let base = try OpenCLRunoffModel(device: device, vectorWidth: 1).gradient(problem, runoffAdjoint: adjoint)
        for width in [8] {
            let other = try OpenCLRunoffModel(device: device, vectorWidth: width).gradient(problem, runoffAdjoint: adjoint)
            #expect(Compare.maxRelative(other.result.runoff, base.result.runoff, floor: 1e-6) <= 1e-6, "width \(width)")
            for parameter in [HBVParameter.gx, .gxref, .gxpow, .k2] {
                #expect(Compare.maxRelative(other.gradient.parameters[parameter]!, base.gradient.parameters[parameter]!, floor: 1e-6) <= 1e-5, "width \(width) \(parameter.name)")
            }
        }
    }

    /// The implicit kernel's exchange operator (ihbv_groundwater_exchange_*) against the Double
    /// implicit reference: forward 1e-4 (floor 1e-2 mm, Newton's Float tolerance), gradients 1e-3.
    @Test func implicitMatchesDoubleReference() throws {
        var problem = Self.problem(cells: 17, steps: 200, components: 1)
        problem.configuration.solver = .implicit
        let got = try OpenCLRunoffModel(device: device).forward(problem)
        let want = try ImplicitReferenceModel<Double>().forward(Compare.double(problem))
        #expect(got.nonConvergedSteps == 0)
        #expect(Compare.maxRelative(got.runoff, want.runoff, floor: 1e-2) <= 1e-3)
        #expect(abs(want.audit.exchange) > 1)
        #expect(abs(got.audit.exchange - want.audit.exchange) <= 1e-3 * abs(want.audit.exchange) + 1e-2,
                "exchange total \(got.audit.exchange) vs \(want.audit.exchange)")
        let adjoint = Compare.runoffAdjoint(steps: 200, cells: 17)
        let (_, g) = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let (_, r) = try ImplicitReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        for parameter in [HBVParameter.gx, .gxref, .gxpow, .k2] {
            let e = Compare.gradient(try #require(g.parameters[parameter]), r.parameters[parameter]!)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
    }
}
