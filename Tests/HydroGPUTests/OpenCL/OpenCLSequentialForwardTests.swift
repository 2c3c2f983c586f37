import DeviceTensor
import HydroGPU
import Testing
import TestSupport

@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLSequentialForwardTests {
    let device = TestDevice.shared!

    @Test(arguments: [1, 2])
    func matchesDoubleReference(components: Int) throws {
        // 37 cells: not a multiple of the vector width, so the last work-item is partial.
        let problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 37, steps: 730, components: components)
        let got = try OpenCLRunoffModel(device: device).forward(problem)
        let want = try SequentialReferenceModel<Double>().forward(Compare.double(problem))
        let runoffError = Compare.maxRelative(got.runoff, want.runoff, floor: 1e-3)
        let stateError = Compare.maxRelative(got.finalStates, want.finalStates, floor: 1e-3)
        #expect(runoffError <= 1e-4, "runoff relative error \(runoffError)")
        #expect(stateError <= 1e-4, "final storages relative error \(stateError)")
        // The audit is reduced on the device from Float totals; the reference sums in Double.
        let a = got.audit, b = want.audit
        #expect(abs(a.totalPrecipitation - b.totalPrecipitation) <= 1e-5 * b.totalPrecipitation)
        #expect(abs(a.totalRunoff - b.totalRunoff) <= 1e-4 * b.totalRunoff)
        #expect(abs(a.totalEvapotranspiration - b.totalEvapotranspiration) <= 1e-4 * b.totalEvapotranspiration)
        #expect(abs(a.numericalInflow - b.numericalInflow) <= 1e-3 * max(b.numericalInflow, 1e-3))
        #expect(a.maxRelativeError <= 1e-5, "unit closure \(a.maxRelativeError)")
    }

    @Test func vectorWidthsAgree() throws {
        let problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 29, steps: 400, components: 2)
        let base = try OpenCLRunoffModel(device: device, vectorWidth: 1).forward(problem)
        for width in [4, 8, 16] {
            let other = try OpenCLRunoffModel(device: device, vectorWidth: width).forward(problem)
            let error = Compare.maxRelative(other.runoff, base.runoff, floor: 1e-6)
            #expect(error <= 1e-6, "width \(width): runoff differs from width 1 by \(error)")
            #expect(Compare.maxRelative(other.finalStates, base.finalStates, floor: 1e-6) <= 1e-6, "width \(width)")
        }
    }

    /// One step worked by hand (MODEL.md 3.1): warm day on a snowpack, dt = 1.
    @Test func singleStepByHand() throws {
        var values: [HBVParameter: Float] = [
            .beta: 2, .fc: 200, .k0: 0.5, .k1: 0.2, .k2: 0.05, .lp: 0.5, .perc: 2, .uzl: 5, .tt: 0,
            .cfmax: 3, .cfr: 0.05, .cwh: 0.1, .betaet: 1, .c: 0.1,
        ]
        values[.betaet] = 1
        let forcing = HBVForcing<Float>(steps: 1, cells: 1, precipitation: [10], temperature: [2], pet: [4])
        let parameters = values.mapValues { ParameterSeries<Float>.uniform($0, units: 1, steps: 1) }
        // SNOWPACK 20, MELTWATER 1, SM 100, SUZ 10, SLZ 20.
        let problem = RunoffProblem(configuration: HBVConfiguration(), forcing: forcing, parameters: parameters,
                                    initialStates: [20, 1, 100, 10, 20, 0])
        let r = try OpenCLRunoffModel(device: device).forward(problem)
        // Rain 10 (T >= TT). melt = min(3*2, 20) = 6: SNOWPACK 14, MELTWATER 7. refreeze 0.
        // tosoil = max(7 - 0.1*14, 0) = 5.6, MELTWATER 1.4.
        // wet = (100/200)^2 = 0.25, recharge = 15.6*0.25 = 3.9, SM = 100 + 10 + 5.6 - 3.9 = 111.7.
        // excess 0. ef = 111.7/100 clamps to 1, ET = min(111.7, 4) = 4, SM = 107.7.
        // cap = min(20, 0.1*20*(1 - 107.7/200)) = 0.923: SM 108.623, SLZ 19.077.
        // SUZ = 10 + 3.9 = 13.9; perc = 2: SUZ 11.9; Q0 = 0.5*(11.9-5) = 3.45: SUZ 8.45;
        // Q1 = 0.2*8.45 = 1.69: SUZ 6.76. SLZ = 21.077; Q2 = 1.05385: SLZ 20.02315.
        let expectRunoff = 3.45 + 1.69 + 1.05385
        let expectStates = [14, 1.4, 108.623, 6.76, 20.02315]
        #expect(abs(Double(r.runoff[0]) - expectRunoff) <= 1e-5 * expectRunoff, "runoff \(r.runoff[0])")
        for (i, s) in expectStates.enumerated() {
            #expect(abs(Double(r.finalStates[i]) - s) <= 2e-6 * s, "storage \(i): \(r.finalStates[i]) vs \(s)")
        }
        #expect(abs(r.audit.totalEvapotranspiration - 4) <= 1e-6)
    }

    @Test func missingParameterIsTypedError() throws {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 3, steps: 10)
        problem.parameters[.fc] = nil
        #expect(throws: OpenCLRunoffError.problem(.missingParameter(.fc))) {
            try OpenCLRunoffModel(device: device).forward(problem)
        }
    }

    /// The sequential solver refuses an implicit problem; the model hands it to the implicit
    /// kernels (ImplicitHBVOpenCLTests check those in depth).
    @Test func implicitProblemsGoToTheImplicitKernels() throws {
        var problem: RunoffProblem<Float> = SyntheticRunoff.problem(cells: 3, steps: 10)
        problem.configuration.solver = .implicit
        #expect(throws: OpenCLRunoffError.solverNotBuilt(.implicit)) {
            try OpenCLRunoffModel(device: device).makeSolver(problem)
        }
        let got = try OpenCLRunoffModel(device: device).forward(problem)
        let want = try ImplicitReferenceModel<Float>().forward(problem)
        #expect(got.nonConvergedSteps == 0)
        for i in want.runoff.indices { #expect(abs(got.runoff[i] - want.runoff[i]) <= 1e-4 * max(abs(want.runoff[i]), 1e-2)) }
    }
}
