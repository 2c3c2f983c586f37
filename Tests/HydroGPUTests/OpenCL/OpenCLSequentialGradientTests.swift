import DeviceTensor
import HydroGPU
import Testing
import TestSupport

@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLSequentialGradientTests {
    let device = TestDevice.shared!

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var components: Int
        var layouts: [HBVParameter: SyntheticRunoff.TemporalLayout]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "static", components: 1, layouts: [:]),
        Case(name: "monthly", components: 1, layouts: [.beta: .monthly, .fc: .monthly, .k0: .monthly, .tt: .monthly, .cfmax: .monthly, .lp: .monthly]),
        Case(name: "dynamic", components: 1, layouts: [.beta: .dynamic, .betaet: .dynamic, .k1: .dynamic, .perc: .dynamic, .c: .dynamic]),
        Case(name: "nmul 2, mixed", components: 2, layouts: [.beta: .dynamic, .fc: .monthly, .uzl: .monthly]),
    ]

    @Test(arguments: cases)
    func matchesDoubleReference(_ c: Case) throws {
        let problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 21, steps: 400, components: c.components, layouts: c.layouts)
        let adjoint = Compare.runoffAdjoint(steps: 400, cells: 21)
        let got = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let want = try SequentialReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        #expect(Set(got.gradient.parameters.keys) == Set(want.gradient.parameters.keys))
        for (parameter, reference) in want.gradient.parameters {
            let mine = try #require(got.gradient.parameters[parameter])
            let e = Compare.gradient(mine, reference)
            #expect(e.norm <= 1e-3, "\(c.name) \(parameter.name): gradient norm relative error \(e.norm)")
            #expect(e.worstComponent <= 1e-3, "\(c.name) \(parameter.name): component \(e.index) relative error \(e.worstComponent) (\(e.index >= 0 ? mine[e.index] : 0) vs \(e.index >= 0 ? reference[e.index] : 0))")
        }
        let e = Compare.gradient(got.gradient.initialStates, want.gradient.initialStates)
        #expect(e.norm <= 1e-3, "\(c.name) initial storages: norm relative error \(e.norm)")
        #expect(e.worstComponent <= 1e-3, "\(c.name) initial storages: component \(e.index) relative error \(e.worstComponent)")
    }

    /// The ET exponent is switched by presence on the device as in the reference: a problem
    /// that gives BETAET uses it even when its configuration does not require it.
    @Test func etExponentSwitchedByPresence() throws {
        var given: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 6, steps: 120, components: 1,
                                                                  configuration: HBVConfiguration(usesETExponent: false))
        given.parameters[.betaet] = .uniform(3, units: given.units, steps: 120)
        var absent = given
        absent.parameters[.betaet] = nil
        let model = OpenCLRunoffModel(device: device)
        let got = try model.forward(given), linear = try model.forward(absent)
        let want = try SequentialReferenceModel<Double>().forward(Compare.double(given))
        #expect(Compare.maxRelative(got.runoff, want.runoff, floor: 1e-3) <= 1e-4)
        #expect(Compare.maxRelative(linear.runoff, want.runoff, floor: 1e-3) > 1e-3, "BETAET = 3 changes the runoff")
    }

    /// Half-day steps (rates scale with stepDays), δHBV 1.0's ET factor without exponent and
    /// without capillary rise: the configuration switches reach the kernels as the reference reads them.
    @Test func stepLengthAndDeltaHBV10Options() throws {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 15, steps: 300, components: 1,
                                                                    configuration: HBVConfiguration(stepDays: 0.5, usesETExponent: false))
        problem.parameters[.c] = nil
        problem.parameters[.betaet] = nil
        let adjoint = Compare.runoffAdjoint(steps: 300, cells: 15)
        let got = try OpenCLRunoffModel(device: device).gradient(problem, runoffAdjoint: adjoint)
        let want = try SequentialReferenceModel<Double>().gradient(Compare.double(problem), runoffAdjoint: adjoint.map(Double.init))
        #expect(Compare.maxRelative(got.result.runoff, want.result.runoff, floor: 1e-3) <= 1e-4)
        #expect(Set(got.gradient.parameters.keys) == Set(want.gradient.parameters.keys))
        #expect(got.gradient.parameters[.c] == nil && got.gradient.parameters[.betaet] == nil)
        for (parameter, reference) in want.gradient.parameters {
            let e = Compare.gradient(got.gradient.parameters[parameter]!, reference)
            #expect(e.norm <= 1e-3 && e.worstComponent <= 1e-3, "\(parameter.name): norm \(e.norm), component \(e.index) \(e.worstComponent)")
        }
    }

    /// The stored trajectory (K = 1) and checkpoints with recomputation give the same gradient.
    @Test func trajectoryAndCheckpointsAgree() throws {
        let problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 19, steps: 365, components: 2, layouts: [.fc: .monthly, .beta: .dynamic])
        let adjoint = Compare.runoffAdjoint(steps: 365, cells: 19)
        let trajectory = try OpenCLRunoffModel(device: device, checkpointInterval: 1).gradient(problem, runoffAdjoint: adjoint)
        for interval in [7, 19, 365] {
            let other = try OpenCLRunoffModel(device: device, checkpointInterval: interval).gradient(problem, runoffAdjoint: adjoint)
            for (parameter, g) in trajectory.gradient.parameters {
                let e = Compare.maxRelative(other.gradient.parameters[parameter]!, g, floor: 1e-6)
                #expect(e <= 1e-6, "K = \(interval), \(parameter.name): \(e)")
            }
            #expect(Compare.maxRelative(other.gradient.initialStates, trajectory.gradient.initialStates, floor: 1e-6) <= 1e-6)
        }
        // A budget below the trajectory's size picks checkpoints, and gives the same gradient.
        let units = 19 * 2
        let record = SequentialRunoffSolver.recordValues(problem.stateLayout)
        let budget = CheckpointPlan(interval: 1, steps: 365, units: units, recordValues: record).bytes / 4
        let chosen = try CheckpointPlan.choose(steps: 365, units: units, budgetBytes: budget, recordValues: record)
        #expect(chosen.interval > 1 && chosen.bytes <= budget)
        let budgeted = try OpenCLRunoffModel(device: device, memoryBudgetBytes: budget).gradient(problem, runoffAdjoint: adjoint)
        #expect(Compare.maxRelative(budgeted.gradient.parameters[.fc]!, trajectory.gradient.parameters[.fc]!, floor: 1e-6) <= 1e-6)
    }

    @Test func vectorWidthsAgree() throws {
        let problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 13, steps: 300, layouts: [.k0: .monthly])
        let adjoint = Compare.runoffAdjoint(steps: 300, cells: 13)
        let base = try OpenCLRunoffModel(device: device, vectorWidth: 1).gradient(problem, runoffAdjoint: adjoint)
        for width in [8, 16] {
            let other = try OpenCLRunoffModel(device: device, vectorWidth: width).gradient(problem, runoffAdjoint: adjoint)
            for (parameter, g) in base.gradient.parameters {
                let e = Compare.maxRelative(other.gradient.parameters[parameter]!, g, floor: 1e-6)
                #expect(e <= 1e-5, "width \(width), \(parameter.name): \(e)")
            }
        }
    }

    @Test func budgetTooSmallIsTypedError() throws {
        #expect(throws: OpenCLRunoffError.self) {
            try CheckpointPlan.choose(steps: 10_000, units: 1000, budgetBytes: 1000)
        }
        // The smallest interval that fits is chosen; K = 1 when the trajectory fits.
        #expect(try CheckpointPlan.choose(steps: 100, units: 10, budgetBytes: 1 << 20).interval == 1)
        let plan = try CheckpointPlan.choose(steps: 100, units: 10, budgetBytes: 30 * 5 * 10 * 4)
        #expect(plan.bytes <= 30 * 5 * 10 * 4)
        #expect(CheckpointPlan(interval: plan.interval - 1, steps: 100, units: 10).bytes > 30 * 5 * 10 * 4)
    }
}
