/// Limited-memory BFGS with simple bounds on every variable (projected L-BFGS).
///
/// Variables at a bound whose gradient pushes outward are held fixed (the active set); the
/// two-loop recursion gives a quasi-Newton direction for the free ones, and a backtracking line
/// search along the projected path keeps every iterate feasible. This is the projected variant
/// of L-BFGS-B (it finds the active set by projection instead of the generalised Cauchy point),
/// which is what SMASH-style calibration with bounded raw parameters needs.
public struct BoundedLBFGS: Sendable, Codable {
    public var lower: [Double]
    public var upper: [Double]
    /// Pairs (s, y) kept for the inverse-Hessian approximation.
    public var memory = 10
    /// Stop when the projected gradient's largest component falls below this.
    public var gradientTolerance = 1e-8
    /// Stop when the relative decrease of the loss over an iteration falls below this.
    public var relativeTolerance = 1e-12
    public var maxLineSearchSteps = 30

    public init(lower: [Double], upper: [Double]) {
        precondition(lower.count == upper.count && zip(lower, upper).allSatisfy { $0 <= $1 }, "bounds must satisfy lower <= upper")
        self.lower = lower
        self.upper = upper
    }

    /// The state carried between iterations (stored in training checkpoints).
    public struct State: Sendable, Codable, Equatable {
        public var x: [Double]
        public var loss: Double
        public var gradient: [Double]
        var s: [[Double]] = []
        var y: [[Double]] = []
        public var iteration = 0
        public var evaluations = 1
        public var converged = false
    }

    /// Starts from `x0` (projected into the bounds) with its loss and gradient.
    public func start(at x0: [Double], evaluate: ([Double]) throws -> (loss: Double, gradient: [Double])) rethrows -> State {
        let x = project(x0)
        let (loss, gradient) = try evaluate(x)
        return State(x: x, loss: loss, gradient: gradient)
    }

    /// One iteration with an evaluation that always gives loss and gradient together (the
    /// gradient of a rejected trial point is thrown away).
    public func iterate(_ state: inout State, evaluate: ([Double]) throws -> (loss: Double, gradient: [Double])) rethrows {
        // The accepted point is always the last one evaluated, so its gradient is the last one seen.
        var lastGradient: [Double] = []
        try iterate(&state, loss: { x in
            let (loss, gradient) = try evaluate(x)
            lastGradient = gradient
            return loss
        }, gradientAtAccepted: { _ in lastGradient })
    }

    /// One iteration: direction, projected backtracking line search, memory update.
    ///
    /// The Armijo test needs only the loss at a trial point, so `loss` is called for every trial
    /// and `gradientAtAccepted` once, for the accepted point, which is always the point of the
    /// last `loss` call (so an objective that kept that forward run needs only its reverse sweep).
    /// The iterates are those of evaluating loss and gradient at every trial.
    public func iterate(_ state: inout State, loss evaluateLoss: ([Double]) throws -> Double,
                        gradientAtAccepted: ([Double]) throws -> [Double]) rethrows {
        guard !state.converged else { return }
        let free = freeVariables(state.x, state.gradient)
        if projectedGradientNorm(state.x, state.gradient) <= gradientTolerance {
            state.converged = true
            return
        }
        var direction = twoLoop(state.gradient.enumerated().map { free[$0.offset] ? $0.element : 0 }, state)
        for i in direction.indices where !free[i] { direction[i] = 0 }
        // Fall back to steepest descent if the quasi-Newton direction is not a descent direction.
        var slope = zip(direction, state.gradient).reduce(0) { $0 + $1.0 * $1.1 }
        if slope >= 0 {
            direction = state.gradient.enumerated().map { free[$0.offset] ? -$0.element : 0 }
            slope = zip(direction, state.gradient).reduce(0) { $0 + $1.0 * $1.1 }
        }
        // The first iteration has no curvature yet: scale the step to move at most 1 in any variable.
        var stepLength = state.s.isEmpty ? min(1, 1 / max(direction.map(abs).max() ?? 1, 1e-300)) : 1
        for _ in 0..<maxLineSearchSteps {
            let candidate = project(zip(state.x, direction).map { $0 + stepLength * $1 })
            let loss = try evaluateLoss(candidate)
            state.evaluations += 1
            let decrease = zip(candidate, state.x).enumerated().reduce(0.0) { $0 + ($1.element.0 - $1.element.1) * state.gradient[$1.offset] }
            // Armijo condition on the projected step.
            if loss.isFinite && loss <= state.loss + 1e-4 * decrease {
                let gradient = try gradientAtAccepted(candidate)
                let s = zip(candidate, state.x).map { $0 - $1 }
                let y = zip(gradient, state.gradient).map { $0 - $1 }
                // Keep the pair only with positive curvature, so H stays positive definite.
                if dot(s, y) > 1e-12 * dot(y, y) {
                    state.s.append(s)
                    state.y.append(y)
                    if state.s.count > memory { state.s.removeFirst(); state.y.removeFirst() }
                }
                let relative = (state.loss - loss) / max(abs(state.loss), 1e-300)
                state.x = candidate
                state.loss = loss
                state.gradient = gradient
                state.iteration += 1
                if relative < relativeTolerance { state.converged = true }
                return
            }
            stepLength *= 0.5
        }
        // No acceptable step: the point is (numerically) stationary on its face.
        state.converged = true
    }

    public func project(_ x: [Double]) -> [Double] {
        x.indices.map { min(max(x[$0], lower[$0]), upper[$0]) }
    }

    /// Largest component of the projected gradient (zero at an optimum of the bounded problem).
    public func projectedGradientNorm(_ x: [Double], _ g: [Double]) -> Double {
        x.indices.reduce(0) { maxSoFar, i in
            max(maxSoFar, abs(min(max(x[i] - g[i], lower[i]), upper[i]) - x[i]))
        }
    }

    private func freeVariables(_ x: [Double], _ g: [Double]) -> [Bool] {
        x.indices.map { i in
            !((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0))
        }
    }

    /// Two-loop recursion: returns -H g.
    private func twoLoop(_ g: [Double], _ state: State) -> [Double] {
        var q = g
        var alphas: [Double] = []
        for k in state.s.indices.reversed() {
            let rho = 1 / dot(state.y[k], state.s[k])
            let alpha = rho * dot(state.s[k], q)
            alphas.append(alpha)
            for i in q.indices { q[i] -= alpha * state.y[k][i] }
        }
        if let s = state.s.last, let y = state.y.last {
            let gamma = dot(s, y) / dot(y, y)
            for i in q.indices { q[i] *= gamma }
        }
        for (j, k) in state.s.indices.enumerated() {
            let rho = 1 / dot(state.y[k], state.s[k])
            let beta = rho * dot(state.y[k], q)
            let alpha = alphas[alphas.count - 1 - j]
            for i in q.indices { q[i] += (alpha - beta) * state.s[k][i] }
        }
        return q.map { -$0 }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
