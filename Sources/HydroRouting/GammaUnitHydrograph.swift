import RealModule
import HydroModel

/// δHBV's gamma unit hydrograph (MODEL.md 4.2) for lumped mode: a cell's runoff series is
/// convolved with gamma-shaped weights, zero history before the first step.
///
/// With physical `routeA` in [0, 2.9] and `routeB` in [0, 6.5] (from raw by sigmoid to bounds),
/// `a = relu(routeA) + 0.1`, `θ = relu(routeB) + 0.5`, and for lag k = 0..<L, `t_k = k + 0.5`,
/// `L = min(steps, 15)`:
///
///     w_k = t_k^(a-1) exp(-t_k/θ) / (Γ(a) θ^a),  normalised to sum 1
///     routed[t] = Σ_{k=0}^{min(t, L-1)} w_k input[t-k]
///
/// The forward follows torch's float32 order (`(1/denom * mid) * right`, `denom = exp(lgamma(a)) * θ^a`).
/// Because of the normalisation the Γ(a)θ^a factor cancels, so the adjoint is
/// `dw_k/da = w_k (ln t_k - Σ_j w_j ln t_j)` and `dw_k/dθ = w_k (t_k - Σ_j w_j t_j) / θ²`.
public struct GammaUnitHydrograph<Real: Real_>: Sendable, Equatable {
    /// Longest unit hydrograph (δHBV's lenF = 15).
    public static var maximumLength: Int { 15 }
    public static var routeABounds: (lower: Double, upper: Double) { (0, 2.9) }
    public static var routeBBounds: (lower: Double, upper: Double) { (0, 6.5) }

    /// Physical routing parameters.
    public let routeA: Real
    public let routeB: Real
    /// Normalised weights `w_k`, k = lag in steps.
    public let weights: [Real]

    /// Weights for physical `routeA`, `routeB` and a series of `steps` steps.
    public init(routeA: Real, routeB: Real, steps: Int) {
        self.routeA = routeA
        self.routeB = routeB
        let length = Swift.max(0, Swift.min(steps, Self.maximumLength))
        let a = Swift.max(routeA, 0) + Real(0.1)
        let theta = Swift.max(routeB, 0) + Real(0.5)
        let denominator = Real.exp(Real.logGamma(a)) * Real.pow(theta, a)
        var w = [Real](repeating: 0, count: length)
        var sum: Real = 0
        for k in 0..<length {
            let t = Real(k) + Real(0.5)
            w[k] = 1 / denominator * Real.pow(t, a - 1) * Real.exp(-t / theta)
            sum += w[k]
        }
        for k in 0..<length { w[k] /= sum }
        weights = w
    }

    /// Weights from raw (unbounded) values: physical = lo + (hi - lo) * sigmoid(raw), float order `u*(hi-lo) + lo`.
    public init(rawA: Real, rawB: Real, steps: Int) {
        self.init(routeA: Self.physical(raw: rawA, Self.routeABounds), routeB: Self.physical(raw: rawB, Self.routeBBounds), steps: steps)
    }

    @inlinable
    public static func physical(raw: Real, _ bounds: (lower: Double, upper: Double)) -> Real {
        ParameterTransform.sigmoid(raw) * Real(bounds.upper - bounds.lower) + Real(bounds.lower)
    }

    /// d physical / d raw for the bounds.
    @inlinable
    public static func physicalDerivative(raw: Real, _ bounds: (lower: Double, upper: Double)) -> Real {
        let u = ParameterTransform.sigmoid(raw)
        return Real(bounds.upper - bounds.lower) * u * (1 - u)
    }

    /// Routes one series read with stride `stride` (time-major arrays: stride = cells) into `output`.
    public func route(_ input: UnsafePointer<Real>, stride: Int, steps: Int, into output: UnsafeMutablePointer<Real>) {
        let length = weights.count
        guard length > 0 else {
            for t in 0..<steps { output[t * stride] = 0 }
            return
        }
        weights.withUnsafeBufferPointer { w in
            for t in 0..<steps {
                var s: Real = 0
                for k in 0...Swift.min(t, length - 1) {
                    s += w[k] * input[(t - k) * stride]
                }
                output[t * stride] = s
            }
        }
    }

    /// Routes one contiguous series.
    public func route(_ series: [Real]) -> [Real] {
        var out = [Real](repeating: 0, count: series.count)
        series.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in
            route(i.baseAddress!, stride: 1, steps: series.count, into: o.baseAddress!)
        }}
        return out
    }

    /// Adjoint of `route`: given the input series and dL/d(routed), adds dL/d(input) into
    /// `inputAdjoint` and returns dL/d(physical routeA, routeB).
    public func adjoint(input: UnsafePointer<Real>, routedAdjoint: UnsafePointer<Real>, stride: Int, steps: Int,
                        addingInto inputAdjoint: UnsafeMutablePointer<Real>) -> (routeA: Real, routeB: Real) {
        let length = weights.count
        guard length > 0 else { return (0, 0) }
        var gWeights = [Real](repeating: 0, count: length)
        weights.withUnsafeBufferPointer { w in
            for t in 0..<steps {
                let g = routedAdjoint[t * stride]
                for k in 0...Swift.min(t, length - 1) {
                    inputAdjoint[(t - k) * stride] += w[k] * g
                    gWeights[k] += g * input[(t - k) * stride]
                }
            }
        }
        // Through the normalised gamma weights.
        let theta = Swift.max(routeB, 0) + Real(0.5)
        var meanLog: Real = 0, meanT: Real = 0
        for k in 0..<length {
            let t = Real(k) + Real(0.5)
            meanLog += weights[k] * Real.log(t)
            meanT += weights[k] * t
        }
        var gA: Real = 0, gTheta: Real = 0
        for k in 0..<length {
            let t = Real(k) + Real(0.5)
            gA += gWeights[k] * weights[k] * (Real.log(t) - meanLog)
            gTheta += gWeights[k] * weights[k] * (t - meanT)
        }
        gTheta /= theta * theta
        // relu: gradient only where the argument is positive.
        return (routeA > 0 ? gA : 0, routeB > 0 ? gTheta : 0)
    }

    /// Adjoint of `route(_:)` on one contiguous series.
    public func adjoint(input: [Real], routedAdjoint: [Real]) -> (input: [Real], routeA: Real, routeB: Real) {
        precondition(input.count == routedAdjoint.count)
        var gInput = [Real](repeating: 0, count: input.count)
        let g = input.withUnsafeBufferPointer { i in routedAdjoint.withUnsafeBufferPointer { r in gInput.withUnsafeMutableBufferPointer { o in
            adjoint(input: i.baseAddress!, routedAdjoint: r.baseAddress!, stride: 1, steps: input.count, addingInto: o.baseAddress!)
        }}}
        return (gInput, g.routeA, g.routeB)
    }

    // MARK: - Time-major `[steps][cells]` series, one hydrograph per cell

    /// Routes every cell's series with its own `routeA[cell]`, `routeB[cell]` (physical).
    public static func route(_ runoff: [Real], steps: Int, cells: Int, routeA: [Real], routeB: [Real]) -> [Real] {
        precondition(runoff.count == steps * cells && routeA.count == cells && routeB.count == cells)
        var out = [Real](repeating: 0, count: steps * cells)
        runoff.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in
            for c in 0..<cells {
                GammaUnitHydrograph(routeA: routeA[c], routeB: routeB[c], steps: steps)
                    .route(i.baseAddress! + c, stride: cells, steps: steps, into: o.baseAddress! + c)
            }
        }}
        return out
    }

    /// Adjoint of `route(_:steps:cells:routeA:routeB:)`: dL/d(runoff) and dL/d(physical routeA, routeB) per cell.
    public static func adjoint(runoff: [Real], routedAdjoint: [Real], steps: Int, cells: Int, routeA: [Real], routeB: [Real])
        -> (runoff: [Real], routeA: [Real], routeB: [Real]) {
        precondition(runoff.count == steps * cells && routedAdjoint.count == steps * cells && routeA.count == cells && routeB.count == cells)
        var gRunoff = [Real](repeating: 0, count: steps * cells)
        var gA = [Real](repeating: 0, count: cells), gB = [Real](repeating: 0, count: cells)
        runoff.withUnsafeBufferPointer { i in routedAdjoint.withUnsafeBufferPointer { r in gRunoff.withUnsafeMutableBufferPointer { o in
            for c in 0..<cells {
                let g = GammaUnitHydrograph(routeA: routeA[c], routeB: routeB[c], steps: steps)
                    .adjoint(input: i.baseAddress! + c, routedAdjoint: r.baseAddress! + c, stride: cells, steps: steps,
                             addingInto: o.baseAddress! + c)
                gA[c] = g.routeA
                gB[c] = g.routeB
            }
        }}}
        return (gRunoff, gA, gB)
    }
}
