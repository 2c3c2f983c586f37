import HydroGPU
import Testing

struct OptimizerTests {
    /// Rosenbrock function, minimum 0 at (1, 1).
    func rosenbrock(_ x: [Double]) -> (loss: Double, gradient: [Double]) {
        let a = 1 - x[0], b = x[1] - x[0] * x[0]
        return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
    }

    @Test func boundedLBFGSFindsTheUnconstrainedRosenbrockMinimum() {
        let optimizer = BoundedLBFGS(lower: [-5, -5], upper: [5, 5])
        var state = optimizer.start(at: [-1.2, 1], evaluate: rosenbrock)
        for _ in 0..<200 where !state.converged { optimizer.iterate(&state, evaluate: rosenbrock) }
        #expect(abs(state.x[0] - 1) < 1e-5 && abs(state.x[1] - 1) < 1e-5, "\(state.x)")
    }

    @Test func boundedLBFGSStopsOnAnActiveBound() {
        // With x0 <= 0.5 the constrained minimum of Rosenbrock is at x0 = 0.5, x1 = 0.25
        // (on the bound, x1 = x0² minimises the second term and the first pushes x0 up).
        let optimizer = BoundedLBFGS(lower: [-5, -5], upper: [0.5, 5])
        var state = optimizer.start(at: [-1.2, 1], evaluate: rosenbrock)
        for _ in 0..<200 where !state.converged { optimizer.iterate(&state, evaluate: rosenbrock) }
        #expect(state.x[0] == 0.5)
        #expect(abs(state.x[1] - 0.25) < 1e-6, "\(state.x)")
        // Stopped by the relative-decrease test (1e-12 of a loss of 0.25): gradient ~1e-5.
        #expect(optimizer.projectedGradientNorm(state.x, state.gradient) < 1e-5)
    }

    @Test func adamAndAdaDeltaDescendAQuadratic() {
        // f = sum (x_i - c_i)^2 with different curvatures; both must approach c.
        let c: [Double] = [3, -2, 0.5]
        func gradient(_ x: [Double]) -> [Double] { x.indices.map { 2 * Double($0 + 1) * (x[$0] - c[$0]) } }
        var adam = Adam(schedule: .stepDecay(initial: 0.1, factor: 0.5, every: 400))
        var x = [Double](repeating: 0, count: 3)
        for _ in 0..<2000 { adam.step(&x, gradient: gradient(x)) }
        for i in c.indices { #expect(abs(x[i] - c[i]) < 1e-3, "adam \(x)") }
        var adadelta = AdaDelta()
        var z = [Double](repeating: 0, count: 3)
        for _ in 0..<20000 { adadelta.step(&z, gradient: gradient(z)) }
        for i in c.indices { #expect(abs(z[i] - c[i]) < 1e-2, "adadelta \(z)") }
    }

    @Test func firstAdamStepHasLengthOfTheLearningRate() {
        // With bias correction, the first update is -lr * g / (|g| + eps) per component.
        var adam = Adam(schedule: .constant(0.01))
        var x: [Double] = [1, 1]
        adam.step(&x, gradient: [4, -0.5])
        #expect(abs(x[0] - 0.99) < 1e-9 && abs(x[1] - 1.01) < 1e-9)
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.stepDecay(initial: 1, factor: 0.1, every: 10).rate(at: 25) == 1 * 0.1 * 0.1)
        #expect(abs(LearningRateSchedule.cosine(initial: 1, final: 0, iterations: 100).rate(at: 50) - 0.5) < 1e-12)
    }
}
