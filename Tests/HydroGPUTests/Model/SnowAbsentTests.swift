import Foundation
import HydroGPU
import Testing

/// A problem without snow parameters has no snow process: both solvers apply the snow's null
/// operator (`SnowProcess.absentForward` / `evaluateAbsent`): all precipitation is rain and the
/// snow storages drain to the soil. Held against independent expectations: the snow operator
/// itself far above its threshold (the former "snow off" convention, T = 20 °C), the analytic
/// backward-Euler solution of the implicit drainage, the water balance, and central differences.
@Suite("No snow: the snow's null operator")
struct SnowAbsentTests {
    static let snowParameters = HBVParameter.allCases.filter { $0.process == .snow }

    /// `problem` without its snow parameters (the snow process off).
    static func withoutSnow<Real>(_ problem: RunoffProblem<Real>) -> RunoffProblem<Real> {
        var q = problem
        for p in snowParameters { q.parameters[p] = nil }
        return q
    }

    /// `problem` with the snow on at T = 20 °C everywhere and TT 0, CFMAX 3, CFR 0.05, CWH 0.1,
    /// uncorrected precipitation (RFCF = SFCF = 1): how "snow off" was run before the null operator.
    static func warm<Real>(_ problem: RunoffProblem<Real>) -> RunoffProblem<Real> {
        var q = problem
        q.forcing.temperature = [Real](repeating: 20, count: q.forcing.temperature.count)
        let values: [HBVParameter: Real] = [.tt: 0, .cfmax: 3, .cfr: 0.05, .cwh: 0.1, .rfcf: 1, .sfcf: 1]
        for (p, v) in values { q.parameters[p] = .uniform(v, units: q.units, steps: q.forcing.steps) }
        return q
    }

    @Test func activeProcessesLeaveOutTheSnow() {
        let problem = Self.withoutSnow(SyntheticHBV.problem(steps: 10))
        #expect(!ActiveProcesses(given: Set(problem.parameters.keys)).contains(.snow))
    }

    /// Sequential solver: without snow the run is, bit for bit, the snow operator's run far above
    /// the threshold (the whole pack melts at once, nothing refreezes, an empty pack holds no
    /// liquid water), here with 15 mm of initial snow and 0.8 mm of meltwater; so are the
    /// gradients of every other parameter.
    @Test func sequentialNullOperatorIsTheSnowFarAboveItsThreshold() throws {
        let problem = SyntheticHBV.problem(steps: 60)
        #expect(problem.initialStates[0] > 10)
        let model = SequentialReferenceModel<Double>()
        let w = SyntheticHBV.lossWeights(problem.forcing.steps * problem.forcing.cells)
        let (absent, gAbsent) = try model.gradient(Self.withoutSnow(problem), runoffAdjoint: w)
        let (warm, gWarm) = try model.gradient(Self.warm(problem), runoffAdjoint: w)
        #expect(absent.runoff == warm.runoff)
        #expect(absent.finalStates == warm.finalStates)
        for p in HBVParameter.allCases where p.process != .snow {
            #expect(gAbsent.parameters[p] == gWarm.parameters[p], "\(p.name)")
        }
        for p in Self.snowParameters { #expect(gAbsent.parameters[p] == nil, "\(p.name)") }
        // The snow storages are empty after the first step and the balance closes.
        let units = problem.units
        #expect(absent.finalStates[0..<(2 * units)].allSatisfy { $0 == 0 })
        #expect(absent.audit.maxAbsoluteError <= 1e-9)
    }

    /// Implicit solver: the snow storages drain through the meltwater to the soil at the
    /// drainage rate kappa = 4 per day, a linear ODE whose backward-Euler step is exact:
    /// SP1 = SP0 / (1 + kappa h), MW1 = (MW0 + kappa h SP1) / (1 + kappa h).
    @Test func implicitNullOperatorDrainsTheSnowStoragesAsBackwardEuler() throws {
        let problem: RunoffProblem<Double> = Self.withoutSnow(ImplicitHBVFixtures.problem(steps: 30, cells: 2, stepDays: 0.5))
        let model = ImplicitReferenceModel<Double>(tolerance: 1e-12, maxIterations: 60)
        var first = problem
        first.forcing = HBVForcing(steps: 1, cells: 2, precipitation: Array(problem.forcing.precipitation.prefix(2)),
                                   temperature: Array(problem.forcing.temperature.prefix(2)), pet: Array(problem.forcing.pet.prefix(2)))
        for p in first.parameters.keys { first.parameters[p]!.slotOfStep = [first.parameters[p]!.slotOfStep[0]] }
        let step = try model.forward(first)
        let kh = 4 * 0.5
        for unit in 0..<problem.units {
            let sp0 = problem.initialStates[unit], mw0 = problem.initialStates[problem.units + unit]
            let sp1 = sp0 / (1 + kh), mw1 = (mw0 + kh * sp1) / (1 + kh)
            #expect(abs(step.finalStates[unit] - sp1) <= 1e-10 * sp0, "unit \(unit) SP")
            #expect(abs(step.finalStates[problem.units + unit] - mw1) <= 1e-10 * max(mw0, sp0), "unit \(unit) MW")
        }
        let whole = try model.forward(problem)
        #expect(whole.nonConvergedSteps == 0)
        #expect(whole.audit.maxAbsoluteError <= 1e-8 * Double(problem.forcing.steps))
        // Temperature is not read: a different temperature gives the same run.
        var cold = problem
        cold.forcing.temperature = cold.forcing.temperature.map { $0 - 40 }
        #expect(try model.forward(cold).runoff == whole.runoff)
    }

    /// Config `model.snow: false` leaves the snow's parameters absent and refuses one listed
    /// under `parameters:`, naming it.
    @Test func trainingWithoutSnowLeavesTheSnowParametersOut() throws {
        var (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 40)
        #expect(!config.model.snow)
        let setup = try TrainingSetup.from(config: config, data: data)
        for p in Self.snowParameters { #expect(setup.space.layouts[p]?.isAbsent == true, "\(p.name)") }
        let series: [HBVParameter: ParameterSeries<Double>] = setup.space.expand(free: setup.space.initialFreeValues())
        #expect(Self.snowParameters.allSatisfy { series[$0] == nil })
        config.parameters["CFMAX"] = ParameterConfig(fixed: 3, line: 7)
        do {
            _ = try TrainingSetup.from(config: config, data: data)
            Issue.record("a snow parameter was accepted with model.snow: false")
        } catch {
            #expect(error.place == "parameters.CFMAX" && error.line == 7 && error.message.contains("model.snow"), "\(error)")
        }
    }
}
