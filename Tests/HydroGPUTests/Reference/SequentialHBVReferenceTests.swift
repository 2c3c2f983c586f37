import Foundation
import HydroGPU
import Testing

/// The sequential reference solver in Double: hand-written adjoint against central finite
/// differences, water balance, and the configuration switches (step length, ET exponent, C).
struct SequentialHBVReferenceTests {
    let model = SequentialReferenceModel<Double>()

    /// (L(plus) - L(minus)) for L = sum_i w_i runoff_i, differencing entry by entry so rounding
    /// of the large sum does not swamp small per-step sensitivities.
    func lossDifference(_ plus: RunoffProblem<Double>, _ minus: RunoffProblem<Double>, _ weights: [Double]) throws -> Double {
        let a = try model.forward(plus).runoff, b = try model.forward(minus).runoff
        var sum = 0.0
        for i in weights.indices { sum += weights[i] * (a[i] - b[i]) }
        return sum
    }

    /// Central difference of the loss in one parameter value; step 1e-4 of the value's scale (rounding, not truncation, limits the smaller steps).
    /// Central differences with steps h and h/2 (h = 1e-4 of the value's scale). For a loss
    /// smooth within h they agree to O(h^2); where a min/max/clamp switches branch within the
    /// step they differ at O(1), so `kink` = |D(h) - D(h/2)| tells whether the point is smooth.
    struct Difference {
        var central: Double
        var kink: Double
    }

    func finiteDifference(_ problem: RunoffProblem<Double>, _ weights: [Double], perturb: (inout RunoffProblem<Double>, Double) -> Void,
                          scale: Double) throws -> Difference {
        func central(_ h: Double) throws -> Double {
            var plus = problem, minus = problem
            perturb(&plus, h)
            perturb(&minus, -h)
            return try lossDifference(plus, minus, weights) / (2 * h)
        }
        let h = 1e-4 * max(abs(scale), 0.1)
        let coarse = try central(h), fine = try central(h / 2)
        return Difference(central: fine, kink: abs(coarse - fine))
    }

    func finiteDifference(_ problem: RunoffProblem<Double>, _ weights: [Double], parameter: HBVParameter, index: Int) throws -> Difference {
        let x = problem.parameters[parameter]!.values[index]
        return try finiteDifference(problem, weights, perturb: { $0.parameters[parameter]!.values[index] = x + $1 }, scale: x)
    }

    func finiteDifference(_ problem: RunoffProblem<Double>, _ weights: [Double], initialState index: Int) throws -> Difference {
        let x = problem.initialStates[index]
        return try finiteDifference(problem, weights, perturb: { $0.initialStates[index] = x + $1 }, scale: x)
    }

    /// Checks every parameter (its largest-gradient entries and a spread of others) and every
    /// initial state against finite differences at 1e-6 relative, above a floor of 1e-9 of the
    /// gradient's largest entry; that every parameter the run uses has a non-zero gradient; and
    /// that the point is smooth for each difference taken (no branch switch within the step).
    func checkAgainstFiniteDifferences(_ problem: RunoffProblem<Double>, samplesPerParameter: Int = 6,
                                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let weights = SyntheticHBV.lossWeights(problem.forcing.steps * problem.forcing.cells)
        let (_, gradient) = try model.gradient(problem, runoffAdjoint: weights)
        let largest = gradient.parameters.values.flatMap { $0.map(abs) }.max() ?? 0
        var close = Closeness(relative: 1e-6, floor: 1e-9 * largest)
        // Smoothness: D(h) and D(h/2) agree to 1e-6 of the entry (same floor; FD rounding of the
        // smallest entries reaches ~2e-7).
        var smooth = Closeness(relative: 1e-6, floor: 1e-9 * largest)
        for (parameter, series) in problem.parameters.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let g = gradient.parameters[parameter]!
            #expect(g.count == series.values.count, "\(parameter) gradient shape", sourceLocation: sourceLocation)
            let byMagnitude = g.indices.sorted { abs(g[$0]) > abs(g[$1]) }
            #expect(abs(g[byMagnitude[0]]) > 1e-6 * largest, "\(parameter) is not active at this point", sourceLocation: sourceLocation)
            var indices = Array(byMagnitude.prefix(samplesPerParameter / 2))
            let stride = max(1, g.count / max(1, samplesPerParameter - indices.count))
            indices += Swift.stride(from: stride / 2, to: g.count, by: stride).prefix(samplesPerParameter - indices.count)
            for index in Set(indices) {
                let fd = try finiteDifference(problem, weights, parameter: parameter, index: index)
                smooth.check(fd.central + fd.kink, fd.central, "\(parameter)[\(index)]")
                close.check(g[index], fd.central, "\(parameter)[\(index)]")
            }
        }
        var closeStates = Closeness(relative: 1e-6, floor: 1e-9 * max(largest, gradient.initialStates.map(abs).max() ?? 0))
        for index in gradient.initialStates.indices {
            let fd = try finiteDifference(problem, weights, initialState: index)
            smooth.check(fd.central + fd.kink, fd.central, "initial state \(index)")
            closeStates.check(gradient.initialStates[index], fd.central, "initial state \(index)")
        }
        #expect(smooth.failures == 0, "not smooth at this point (a branch switches within the FD step): \(smooth.summary)", sourceLocation: sourceLocation)
        #expect(close.failures == 0, "parameters: \(close.summary)", sourceLocation: sourceLocation)
        #expect(closeStates.failures == 0, "initial states: \(closeStates.summary)", sourceLocation: sourceLocation)
    }

    @Test func adjointMatchesFiniteDifferencesStaticParameters() throws {
        try checkAgainstFiniteDifferences(SyntheticHBV.problem(temporal: .constant))
    }

    @Test func adjointMatchesFiniteDifferencesMonthlyParameters() throws {
        try checkAgainstFiniteDifferences(SyntheticHBV.problem(temporal: .monthly))
    }

    @Test func adjointMatchesFiniteDifferencesDynamicParameters() throws {
        try checkAgainstFiniteDifferences(SyntheticHBV.problem(temporal: .dynamic), samplesPerParameter: 8)
    }

    @Test func adjointMatchesFiniteDifferencesHalfDayStepsWithoutETExponent() throws {
        try checkAgainstFiniteDifferences(SyntheticHBV.problem(steps: 120, components: 1, stepDays: 0.5, usesETExponent: false, seed: 1))
    }

    @Test func adjointMatchesFiniteDifferencesTwoDayStepsWithExponentAndCapillaryRise() throws {
        try checkAgainstFiniteDifferences(SyntheticHBV.problem(steps: 60, temporal: .monthly, stepDays: 2, usesETExponent: true, capillaryRise: true))
    }

    @Test func adjointMatchesFiniteDifferencesWithoutSnow() throws {
        // The snow's null operator: the initial snow and meltwater reach the soil in step one.
        // All of the fixture's precipitation falls as rain then; a third of it keeps the soil
        // below LP FC at times, so that LP and BETAET act.
        var problem = SnowAbsentTests.withoutSnow(SyntheticHBV.problem(components: 1, seed: 2))
        problem.forcing.precipitation = problem.forcing.precipitation.map { $0 / 3 }
        try checkAgainstFiniteDifferences(problem)
    }

    @Test func adjointMatchesFiniteDifferencesDeltaHBV10() throws {
        // δHBV 1.0: no BETAET, no C.
        try checkAgainstFiniteDifferences(SyntheticHBV.problem(components: 1, usesETExponent: false, capillaryRise: false))
    }

    @Test func endToEndFromRawParametersMatchesFiniteDifferences() throws {
        // raw -> sigmoid to bounds -> HBV (nmul 2) -> component mean -> gamma UH -> RMSE, in Double.
        let base = SyntheticHBV.problem(steps: 80, cells: 2, components: 2, capillaryRise: true)
        let units = base.units
        var raw: [HBVParameter: [Double]] = [:]
        for (parameter, series) in base.parameters {
            let (lo, hi) = parameter.bounds
            raw[parameter] = series.values.map { v in let u = (v - lo) / (hi - lo); return log(u / (1 - u)) }
        }
        let routeRaw = [[0.3, -0.4], [-1.1, 0.8]]   // per cell: route_a, route_b raw
        let observed = (0..<(80 * 2)).map { 0.5 + 0.4 * SyntheticHBV.noise($0, 5) }

        func evaluate(_ raw: [HBVParameter: [Double]], _ routeRaw: [[Double]], gradient: Bool)
            throws -> (loss: Double, parameters: [HBVParameter: [Double]], route: [[Double]]) {
            var problem = base
            for (parameter, values) in raw {
                problem.parameters[parameter]!.values = values.map { ParameterTransform.physical($0, parameter) }
            }
            let routeA = routeRaw.map { GammaUnitHydrograph<Double>.physical(raw: $0[0], GammaUnitHydrograph<Double>.routeABounds) }
            let routeB = routeRaw.map { GammaUnitHydrograph<Double>.physical(raw: $0[1], GammaUnitHydrograph<Double>.routeBBounds) }
            let runoff = try model.forward(problem).runoff
            let routed = GammaUnitHydrograph.route(runoff, steps: 80, cells: 2, routeA: routeA, routeB: routeB)
            let (loss, gRouted) = RootMeanSquareError.evaluate(simulated: routed, observed: observed)
            guard gradient else { return (loss, [:], []) }
            let uh = GammaUnitHydrograph.adjoint(runoff: runoff, routedAdjoint: gRouted, steps: 80, cells: 2, routeA: routeA, routeB: routeB)
            let g = try model.gradient(problem, runoffAdjoint: uh.runoff).gradient
            var gRaw: [HBVParameter: [Double]] = [:]
            for (parameter, values) in raw {
                gRaw[parameter] = zip(g.parameters[parameter]!, values).map { $0 * ParameterTransform.derivative($1, parameter) }
            }
            let gRoute = (0..<2).map { c in
                [uh.routeA[c] * GammaUnitHydrograph<Double>.physicalDerivative(raw: routeRaw[c][0], GammaUnitHydrograph<Double>.routeABounds),
                 uh.routeB[c] * GammaUnitHydrograph<Double>.physicalDerivative(raw: routeRaw[c][1], GammaUnitHydrograph<Double>.routeBBounds)]
            }
            return (loss, gRaw, gRoute)
        }

        let adjoint = try evaluate(raw, routeRaw, gradient: true)
        let largest = adjoint.parameters.values.flatMap { $0.map(abs) }.max()!
        var close = Closeness(relative: 1e-6, floor: 1e-6 * largest)
        let h = 1e-5
        for parameter in HBVParameter.onByDefault {
            for unit in [0, units - 1] {
                var plus = raw, minus = raw
                plus[parameter]![unit] += h
                minus[parameter]![unit] -= h
                let fd = (try evaluate(plus, routeRaw, gradient: false).loss - evaluate(minus, routeRaw, gradient: false).loss) / (2 * h)
                close.check(adjoint.parameters[parameter]![unit], fd, "raw \(parameter) unit \(unit)")
            }
        }
        for c in 0..<2 {
            for j in 0..<2 {
                var plus = routeRaw, minus = routeRaw
                plus[c][j] += h
                minus[c][j] -= h
                let fd = (try evaluate(raw, plus, gradient: false).loss - evaluate(raw, minus, gradient: false).loss) / (2 * h)
                close.check(adjoint.route[c][j], fd, "route raw \(j) cell \(c)")
            }
        }
        #expect(close.failures == 0, "\(close.summary)")
    }

    // MARK: - Water balance and storages

    @Test(arguments: [SyntheticHBV.Temporal.constant, .monthly, .dynamic])
    func waterBalanceClosesAndStoragesStayNonNegative(temporal: SyntheticHBV.Temporal) throws {
        for stepDays in [1.0, 0.5] {
            let problem = SyntheticHBV.problem(temporal: temporal, stepDays: stepDays)
            let trace = try model.trace(problem)
            let audit = trace.result.audit
            // Independent sums over the trace: P in, ET and Q out, storage change, nearzero water.
            var p = 0.0, et = 0.0, q = 0.0, extra = 0.0
            for f in trace.fluxes {
                p += f.rain + f.snow
                et += f.evapotranspiration
                q += f.q0 + f.q1 + f.q2
                extra += f.numericalInflow
            }
            let initial = problem.initialStates.reduce(0, +), final = trace.result.finalStates.reduce(0, +)
            #expect(abs(p - et - q + extra - (final - initial)) <= 1e-10 * p)
            #expect(abs(audit.totalPrecipitation - p) <= 1e-9 * p && abs(audit.totalRunoff - q) <= 1e-9 * p)
            #expect(abs(audit.storageChange - (final - initial)) <= 1e-9 * p)
            #expect(audit.maxRelativeError <= 1e-13, "per-unit closure \(audit.maxRelativeError)")
            #expect(audit.domainRelativeError <= 1e-13, "domain closure \(audit.domainRelativeError)")
            #expect(audit.maxAbsoluteError <= 1e-10)
            #expect(trace.states.allSatisfy { s in HBVStorage.allCases.allSatisfy { s[$0] >= 0 } }, "negative storage")
        }
    }

    @Test func nearZeroBoundWaterIsCountedInTheAudit() throws {
        // PET far above LP * FC makes ET = SM, so SM = max(0, nearzero) adds 1e-5 mm each such step.
        var problem = SyntheticHBV.problem(steps: 40, cells: 1, components: 1, capillaryRise: false)
        problem.forcing.pet = [Double](repeating: 200, count: 40)
        problem.forcing.precipitation = (0..<40).map { $0 % 5 == 0 ? 3 : 0 }
        let trace = try model.trace(problem)
        let clampedSteps = trace.fluxes.filter { $0.numericalInflow > 0 }.count
        #expect(clampedSteps > 10)
        #expect(trace.states.allSatisfy { $0.soilMoisture >= 1e-5 })
        let audit = trace.result.audit
        // Each clamped step adds at most nearzero (exactly nearzero when ET empties SM).
        #expect(trace.fluxes.allSatisfy { $0.numericalInflow <= 1e-5 * (1 + 1e-12) })
        #expect(trace.fluxes.contains { $0.numericalInflow == 1e-5 })
        #expect(abs(audit.numericalInflow - trace.fluxes.map(\.numericalInflow).reduce(0, +)) <= 1e-18)
        #expect(audit.maxAbsoluteError <= 1e-12)
        // Without counting it the balance would be off by exactly that water.
        let unbalanced = audit.totalPrecipitation - audit.totalEvapotranspiration - audit.totalRunoff - audit.storageChange
        #expect(abs(unbalanced + audit.numericalInflow) <= 1e-12)
    }

    @Test func floatRunMatchesDoubleAndClosesToFloatRounding() throws {
        let d = SyntheticHBV.problem()
        let f = d.converted(to: Float.self)
        let audit = try SequentialReferenceModel<Float>().forward(f).audit
        #expect(audit.maxRelativeError <= 1e-5, "\(audit.maxRelativeError)")
        let double = try model.forward(d)
        let single = try SequentialReferenceModel<Float>().forward(f)
        let worst = zip(double.runoff, single.runoff).map { abs($0 - Double($1)) / max(abs($0), 1e-3) }.max()!
        #expect(worst <= 1e-4, "Float vs Double runoff \(worst)")
        // Float adjoint vs the Double oracle: 1e-3 on the gradient's norm (MODEL.md 7).
        let weights = SyntheticHBV.lossWeights(d.forcing.steps * d.forcing.cells)
        let gd = try model.gradient(d, runoffAdjoint: weights).gradient
        let gf = try SequentialReferenceModel<Float>().gradient(f, runoffAdjoint: weights.map(Float.init)).gradient
        var norm = 0.0, diff = 0.0
        for (parameter, g) in gd.parameters {
            for (a, b) in zip(g, gf.parameters[parameter]!) { norm += a * a; diff += (a - Double(b)) * (a - Double(b)) }
        }
        #expect(diff.squareRoot() <= 1e-3 * norm.squareRoot(), "Float vs Double gradient \(diff.squareRoot() / norm.squareRoot())")
    }

    // MARK: - Configuration switches

    @Test func stepLengthScalesRatesLinearly() throws {
        // Half-day steps with daily rates == daily steps with every rate halved (exact in binary).
        let half = SyntheticHBV.problem(stepDays: 0.5)
        var scaled = half
        scaled.configuration.stepDays = 1
        for parameter in [HBVParameter.k0, .k1, .k2, .perc, .cfmax, .c] {
            scaled.parameters[parameter]!.values = half.parameters[parameter]!.values.map { $0 * 0.5 }
        }
        let weights = SyntheticHBV.lossWeights(half.forcing.steps * half.forcing.cells)
        let (a, ga) = try model.gradient(half, runoffAdjoint: weights)
        let (b, gb) = try model.gradient(scaled, runoffAdjoint: weights)
        #expect(a.runoff == b.runoff && a.finalStates == b.finalStates)
        for parameter in HBVParameter.allCases where half.parameters[parameter] != nil {
            let factor = PackedParameters<Double>.rateParameters.contains(parameter) ? 0.5 : 1
            #expect(ga.parameters[parameter]! == gb.parameters[parameter]!.map { $0 * factor }, "\(parameter)")
        }
        #expect(ga.initialStates == gb.initialStates)
    }

    @Test func withoutETExponentEqualsExponentOne() throws {
        let without = SyntheticHBV.problem(usesETExponent: false)
        var one = SyntheticHBV.problem(usesETExponent: true)
        one.parameters[.betaet] = .uniform(1, units: one.units, steps: one.forcing.steps)
        // Same remaining parameters in both (the generator's jitter does not depend on which are present).
        for parameter in HBVParameter.allCases where parameter != .betaet { #expect(one.parameters[parameter] == without.parameters[parameter]) }
        let weights = SyntheticHBV.lossWeights(one.forcing.steps * one.forcing.cells)
        let (a, ga) = try model.gradient(without, runoffAdjoint: weights)
        let (b, gb) = try model.gradient(one, runoffAdjoint: weights)
        #expect(a.runoff == b.runoff)
        #expect(ga.parameters[.fc] == gb.parameters[.fc] && ga.parameters[.lp] == gb.parameters[.lp])
        #expect(ga.parameters[.betaet] == nil)
    }

    @Test func zeroCapillaryRiseIsDeltaHBV10() throws {
        let without = SyntheticHBV.problem(capillaryRise: false)
        var zero = SyntheticHBV.problem(capillaryRise: true)
        zero.parameters[.c] = .uniform(0, units: zero.units, steps: zero.forcing.steps)
        let a = try model.forward(without), b = try model.forward(zero)
        #expect(a.runoff == b.runoff && a.finalStates == b.finalStates)
        let c = try model.forward(SyntheticHBV.problem(capillaryRise: true))
        #expect(c.runoff != a.runoff)
    }

    @Test func componentsAreAveraged() throws {
        // A cell with two components equals the mean of two one-component cells carrying them.
        let two = SyntheticHBV.problem(cells: 1, components: 2)
        var split = SyntheticHBV.problem(cells: 2, components: 1)
        split.forcing = HBVForcing(steps: two.forcing.steps, cells: 2,
                                   precipitation: two.forcing.precipitation.flatMap { [$0, $0] },
                                   temperature: two.forcing.temperature.flatMap { [$0, $0] }, pet: two.forcing.pet.flatMap { [$0, $0] })
        split.parameters = two.parameters
        split.initialStates = two.initialStates
        let a = try model.forward(two), b = try model.forward(split)
        for t in 0..<two.forcing.steps { #expect(a.runoff[t] == (b.runoff[2 * t] + b.runoff[2 * t + 1]) / 2) }
    }

    // MARK: - Errors

    @Test func missingOrMalformedParametersAreNamed() throws {
        var problem = SyntheticHBV.problem(steps: 10)
        problem.parameters[.betaet] = nil
        #expect(throws: RunoffProblemError.missingParameter(.betaet)) { try model.forward(problem) }
        problem = SyntheticHBV.problem(steps: 10)
        problem.parameters[.fc]!.slotOfStep[7] = 3
        #expect(throws: RunoffProblemError.slotOutOfRange(.fc, step: 7, slot: 3, slots: 1)) { try model.forward(problem) }
        problem = SyntheticHBV.problem(steps: 10)
        #expect(throws: RunoffProblemError.arrayLength(name: "runoff adjoint", expected: 20, found: 3)) {
            try model.gradient(problem, runoffAdjoint: [1, 2, 3])
        }
    }
}
