import Testing
import HydroGPU

/// The implicit-function-theorem adjoint against central finite differences of the forward
/// model (Double, Newton tolerance 1e-12 so the forward solution is the exact root).
@Suite("ImplicitHBV adjoint vs finite differences")
struct ImplicitHBVGradientTests {
    let model = ImplicitReferenceModel<Double>(tolerance: 1e-10, maxIterations: 60)

    /// L = sum_t,c w[t,c] runoff[t,c] with fixed pseudo-random weights.
    func weights(_ count: Int) -> [Double] {
        var g = ImplicitHBVFixtures.Generator(seed: 99)
        return (0..<count).map { _ in g.uniform(-1, 2) }
    }

    /// L and sum |w q| (the scale of L's rounding).
    func loss(_ problem: RunoffProblem<Double>, _ w: [Double]) throws -> (value: Double, scale: Double) {
        let result = try model.forward(problem)
        #expect(result.nonConvergedSteps == 0)
        var sum = 0.0, scale = 0.0
        for i in 0..<w.count {
            sum += w[i] * result.runoff[i]
            scale += abs(w[i] * result.runoff[i])
        }
        return (sum, scale)
    }

    /// Two difference quotients with their rounding floors (L's rounding, ~1e-15 sum |w q|, over
    /// the step): a fourth-order stencil (+-h, +-2h) with h = 2e-3 relative, exact to ~1e-10 where
    /// the loss is smooth over the stencil, and a second-order one with h = 1e-5 relative, for
    /// points within 0.4 % of a knot of the C1 ramps and limiters (docs/IMPLICIT-SOLVER.md 2).
    func differenceQuotients(_ value: Double, _ evaluate: (Double) throws -> (value: Double, scale: Double)) rethrows
        -> [(derivative: Double, noise: Double)]
    {
        let h = 2e-3 * max(abs(value), 1e-2)
        let m2 = try evaluate(value - 2 * h), m1 = try evaluate(value - h)
        let p1 = try evaluate(value + h), p2 = try evaluate(value + 2 * h)
        let fourth = (m2.value - 8 * m1.value + 8 * p1.value - p2.value) / (12 * h)
        let k = 1e-5 * max(abs(value), 1e-2)
        let m = try evaluate(value - k), p = try evaluate(value + k)
        let second = (p.value - m.value) / (2 * k)
        return [(fourth, 1.5e-15 * p1.scale / h), (second, 1e-15 * p.scale / k)]
    }

    /// Adjoint within 1e-6 relative of a difference quotient, or within its rounding floor.
    /// The IFT adjoint of `parameters` (first, middle and last entry of each series) against
    /// central differences of the forward model's loss `weights . runoff`.
    func checkParameters(_ parameters: [HBVParameter], of problem: RunoffProblem<Double>, gradient: RunoffGradient<Double>,
                         weights w: [Double], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for parameter in parameters {
            let series = problem.parameters[parameter]!
            let adjoint = try #require(gradient.parameters[parameter], sourceLocation: sourceLocation)
            #expect(adjoint.contains { abs($0) > 1e-8 }, "\(parameter.name) has a zero gradient", sourceLocation: sourceLocation)
            for index in Set([0, series.values.count / 2, series.values.count - 1]) {
                let fd = try differenceQuotients(series.values[index]) { v in
                    var q = problem
                    q.parameters[parameter]!.values[index] = v
                    return try loss(q, w)
                }
                #expect(agrees(adjoint[index], fd), "\(parameter.name)[\(index)]: adjoint \(adjoint[index]) fd \(fd)", sourceLocation: sourceLocation)
            }
        }
    }

    func agrees(_ adjoint: Double, _ fd: [(derivative: Double, noise: Double)]) -> Bool {
        fd.contains { abs(adjoint - $0.derivative) <= 1e-6 * abs($0.derivative) + $0.noise }
    }

    func withinRelative(_ adjoint: Double, _ fd: [(derivative: Double, noise: Double)]) -> Bool {
        fd.contains { abs(adjoint - $0.derivative) <= 1e-6 * abs($0.derivative) }
    }

    /// Checks every parameter's gradient for `slotsToCheck` slots of every unit, and the initial states.
    func check(layout: ImplicitHBVFixtures.Layout, steps: Int, cells: Int = 1, stepDays: Double = 1,
               slotsToCheck: (Int) -> [Int]) throws {
        let problem: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: steps, cells: cells, components: 2, layout: layout,
                                                                         stepDays: stepDays)
        let w = weights(steps * problem.forcing.cells)
        let (_, gradient) = try model.gradient(problem, runoffAdjoint: w)
        let units = problem.units
        var checked = 0, relative = 0
        for p in HBVParameter.onByDefault {
            let series = problem.parameters[p]!
            let adjoint = try #require(gradient.parameters[p])
            #expect(adjoint.count == series.slots * units)
            // The parameter matters at this point: its gradient is not zero.
            #expect(adjoint.contains { abs($0) > 1e-8 }, "\(p.name) has a zero gradient")
            for slot in slotsToCheck(series.slots) {
                for unit in 0..<units {
                    let index = slot * units + unit
                    let fd = try differenceQuotients(series.values[index]) { v in
                        var q = problem
                        q.parameters[p]!.values[index] = v
                        return try loss(q, w)
                    }
                    checked += 1
                    if withinRelative(adjoint[index], fd) { relative += 1 }
                    #expect(agrees(adjoint[index], fd), "\(p.name) slot \(slot) unit \(unit): adjoint \(adjoint[index]) fd \(fd)")
                }
            }
        }
        for i in 0..<(HBVStorage.count * units) {
            let fd = try differenceQuotients(problem.initialStates[i]) { v in
                var q = problem
                q.initialStates[i] = v
                return try loss(q, w)
            }
            checked += 1
            if withinRelative(gradient.initialStates[i], fd) { relative += 1 }
            #expect(agrees(gradient.initialStates[i], fd), "initial state \(i): adjoint \(gradient.initialStates[i]) fd \(fd)")
        }
        print("ImplicitHBV \(layout): \(relative) of \(checked) gradient components within 1e-6 relative, the rest within the rounding floor")
    }

    @Test func staticParameters() throws {
        try check(layout: .staticSlots, steps: 40, cells: 2) { _ in [0] }
    }

    /// Quarter-day steps: the rates (K0, K1, K2, PERC, CFMAX, C) and the drainage rate scale
    /// with the step, and their gradients carry the factor.
    @Test func staticParametersQuarterDaySteps() throws {
        try check(layout: .staticSlots, steps: 60, stepDays: 0.25) { _ in [0] }
    }

    @Test func monthlyParameters() throws {
        try check(layout: .monthly, steps: 40) { _ in [0, 2, 3] }
    }

    @Test func dynamicParameters() throws {
        try check(layout: .dynamic, steps: 30) { _ in [0, 9, 17, 29] }
    }

    /// L = w . runoff + c . S_T: the adjoint starts from dL/dS_T (window chaining).
    @Test func finalStateAdjoint() throws {
        let problem: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: 30, cells: 1, components: 2)
        let w = weights(30)
        let c: [Double] = (0..<(HBVStorage.count * 2)).map { 0.2 * Double($0 % 5) - 0.3 }
        func loss(_ q: RunoffProblem<Double>) throws -> (value: Double, scale: Double) {
            let runoff = try self.loss(q, w)
            let end = try model.forward(q).finalStates
            let stored = zip(c, end).map(*).reduce(0, +)
            return (runoff.value + stored, runoff.scale + zip(c, end).map { abs($0 * $1) }.reduce(0, +))
        }
        let (_, gradient) = try model.gradient(problem, runoffAdjoint: w, finalStateAdjoint: c)
        for p in [HBVParameter.fc, .k1, .k2, .perc, .c, .cfmax] {
            for unit in 0..<2 {
                let fd = try differenceQuotients(problem.parameters[p]!.values[unit]) { v in
                    var q = problem
                    q.parameters[p]!.values[unit] = v
                    return try loss(q)
                }
                let adjoint = gradient.parameters[p]![unit]
                #expect(agrees(adjoint, fd), "\(p.name) unit \(unit): adjoint \(adjoint) fd \(fd)")
            }
        }
        for i in 0..<10 {
            let fd = try differenceQuotients(problem.initialStates[i]) { v in
                var q = problem
                q.initialStates[i] = v
                return try loss(q)
            }
            #expect(agrees(gradient.initialStates[i], fd), "initial state \(i): adjoint \(gradient.initialStates[i]) fd \(fd)")
        }
    }

    /// Without snow parameters (the snow's null operator drains the snow storages): every given
    /// parameter and every initial storage, including the snow storages that drain.
    @Test func withoutSnow() throws {
        let problem = SnowAbsentTests.withoutSnow(ImplicitHBVFixtures.problem(steps: 24, cells: 1, components: 2) as RunoffProblem<Double>)
        let w = weights(24)
        let (_, gradient) = try model.gradient(problem, runoffAdjoint: w)
        for p in SnowAbsentTests.snowParameters { #expect(gradient.parameters[p] == nil, "\(p.name)") }
        for (p, series) in problem.parameters.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let adjoint = try #require(gradient.parameters[p])
            #expect(adjoint.contains { abs($0) > 1e-8 }, "\(p.name) has a zero gradient")
            for index in series.values.indices {
                let fd = try differenceQuotients(series.values[index]) { v in
                    var q = problem
                    q.parameters[p]!.values[index] = v
                    return try loss(q, w)
                }
                #expect(agrees(adjoint[index], fd), "\(p.name)[\(index)]: adjoint \(adjoint[index]) fd \(fd)")
            }
        }
        for i in problem.initialStates.indices {
            let fd = try differenceQuotients(problem.initialStates[i]) { v in
                var q = problem
                q.initialStates[i] = v
                return try loss(q, w)
            }
            #expect(agrees(gradient.initialStates[i], fd), "initial state \(i): adjoint \(gradient.initialStates[i]) fd \(fd)")
        }
        #expect(abs(gradient.initialStates[0]) > 1e-8, "the initial snow reaches the runoff")
    }

    /// The ET exponent is switched by presence: without BETAET, ET is linear, which is the
    /// exponent at 1 (x^1 = x and d/dx x^1 = 1 exactly), and no BETAET gradient exists.
    @Test func withoutETExponentIsExponentOne() throws {
        let without: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: 20, cells: 1, usesETExponent: false)
        #expect(without.parameters[.betaet] == nil)
        var one: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: 20, cells: 1, usesETExponent: true)
        one.parameters[.betaet] = .uniform(1, units: one.units, steps: 20)
        let w = weights(20)
        let (a, ga) = try model.gradient(without, runoffAdjoint: w)
        let (b, gb) = try model.gradient(one, runoffAdjoint: w)
        #expect(a.runoff == b.runoff && a.finalStates == b.finalStates)
        #expect(ga.parameters[.betaet] == nil)
        #expect(ga.parameters[.lp] == gb.parameters[.lp] && ga.parameters[.fc] == gb.parameters[.fc])
        // Given, it is used (presence), whatever the configuration's flag says.
        var given = without
        given.parameters[.betaet] = .uniform(2.5, units: given.units, steps: 20)
        #expect(try model.forward(given).runoff != a.runoff)
    }
}
