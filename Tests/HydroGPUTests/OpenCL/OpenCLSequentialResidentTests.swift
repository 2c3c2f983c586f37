import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// The device-resident solver: reused across iterations with new parameters, as a training
/// loop uses it, and its audit of the water balance.
@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLSequentialResidentTests {
    let device = TestDevice.shared!

    @Test func reuseWithNewParametersMatchesAFreshRun() throws {
        let first: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 17, steps: 200, layouts: [.fc: .monthly])
        var second = first
        second.parameters = SyntheticRunoff.parameters(units: 17, steps: 200, layouts: [.fc: .monthly], seed: 99)
        let adjoint = Compare.runoffAdjoint(steps: 200, cells: 17)

        let model = OpenCLRunoffModel(device: device)
        let solver = try model.makeSolver(first)
        let reverse = try solver.reverse()
        try reverse.runoffAdjoint.upload(adjoint)
        try solver.forward(recordForAdjoint: true)
        try solver.adjoint()
        try solver.data.upload(parameters: second.parameters)
        try solver.forward(recordForAdjoint: true)
        try solver.adjoint()
        let reusedGradient = try reverse.parameterGradient.download()
        let reusedRunoff = try solver.cellRunoff.download()

        let fresh = try model.gradient(second, runoffAdjoint: adjoint)
        #expect(reusedRunoff == fresh.result.runoff)
        let fc = solver.data.offsets[HBVParameter.fc.rawValue]
        #expect(Array(reusedGradient[fc ..< fc + 12 * 17]) == fresh.gradient.parameters[.fc]!)
    }

    /// δHBV's warm-up on the device: a forward window without recording, its final storages
    /// copied to the initial ones, then forward+adjoint over the main window; equals a separate
    /// run of the main window from the warm-up's storages.
    @Test func warmUpWindowThenMainWindow() throws {
        let steps = 240, warm = 100, cells = 13
        let problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: cells, steps: steps, layouts: [.beta: .dynamic])
        let adjoint = Compare.runoffAdjoint(steps: steps, cells: cells)
        let model = OpenCLRunoffModel(device: device, checkpointInterval: 9)
        let solver = try model.makeSolver(problem)
        try solver.forward(window: 0..<warm, recordForAdjoint: false)
        let warmStates = try solver.finalStates.download()
        try solver.data.initialStates.copy(from: solver.finalStates)
        let reverse = try solver.reverse()
        try reverse.runoffAdjoint.upload(adjoint)
        try solver.forward(window: warm..<steps, recordForAdjoint: true)
        try solver.adjoint()
        let runoff = try solver.cellRunoff.download()
        let gradient = solver.data.split(try reverse.parameterGradient.download())
        let initialGradient = try reverse.initialStateGradient.download()

        // The main window as its own problem: forcing rows and dynamic slots from `warm` on.
        let rows = warm * cells ..< steps * cells
        var main = problem
        main.forcing = HBVForcing(steps: steps - warm, cells: cells, precipitation: Array(problem.forcing.precipitation[rows]),
                                  temperature: Array(problem.forcing.temperature[rows]), pet: Array(problem.forcing.pet[rows]))
        for (parameter, series) in problem.parameters {
            if series.slots == 1 {
                main.parameters[parameter] = .distributed(series.values, steps: steps - warm)
            } else {
                main.parameters[parameter] = ParameterSeries(slots: steps - warm, units: cells, values: Array(series.values[(warm * cells)...]),
                                                             slotOfStep: (0..<(steps - warm)).map(Int32.init))
            }
        }
        main.initialStates = warmStates
        let separate = try model.gradient(main, runoffAdjoint: Array(adjoint[rows]))
        #expect(Array(runoff[rows]) == separate.result.runoff)
        #expect(initialGradient == separate.gradient.initialStates)
        #expect(gradient[.fc] == separate.gradient.parameters[.fc])
        // The dynamic parameter's slots before the main window get no gradient.
        #expect(gradient[.beta]!.prefix(warm * cells).allSatisfy { $0 == 0 })
        #expect(Array(gradient[.beta]![(warm * cells)...]) == separate.gradient.parameters[.beta])
    }

    @Test func adjointBeforeForwardIsTypedError() throws {
        let solver = try OpenCLRunoffModel(device: device).makeSolver(SyntheticRunoff.problem(cells: 3, steps: 5))
        #expect(throws: OpenCLRunoffError.adjointWithoutForward) { try solver.adjoint() }
        try solver.forward(recordForAdjoint: false)
        #expect(throws: OpenCLRunoffError.adjointWithoutForward) { try solver.adjoint() }
    }

    /// A dry, hot climate empties the soil: the SM floor adds water (numerical inflow), which
    /// the audit reports and counts, so the balance still closes.
    @Test func auditCountsTheSoilFloor() throws {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 11, steps: 300)
        problem.forcing.pet = problem.forcing.pet.map { $0 * 4 + 3 }
        problem.forcing.precipitation = problem.forcing.precipitation.map { $0 * 0.2 }
        problem.forcing.temperature = problem.forcing.temperature.map { $0 + 10 }
        problem.parameters[.lp] = .uniform(0.2, units: 11, steps: 300)
        problem.parameters[.betaet] = .uniform(0.3, units: 11, steps: 300)
        let got = try OpenCLRunoffModel(device: device).forward(problem).audit
        let want = try SequentialReferenceModel<Double>().forward(Compare.double(problem)).audit
        #expect(want.numericalInflow > 0, "the case must hit the floor")
        #expect(abs(got.numericalInflow - want.numericalInflow) <= 1e-3 * want.numericalInflow,
                "numerical inflow \(got.numericalInflow) vs \(want.numericalInflow)")
        #expect(got.maxRelativeError <= 1e-5, "closure \(got.maxRelativeError)")
        #expect(got.domainRelativeError <= 1e-5)
    }
}
