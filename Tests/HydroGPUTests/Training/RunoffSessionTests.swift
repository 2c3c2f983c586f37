import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// The runoff session a calibration keeps between evaluations: its one forward run with a
/// recording, then the reverse sweep, against separate forward and gradient runs of the same
/// problem; and a session reused at new parameters against fresh ones.
@Suite("Runoff session")
struct RunoffSessionTests {
    static let cells = 11, steps = 150, window = 110

    /// A synthetic problem over `steps` steps (snow, monthly FC, dynamic BETA, ET exponent,
    /// two components) and its first `window` steps as a problem of their own, as the
    /// calibration used to cut it.
    static func problems(_ solver: HBVSolver, seed: UInt64 = 1) -> (whole: RunoffProblem<Double>, window: RunoffProblem<Double>) {
        var configuration = HBVConfiguration(solver: solver)
        configuration.usesETExponent = true
        let whole: RunoffProblem<Double> = SyntheticRunoff.problem(cells: cells, steps: steps, components: 2,
                                                                   layouts: [.fc: .monthly, .beta: .dynamic],
                                                                   configuration: configuration, seed: seed)
        return (whole, Self.prefix(whole, parameters: whole.parameters))
    }

    /// The first `window` steps of `problem`, with `parameters`, as their own problem.
    static func prefix(_ problem: RunoffProblem<Double>, parameters: [HBVParameter: ParameterSeries<Double>]) -> RunoffProblem<Double> {
        let n = window * cells, f = problem.forcing
        let forcing = HBVForcing(steps: window, cells: cells, precipitation: Array(f.precipitation[..<n]),
                                 temperature: Array(f.temperature[..<n]), pet: Array(f.pet[..<n]))
        var parameters = parameters
        for (p, s) in parameters { parameters[p]!.slotOfStep = Array(s.slotOfStep.prefix(window)) }
        return RunoffProblem(configuration: problem.configuration, forcing: forcing, parameters: parameters, initialStates: problem.initialStates)
    }

    /// Parameters at another point of the space, same layout.
    static func otherParameters(_ problem: RunoffProblem<Double>) -> [HBVParameter: ParameterSeries<Double>] {
        SyntheticRunoff.parameters(units: problem.units, steps: steps, layouts: [.fc: .monthly, .beta: .dynamic], seed: 99)
    }

    static func adjoint() -> [Double] {
        (0..<(window * cells)).map { i in 0.5 + Double((i &* 2_654_435_761) % 1000) / 1000 }
    }

    /// The reference in Double: the recorded run's runoff and its reverse sweep equal a
    /// separate forward and gradient of the window's problem bit for bit, with the tape and
    /// without it (budget 0: the gradient runs the forward again).
    @Test(arguments: [HBVSolver.sequential, .implicit])
    func referenceRecordedRunEqualsSeparateRuns(solver: HBVSolver) throws {
        let (whole, window) = Self.problems(solver)
        let adjoint = Self.adjoint()
        let forward: [Double], gradient: [HBVParameter: [Double]]
        switch solver {
        case .sequential:
            forward = try SequentialReferenceModel<Double>().forward(window).runoff
            gradient = try SequentialReferenceModel<Double>().gradient(window, runoffAdjoint: adjoint).gradient.parameters
        case .implicit:
            forward = try ImplicitReferenceModel<Double>().forward(window).runoff
            gradient = try ImplicitReferenceModel<Double>().gradient(window, runoffAdjoint: adjoint).gradient.parameters
        }
        #expect(gradient[.fc]!.contains { $0 != 0 } && gradient[.beta]!.contains { $0 != 0 })
        for budget in [RecordedRunoff<Double>.defaultTapeBudgetBytes, 0] {
            let session = ReferenceRunoffSession(whole, steps: Self.window, tapeBudgetBytes: budget)
            #expect(try session.forward(whole.parameters, recording: true) == forward)
            #expect(try session.gradient(runoffAdjoint: adjoint) == gradient, "budget \(budget)")
        }
        // The tape is kept when it fits.
        let recorded = try SequentialReferenceModel<Double>().record(window)
        #expect(recorded.isTaped)
        #expect(try !SequentialReferenceModel<Double>().record(window, tapeBudgetBytes: 0).isTaped)
    }

    /// A forward run that does not record leaves nothing for a gradient.
    @Test func gradientNeedsARecordingForward() throws {
        let (whole, _) = Self.problems(.sequential)
        let session = ReferenceRunoffSession(whole, steps: Self.window)
        _ = try session.forward(whole.parameters, recording: false)
        #expect(throws: RunoffSessionError.gradientWithoutRecording) { try session.gradient(runoffAdjoint: Self.adjoint()) }
    }

    /// OpenCL: the resident session's runoff and gradient equal the old per-call path (a fresh
    /// `OpenCLRunoffModel` forward, then a fresh gradient run, of the window's problem in Float).
    @Test(.enabled(if: TestDevice.available, "needs an OpenCL device"), arguments: [HBVSolver.sequential, .implicit])
    func openCLSessionEqualsPerCallRuns(solver: HBVSolver) throws {
        let model = OpenCLRunoffModel(device: TestDevice.shared!, checkpointInterval: 7)
        let (whole, window) = Self.problems(solver)
        let adjoint = Self.adjoint()
        let single = Self.single(window)
        let forward = try model.forward(single).runoff.map(Double.init)
        let gradient = try model.gradient(single, runoffAdjoint: adjoint.map(Float.init)).gradient.parameters.mapValues { $0.map(Double.init) }

        let session = try RunoffBackend.openCL(model).makeSession(whole, steps: Self.window)
        #expect(try session.forward(whole.parameters, recording: true) == forward)
        #expect(try session.gradient(runoffAdjoint: adjoint) == gradient)
    }

    /// Two evaluations at different parameters on one session equal one fresh session each,
    /// bit for bit, on every backend.
    @Test(arguments: [(HBVSolver.sequential, false), (.implicit, false), (.sequential, true), (.implicit, true)])
    func reusedSessionEqualsFreshSessions(solver: HBVSolver, openCL: Bool) throws {
        guard !openCL || TestDevice.available else { return }
        let backend: RunoffBackend = openCL ? .openCL(OpenCLRunoffModel(device: TestDevice.shared!)) : .reference
        let (whole, _) = Self.problems(solver)
        let adjoint = Self.adjoint()
        let points = [whole.parameters, Self.otherParameters(whole)]
        let reused = try backend.makeSession(whole, steps: Self.window)
        for parameters in points {
            let runoff = try reused.forward(parameters, recording: true)
            let gradient = try reused.gradient(runoffAdjoint: adjoint)
            let fresh = try backend.makeSession(whole, steps: Self.window)
            #expect(try fresh.forward(parameters, recording: true) == runoff)
            #expect(try fresh.gradient(runoffAdjoint: adjoint) == gradient)
        }
    }

    /// The OpenCL session refuses parameters laid out otherwise than at its creation.
    @Test(.enabled(if: TestDevice.available, "needs an OpenCL device"))
    func openCLSessionRefusesAnotherLayout() throws {
        let (whole, _) = Self.problems(.sequential)
        let session = try RunoffBackend.openCL(OpenCLRunoffModel(device: TestDevice.shared!)).makeSession(whole, steps: Self.window)
        var parameters = whole.parameters
        parameters[.fc] = SyntheticRunoff.parameters(units: whole.units, steps: Self.steps)[.fc]!   // constant instead of monthly
        #expect(throws: RunoffSessionError.layoutChanged(.fc)) { try session.forward(parameters, recording: false) }
    }

    static func single(_ p: RunoffProblem<Double>) -> RunoffProblem<Float> { p.converted(to: Float.self) }
}
