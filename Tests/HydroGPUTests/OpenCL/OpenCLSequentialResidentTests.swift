import DeviceTensor
import HydroGPU
import Testing

/// The device-resident solver: reused across iterations with new parameters, as a training
/// loop uses it, and its audit of the water balance.
@Suite(.enabled(if: OpenCLSequentialDevice.available, "needs an OpenCL device"))
struct OpenCLSequentialResidentTests {
    let device = OpenCLSequentialDevice.shared!

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
