import Testing
import HydroGPU

/// Water balance, non-negativity, Newton bookkeeping and components of the implicit solver.
@Suite("ImplicitHBV solver")
struct ImplicitHBVSolverTests {
    /// A hard case per unit: 150 dry hot days, a cold snowy spell, a fast melt, then storms;
    /// parameters at the fast ends of their bounds.
    static func hardProblem() -> RunoffProblem<Double> {
        let steps = 300, cells = 3
        var p = [Double](), t = [Double](), e = [Double]()
        var g = ImplicitHBVFixtures.Generator(seed: 3)
        for step in 0..<steps {
            for cell in 0..<cells {
                switch step {
                case ..<150: p.append(0); t.append(25); e.append(8)                       // dry spell
                case ..<200: p.append(g.uniform(0, 30)); t.append(-10 + Double(cell)); e.append(0.2)  // snow
                case ..<215: p.append(0); t.append(15); e.append(2)                      // melt
                default: p.append(g.next() < 0.3 ? g.uniform(60, 150) : 0); t.append(12); e.append(3)  // storms
                }
            }
        }
        let forcing = HBVForcing(steps: steps, cells: cells, precipitation: p, temperature: t, pet: e)
        let units = cells
        var parameters: [HBVParameter: ParameterSeries<Double>] = [:]
        for q in HBVParameter.onByDefault {
            let (lo, hi) = q.bounds
            // Fast drainage and strong ET/capillary rise: close to the upper bounds (lower for UZL, FC, LP, TT).
            let high: Set<HBVParameter> = [.k0, .k1, .k2, .perc, .cfmax, .cfr, .c, .beta, .cwh]
            var values: [Double] = []
            for u in 0..<units {
                let fraction: Double = high.contains(q) ? 0.98 - 0.02 * Double(u) : 0.05 * Double(u + 1)
                values.append(lo + fraction * (hi - lo))
            }
            parameters[q] = .distributed(values, steps: steps)
        }
        return RunoffProblem(configuration: HBVConfiguration(solver: .implicit), forcing: forcing, parameters: parameters)
    }

    @Test func storagesStayNonNegativeOnAHardCase() throws {
        let model = ImplicitReferenceModel<Double>(tolerance: 1e-10)
        let problem = Self.hardProblem()
        let (states, results) = try ImplicitHBVFixtures.trajectory(problem, model: model)
        #expect(results.allSatisfy { $0.nonConvergedSteps == 0 })
        var minimum = Double.infinity
        for s in states { minimum = min(minimum, s.min()!) }
        // Exact solutions are >= 0; Newton's answer may be below by its tolerance at most.
        #expect(minimum >= -1e-10, "smallest storage \(minimum) mm")
        // The case does empty stores: the dry spell dries the soil, melt empties the pack.
        let dryEnd = states[150], meltEnd = states[215]
        #expect(dryEnd[2 * 3] < 10, "soil after the dry spell: \(dryEnd[2 * 3])")
        #expect(meltEnd[0] < 1e-3, "snowpack after the melt: \(meltEnd[0])")
    }

    @Test func waterBalanceClosesEveryStepToSolverTolerance() throws {
        let tolerance = 1e-6
        let model = ImplicitReferenceModel<Double>(tolerance: tolerance)
        let problem = Self.hardProblem()
        let (states, results) = try ImplicitHBVFixtures.trajectory(problem, model: model)
        let units = problem.units
        for (t, result) in results.enumerated() {
            // sum(dS) = P - ET - Q per step and unit; a step is one run, so the audit's domain
            // error is the step's closure summed over units.
            var change = 0.0
            for i in 0..<(HBVStorage.count * units) { change += states[t + 1][i] - states[t][i] }
            let audit = result.audit
            #expect(abs(audit.storageChange - change) <= 1e-9)
            // Closure is sum_i F_i: at most 5 tol per unit.
            #expect(abs(audit.domainError) <= 5 * tolerance * Double(units), "step \(t): \(audit.domainError)")
            #expect(audit.maxAbsoluteError <= 5 * tolerance, "step \(t): \(audit.maxAbsoluteError)")
        }
        // The whole run's audit, from the model in one go.
        let whole = try model.forward(problem)
        #expect(whole.audit.maxAbsoluteError <= 5 * tolerance * Double(problem.forcing.steps))
        #expect(whole.audit.totalPrecipitation > 0 && whole.audit.totalRunoff > 0 && whole.audit.totalEvapotranspiration > 0)
    }

    @Test func newtonResidualIsBelowToleranceAtEveryStep() throws {
        // Independent of the model's own convergence flag: rebuild F(S_t) from the fluxes.
        let tolerance = 1e-8
        let model = ImplicitReferenceModel<Double>(tolerance: tolerance)
        let problem: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: 60, cells: 2)
        let (states, _) = try ImplicitHBVFixtures.trajectory(problem, model: model)
        let units = problem.units
        for t in 0..<problem.forcing.steps {
            for u in 0..<units {
                let values = HBVParameter.allCases.map { problem.parameters[$0]?.value(step: t, unit: u) ?? $0.offValue! }
                let previous = (0..<HBVStorage.count).map { states[t][$0 * units + u] }
                let current = (0..<HBVStorage.count).map { states[t + 1][$0 * units + u] }
                let forcing = t * problem.forcing.cells + u
                var rates = [Double](repeating: 0, count: HBVStorage.count)
                values.withUnsafeBufferPointer { v in
                    let fluxes = ImplicitHBVFluxes(states: current, parameters: ImplicitHBVParameters(v.baseAddress!),
                                                   precipitation: problem.forcing.precipitation[forcing],
                                                   temperature: problem.forcing.temperature[forcing],
                                                   pet: problem.forcing.pet[forcing], stepDays: 1, usesETExponent: true)
                    rates.withUnsafeMutableBufferPointer { fluxes.rates(into: $0.baseAddress!) }
                }
                for i in 0..<HBVStorage.count {
                    let residual = current[i] - previous[i] - rates[i]
                    #expect(abs(residual) <= tolerance, "step \(t) unit \(u) storage \(i): F = \(residual)")
                }
            }
        }
    }

    @Test func nonConvergedStepsAreCounted() throws {
        // Every step has rain, so F(S_{t-1}) = -f != 0: with no Newton step allowed, every
        // unit-step is non-converged; with one step, storms still need more.
        var problem: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: 25, cells: 2, components: 2)
        for i in problem.forcing.precipitation.indices { problem.forcing.precipitation[i] += 1 }
        let none = try ImplicitReferenceModel<Double>(maxIterations: 0).forward(problem)
        #expect(none.nonConvergedSteps == 25 * 4)
        let one = try ImplicitReferenceModel<Double>(maxIterations: 1).forward(problem)
        #expect(one.nonConvergedSteps > 0 && one.nonConvergedSteps < 25 * 4 + 1)
        let enough = try ImplicitReferenceModel<Double>().forward(problem)
        #expect(enough.nonConvergedSteps == 0)
    }

    @Test func componentsAreAveraged() throws {
        // A cell with two components is the mean of two one-component cells with the same forcing.
        let two: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: 30, cells: 1, components: 2)
        var split = two
        split.configuration.components = 1
        split.forcing = HBVForcing(steps: 30, cells: 2,
                                   precipitation: two.forcing.precipitation.flatMap { [$0, $0] },
                                   temperature: two.forcing.temperature.flatMap { [$0, $0] },
                                   pet: two.forcing.pet.flatMap { [$0, $0] })
        let model = ImplicitReferenceModel<Double>()
        let a = try model.forward(two), b = try model.forward(split)
        for t in 0..<30 {
            #expect(abs(a.runoff[t] - (b.runoff[2 * t] + b.runoff[2 * t + 1]) / 2) <= 1e-12)
        }
        #expect(a.finalStates == b.finalStates)
    }

    /// Parameters drawn over the whole box of MODEL.md 3, storms of 200 mm/day on 5 % of the
    /// steps, hourly to two-day steps: Double Newton converges at every unit-step, storages stay
    /// non-negative and the balance closes. (Beyond h*kappa*CWH < 1, e.g. 5-day steps, the snow
    /// block can lose monotonicity and some steps do not converge: docs/IMPLICIT-SOLVER.md 4.)
    @Test(arguments: [1.0 / 24, 1, 2])
    func convergesOverTheParameterBox(stepDays: Double) throws {
        let steps = 200, cells = 100
        var g = ImplicitHBVFixtures.Generator(seed: 11)
        var problem: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: steps, cells: cells, stepDays: stepDays, seed: 5)
        for p in HBVParameter.onByDefault {
            let (lo, hi) = p.bounds
            problem.parameters[p] = .distributed((0..<cells).map { _ in lo + (hi - lo) * g.next() }, steps: steps)
        }
        for i in problem.forcing.precipitation.indices where g.next() < 0.05 { problem.forcing.precipitation[i] = 200 * stepDays }
        let tolerance = 1e-6
        let result = try ImplicitReferenceModel<Double>(tolerance: tolerance).forward(problem)
        #expect(result.nonConvergedSteps == 0)
        #expect(result.finalStates.min()! >= -tolerance)
        #expect(result.audit.maxAbsoluteError <= 5 * tolerance * Double(steps))
    }

    @Test func rejectsTheSequentialConfiguration() {
        var problem: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: 3, cells: 1)
        problem.configuration.solver = .sequential
        #expect(throws: RunoffProblemError.self) { try ImplicitReferenceModel<Double>().forward(problem) }
    }
}
