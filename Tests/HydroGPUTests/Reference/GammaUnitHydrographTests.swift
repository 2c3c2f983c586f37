import Foundation
import HydroGPU
import Testing

struct GammaUnitHydrographTests {
    /// Weights from the gamma density written out independently (Foundation's tgamma, Double).
    func expectedWeights(a: Double, theta: Double, length: Int) -> [Double] {
        let raw = (0..<length).map { k -> Double in
            let t = Double(k) + 0.5
            return pow(t, a - 1) * exp(-t / theta) / (tgamma(a) * pow(theta, a))
        }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }

    @Test(arguments: [(0.0, 0.0), (0.9, 2.0), (2.5, 0.3), (1.7, 6.2)])
    func weightsAreTheNormalisedGammaDensity(routeA: Double, routeB: Double) {
        let uh = GammaUnitHydrograph<Double>(routeA: routeA, routeB: routeB, steps: 100)
        let expected = expectedWeights(a: routeA + 0.1, theta: routeB + 0.5, length: 15)
        #expect(uh.weights.count == 15)
        for k in 0..<15 { #expect(abs(uh.weights[k] - expected[k]) <= 1e-14) }
        #expect(abs(uh.weights.reduce(0, +) - 1) <= 1e-14)
    }

    @Test func exponentialCaseHasGeometricWeights() {
        // a = 1 (routeA = 0.9): w_k ∝ exp(-t_k/θ), so consecutive weights have ratio exp(-1/θ).
        let uh = GammaUnitHydrograph<Double>(routeA: 0.9, routeB: 1.5, steps: 30)
        for k in 0..<14 { #expect(abs(uh.weights[k + 1] / uh.weights[k] - exp(-1 / 2.0)) <= 1e-14) }
    }

    @Test func shortSeriesUsesAShorterHydrograph() {
        let uh = GammaUnitHydrograph<Double>(routeA: 1, routeB: 1, steps: 6)
        #expect(uh.weights.count == 6)
        let expected = expectedWeights(a: 1.1, theta: 1.5, length: 6)
        for k in 0..<6 { #expect(abs(uh.weights[k] - expected[k]) <= 1e-14) }
    }

    @Test func impulseReturnsTheWeightsWithZeroHistory() {
        let uh = GammaUnitHydrograph<Double>(routeA: 1.2, routeB: 2, steps: 40)
        var impulse = [Double](repeating: 0, count: 40)
        impulse[5] = 2
        let routed = uh.route(impulse)
        for t in 0..<40 {
            let k = t - 5
            #expect(routed[t] == (k >= 0 && k < 15 ? 2 * uh.weights[k] : 0))
        }
        // Constant input: the output ramps up over the first 15 steps (zero history), then is constant.
        let steady = uh.route([Double](repeating: 3, count: 40))
        #expect(abs(steady[0] - 3 * uh.weights[0]) <= 1e-15)
        for t in 14..<40 { #expect(abs(steady[t] - 3) <= 1e-13) }
    }

    @Test func adjointMatchesFiniteDifferences() {
        let steps = 50
        let input = (0..<steps).map { 1 + sin(Double($0) * 0.7) + 0.3 * cos(Double($0) * 2.3) }
        let weights = (0..<steps).map { 0.5 + 0.5 * sin(Double($0) * 1.9 + 0.3) }
        let (routeA, routeB) = (1.3, 2.1)
        func loss(_ a: Double, _ b: Double, _ x: [Double]) -> Double {
            zip(GammaUnitHydrograph<Double>(routeA: a, routeB: b, steps: steps).route(x), weights).map(*).reduce(0, +)
        }
        let uh = GammaUnitHydrograph<Double>(routeA: routeA, routeB: routeB, steps: steps)
        let g = uh.adjoint(input: input, routedAdjoint: weights)
        let h = 1e-5
        let fdA = (loss(routeA + h, routeB, input) - loss(routeA - h, routeB, input)) / (2 * h)
        let fdB = (loss(routeA, routeB + h, input) - loss(routeA, routeB - h, input)) / (2 * h)
        #expect(abs(g.routeA - fdA) <= 1e-6 * abs(fdA), "routeA \(g.routeA) vs \(fdA)")
        #expect(abs(g.routeB - fdB) <= 1e-6 * abs(fdB), "routeB \(g.routeB) vs \(fdB)")
        // The routing is linear in the input: the input adjoint is exact, check a few entries.
        for i in [0, 7, 30, 49] {
            var plus = input, minus = input
            plus[i] += 1e-3
            minus[i] -= 1e-3
            let fd = (loss(routeA, routeB, plus) - loss(routeA, routeB, minus)) / 2e-3
            #expect(abs(g.input[i] - fd) <= 1e-10 * max(abs(fd), 1), "input[\(i)]")
        }
    }

    @Test func rawChainAndManyCellsAgreeWithSingleSeries() {
        let steps = 30, cells = 3
        let runoff = (0..<(steps * cells)).map { 0.2 + abs(sin(Double($0) * 0.37)) }
        let adjointIn = (0..<(steps * cells)).map { cos(Double($0) * 0.11) }
        let routeA = [0.4, 1.9, 2.7], routeB = [0.8, 3.3, 6.0]
        let routed = GammaUnitHydrograph<Double>.route(runoff, steps: steps, cells: cells, routeA: routeA, routeB: routeB)
        let g = GammaUnitHydrograph<Double>.adjoint(runoff: runoff, routedAdjoint: adjointIn, steps: steps, cells: cells, routeA: routeA, routeB: routeB)
        for c in 0..<cells {
            let series = (0..<steps).map { runoff[$0 * cells + c] }
            let uh = GammaUnitHydrograph<Double>(routeA: routeA[c], routeB: routeB[c], steps: steps)
            let one = uh.route(series)
            let single = uh.adjoint(input: series, routedAdjoint: (0..<steps).map { adjointIn[$0 * cells + c] })
            for t in 0..<steps {
                #expect(routed[t * cells + c] == one[t])
                #expect(g.runoff[t * cells + c] == single.input[t])
            }
            #expect(g.routeA[c] == single.routeA && g.routeB[c] == single.routeB)
        }
        // Raw parameterisation: physical = 2.9 * sigmoid(raw); its derivative against a difference.
        let raw = 0.37, h = 1e-6
        let bounds = GammaUnitHydrograph<Double>.routeABounds
        let fd = (GammaUnitHydrograph<Double>.physical(raw: raw + h, bounds) - GammaUnitHydrograph<Double>.physical(raw: raw - h, bounds)) / (2 * h)
        #expect(abs(GammaUnitHydrograph<Double>.physicalDerivative(raw: raw, bounds) - fd) <= 1e-9)
        #expect(GammaUnitHydrograph<Double>(rawA: raw, rawB: -1, steps: 20).routeA == 2.9 / (1 + exp(-raw)))
    }
}

struct RootMeanSquareErrorTests {
    @Test func valueMasksMissingObservations() {
        let (value, gradient) = RootMeanSquareError.evaluate(simulated: [1, 2, 3, 9], observed: [1, 2, 5, .nan])
        #expect(abs(value - (4.0 / 3).squareRoot()) <= 1e-15)
        #expect(gradient[3] == 0)
    }

    @Test func gradientMatchesFiniteDifferences() {
        let sim = [0.3, 1.7, 2.2, 0.9, 4.1], obs = [0.5, 1.0, .nan, 1.4, 3.0]
        let (_, gradient) = RootMeanSquareError.evaluate(simulated: sim, observed: obs)
        for i in sim.indices {
            var plus = sim, minus = sim
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let fd = (RootMeanSquareError.evaluate(simulated: plus, observed: obs).value
                - RootMeanSquareError.evaluate(simulated: minus, observed: obs).value) / 2e-6
            #expect(abs(gradient[i] - fd) <= 1e-8, "entry \(i)")
        }
    }
}
