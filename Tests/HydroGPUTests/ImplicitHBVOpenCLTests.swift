import DeviceTensor
import Foundation
import Testing
import HydroGPU
import TestSupport

/// kernels/hbv_implicit.cl (Float, PoCL) against the Swift implicit reference.
@Suite("ImplicitHBV OpenCL vs reference", .enabled(if: TestDevice.available, "needs an OpenCL device"))
struct ImplicitHBVOpenCLTests {
    let device = TestDevice.shared!

    static func problems() -> (RunoffProblem<Float>, RunoffProblem<Double>) {
        // 3 cells x 2 components = 6 units: a width-8 work-item has idle lanes.
        (ImplicitHBVFixtures.problem(steps: 60, cells: 3, components: 2, layout: .monthly),
         ImplicitHBVFixtures.problem(steps: 60, cells: 3, components: 2, layout: .monthly))
    }

    /// Largest |a - b| / max(|b|, floor).
    static func maxRelative(_ a: [Float], _ b: [Double], floor: Double) -> Double {
        var worst = 0.0
        for i in a.indices { worst = max(worst, abs(Double(a[i]) - b[i]) / max(abs(b[i]), floor)) }
        return worst
    }

    @Test(arguments: [(1, 1), (8, 1), (8, 7), (1, 60)])
    func forwardMatchesTheReference(width: Int, interval: Int) throws {
        let (single, double) = Self.problems()
        let model = OpenCLRunoffModel(device: device, vectorWidth: width, checkpointInterval: interval)
        let device = try model.forward(single)
        let reference = try ImplicitReferenceModel<Float>().forward(single)
        let oracle = try ImplicitReferenceModel<Double>().forward(double)
        #expect(device.nonConvergedSteps == 0)
        // Same discrete equations in the same precision: 1e-4 relative (floor 1e-2 mm for runoff
        // near zero, where Newton's 1e-4 mm tolerance is the agreement to expect).
        let runoff = Self.maxRelative(device.runoff, reference.runoff.map(Double.init), floor: 1e-2)
        let states = Self.maxRelative(device.finalStates, reference.finalStates.map(Double.init), floor: 1e-2)
        // Against the Double oracle: Float Newton (1e-4 mm) vs Double Newton.
        let runoffOracle = Self.maxRelative(device.runoff, oracle.runoff, floor: 1)
        print("ImplicitHBV OpenCL width \(width) K \(interval): runoff rel \(runoff), states rel \(states) vs Float reference; runoff \(runoffOracle) vs Double (floor 1 mm)")
        #expect(runoff <= 1e-4)
        #expect(states <= 1e-4)
        #expect(runoffOracle <= 1e-3)
        // The device audit closes like the reference's.
        #expect(abs(device.audit.totalPrecipitation - oracle.audit.totalPrecipitation) <= 1e-5 * oracle.audit.totalPrecipitation)
        #expect(abs(device.audit.totalRunoff - oracle.audit.totalRunoff) <= 1e-4 * oracle.audit.totalRunoff)
        #expect(device.audit.maxAbsoluteError <= 60 * 5 * 1e-4 + 1e-2)
    }

    @Test(arguments: [(1, 1), (8, 1), (8, 7), (4, 60)])
    func gradientMatchesTheReference(width: Int, interval: Int) throws {
        let (single, double) = Self.problems()
        let w: [Float] = (0..<(60 * 3)).map { 0.5 + Float(($0 &* 2_654_435_761) % 1000) / 1000 }
        let model = OpenCLRunoffModel(device: device, vectorWidth: width, checkpointInterval: interval)
        let (_, got) = try model.gradient(single, runoffAdjoint: w)
        let (_, want) = try ImplicitReferenceModel<Double>().gradient(double, runoffAdjoint: w.map(Double.init))
        var worstNorm = 0.0, worstComponent = 0.0
        for p in HBVParameter.onByDefault {
            let a = try #require(got.parameters[p]), b = want.parameters[p]!
            let (norm, component) = Self.gradientError(a, b)
            worstNorm = max(worstNorm, norm)
            worstComponent = max(worstComponent, component)
            #expect(norm <= 1e-3, "\(p.name): relative norm error \(norm)")
            #expect(component <= 1e-3, "\(p.name): worst component above the noise floor \(component)")
        }
        let (norm, component) = Self.gradientError(got.initialStates, want.initialStates)
        #expect(norm <= 1e-3 && component <= 1e-3, "initial states: \(norm), \(component)")
        print("ImplicitHBV OpenCL gradient width \(width) K \(interval): worst norm error \(worstNorm), worst component \(worstComponent)")
    }

    /// ||a - b|| / ||b|| and the worst relative error among components above 1e-3 max |b|.
    static func gradientError(_ a: [Float], _ b: [Double]) -> (Double, Double) {
        let scale = b.map(abs).max() ?? 0
        var diff = 0.0, norm = 0.0, worst = 0.0
        for i in a.indices {
            let d = Double(a[i]) - b[i]
            diff += d * d
            norm += b[i] * b[i]
            if abs(b[i]) > 1e-3 * scale { worst = max(worst, abs(d) / abs(b[i])) }
        }
        return (norm > 0 ? (diff / norm).squareRoot() : diff.squareRoot(), worst)
    }

    /// Half-day steps without the ET exponent (rates scaled in the kernel, BETAET unused), and
    /// the hard case of the solver tests (dry spell, snow, melt, storms, fast parameters).
    @Test func halfDayStepsAndTheHardCase() throws {
        var half: RunoffProblem<Float> = ImplicitHBVFixtures.problem(steps: 48, cells: 3, components: 1, layout: .dynamic,
                                                                    stepDays: 0.5, usesETExponent: false)
        half.configuration.components = 1
        let hardSingle = Self.single(ImplicitHBVSolverTests.hardProblem())
        let model = OpenCLRunoffModel(device: device, vectorWidth: 8, checkpointInterval: 5)
        for problem in [half, hardSingle] {
            let steps = problem.forcing.steps, cells = problem.forcing.cells
            let got = try model.forward(problem)
            let want = try ImplicitReferenceModel<Float>().forward(problem)
            #expect(got.nonConvergedSteps == want.nonConvergedSteps)
            #expect(Self.maxRelative(got.runoff, want.runoff.map(Double.init), floor: 1e-2) <= 1e-4)
            #expect(Self.maxRelative(got.finalStates, want.finalStates.map(Double.init), floor: 1e-2) <= 1e-4)
            #expect(got.finalStates.allSatisfy { $0 >= -1e-4 })
            let w: [Float] = (0..<(steps * cells)).map { 0.5 + Float(($0 &* 2_654_435_761) % 1000) / 1000 }
            let (_, g) = try model.gradient(problem, runoffAdjoint: w)
            // The hard case empties the soil to ~1e-5 mm, below Float's 1e-4 mm tolerance; with the
            // default polishing step the Float gradients still match the Double oracle there.
            let r = try ImplicitReferenceModel<Double>().gradient(Self.double(problem), runoffAdjoint: w.map(Double.init)).gradient
            // The problem's parameters: the half-day case gives no ET exponent (δHBV 1.0).
            let given = HBVParameter.onByDefault.filter { problem.parameters[$0] != nil }
            #expect(Set(g.parameters.keys) == Set(r.parameters.keys))
            let total = given.map { r.parameters[$0]!.map { $0 * $0 }.reduce(0, +) }.reduce(0, +).squareRoot()
            for p in given {
                let a = g.parameters[p]!, b = r.parameters[p]!
                let own = b.map { $0 * $0 }.reduce(0, +).squareRoot()
                // A parameter without influence (CFR when no liquid water ever refreezes) has a
                // gradient of rounding size: compare above 1e-6 of the whole gradient's norm.
                guard own > 1e-6 * total else { continue }
                let (norm, component) = Self.gradientError(a, b)
                #expect(norm <= 1e-3 && component <= 1e-3, "\(p.name) steps \(steps): norm \(norm), component \(component)")
            }
        }
    }

    /// The device solver's reverse sweep from a non-zero dL/d(final storages).
    @Test func finalStateAdjointOnTheDevice() throws {
        let (single, double) = Self.problems()
        let w: [Float] = (0..<(60 * 3)).map { 0.5 + Float(($0 &* 2_654_435_761) % 1000) / 1000 }
        let c: [Float] = (0..<(HBVStorage.count * 6)).map { 0.2 * Float($0 % 7) - 0.5 }
        let solver = try OpenCLRunoffModel(device: device, vectorWidth: 8, checkpointInterval: 9).makeImplicitSolver(single)
        try solver.forward(recordForAdjoint: true)
        let reverse = try solver.reverse()
        try reverse.runoffAdjoint.upload(w)
        try reverse.finalStateAdjoint.upload(c)
        try solver.adjoint()
        let flat = try reverse.parameterGradient.download()
        let data = solver.data
        var parameters: [HBVParameter: [Float]] = [:]
        for p in HBVParameter.allCases {
            let start = data.offsets[p.rawValue]
            parameters[p] = Array(flat[start..<(start + data.slotCounts[p.rawValue] * data.units)])
        }
        let initial = try reverse.initialStateGradient.download()
        let (_, want) = try ImplicitReferenceModel<Double>().gradient(double, runoffAdjoint: w.map(Double.init),
                                                                      finalStateAdjoint: c.map(Double.init))
        for p in HBVParameter.onByDefault {
            let (norm, component) = Self.gradientError(parameters[p]!, want.parameters[p]!)
            #expect(norm <= 1e-3 && component <= 1e-3, "\(p.name): \(norm), \(component)")
        }
        let (norm, component) = Self.gradientError(initial, want.initialStates)
        #expect(norm <= 1e-3 && component <= 1e-3, "initial states: \(norm), \(component)")
    }

    /// The problem in Float.
    static func single(_ p: RunoffProblem<Double>) -> RunoffProblem<Float> { p.converted(to: Float.self) }

    /// The same problem in Double (every Float converts exactly).
    static func double(_ p: RunoffProblem<Float>) -> RunoffProblem<Double> { p.converted(to: Double.self) }

    @Test func nonConvergedStepsAreCountedOnTheDevice() throws {
        var (single, _) = Self.problems()
        for i in single.forcing.precipitation.indices { single.forcing.precipitation[i] += 1 }
        var model = OpenCLRunoffModel(device: device, vectorWidth: 8)
        model.newtonMaxIterations = 0
        #expect(try model.forward(single).nonConvergedSteps == 60 * 6)
        model.newtonMaxIterations = 1
        let one = try model.forward(single).nonConvergedSteps
        let reference = try ImplicitReferenceModel<Float>(maxIterations: 1).forward(single).nonConvergedSteps
        #expect(one > 0 && one == reference)
    }
}
