import RealModule

/// The objectives training minimises (MODEL.md 6), each with its exact adjoint dL/dsim.
///
/// Observations that are NaN are masked (they contribute nothing to loss or gradient).
public enum DischargeLoss: String, CaseIterable, Sendable, Codable {
    /// Root mean squared error.
    case rmse
    /// 1 - Nash-Sutcliffe efficiency.
    case oneMinusNSE = "nse"
    /// 1 - Kling-Gupta efficiency (2009).
    case oneMinusKGE = "kge"
    /// δHBV's (1-a) RMSE(Q) + a RMSE(log10(sqrt(Q + 1e-6) + 0.1)), a = 0.25, negative Q
    /// clamped at 0 inside the log term.
    case rmseLogCombination = "rmse-log"

    /// Loss value and its gradient with respect to each simulated value (0 where masked).
    public func evaluate(simulated: [Double], observed: [Double]) -> (loss: Double, gradient: [Double]) {
        precondition(simulated.count == observed.count, "simulated and observed differ in length")
        switch self {
        case .rmse: return Self.rmse(simulated, observed)
        case .oneMinusNSE: return Self.oneMinusNSE(simulated, observed)
        case .oneMinusKGE: return Self.oneMinusKGE(simulated, observed)
        case .rmseLogCombination:
            let a = 0.25, beta = 1e-6
            func transform(_ q: Double) -> Double { Double.log10((max(q, 0) + beta).squareRoot() + 0.1) }
            func transformDerivative(_ q: Double) -> Double {
                guard q > 0 else { return 0 }
                let r = (q + beta).squareRoot()
                return 1 / ((r + 0.1) * Double.log(10)) / (2 * r)
            }
            let plain = Self.rmse(simulated, observed)
            let logged = Self.rmse(simulated.map(transform), observed.map { $0.isNaN ? .nan : transform($0) })
            let gradient = simulated.indices.map { i in
                (1 - a) * plain.gradient[i] + a * logged.gradient[i] * transformDerivative(simulated[i])
            }
            return ((1 - a) * plain.loss + a * logged.loss, gradient)
        }
    }

    private static func rmse(_ sim: [Double], _ obs: [Double]) -> (loss: Double, gradient: [Double]) {
        var sse = 0.0, n = 0
        for (s, o) in zip(sim, obs) where !o.isNaN { sse += (s - o) * (s - o); n += 1 }
        guard n > 0, sse > 0 else { return (0, [Double](repeating: 0, count: sim.count)) }
        let loss = (sse / Double(n)).squareRoot()
        // d sqrt(sse/n) / d s_i = (s_i - o_i) / (n * loss)
        let gradient = zip(sim, obs).map { s, o in o.isNaN ? 0 : (s - o) / (Double(n) * loss) }
        return (loss, gradient)
    }

    private static func oneMinusNSE(_ sim: [Double], _ obs: [Double]) -> (loss: Double, gradient: [Double]) {
        let valid = obs.filter { !$0.isNaN }
        let mean = valid.reduce(0, +) / Double(valid.count)
        let denominator = valid.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        var sse = 0.0
        for (s, o) in zip(sim, obs) where !o.isNaN { sse += (s - o) * (s - o) }
        let gradient = zip(sim, obs).map { s, o in o.isNaN ? 0 : 2 * (s - o) / denominator }
        return (sse / denominator, gradient)
    }

    /// 1 - KGE = ED = sqrt((r-1)² + (α-1)² + (β-1)²) with population moments.
    private static func oneMinusKGE(_ sim: [Double], _ obs: [Double]) -> (loss: Double, gradient: [Double]) {
        let mask = obs.map { !$0.isNaN }
        let s = zip(sim, mask).compactMap { $1 ? $0 : nil }, o = obs.filter { !$0.isNaN }
        let m = PairMoments(s, o)
        let n = Double(s.count)
        let r = m.correlation, alpha = m.simStd / m.obsStd, beta = m.simMean / m.obsMean
        let ed = ((r - 1) * (r - 1) + (alpha - 1) * (alpha - 1) + (beta - 1) * (beta - 1)).squareRoot()
        // Derivatives of the moments with respect to s_i:
        //   d mean_s = 1/n;  d std_s = (s_i - mean_s) / (n std_s);  d cov = (o_i - mean_o) / n
        //   r = cov / (std_s std_o)  =>  d r = d cov / (std_s std_o) - r d std_s / std_s
        var gradient = [Double](repeating: 0, count: sim.count)
        var k = 0
        for i in sim.indices where mask[i] {
            let dStd = (s[k] - m.simMean) / (n * m.simStd)
            let dCov = (o[k] - m.obsMean) / n
            let dr = dCov / (m.simStd * m.obsStd) - r * dStd / m.simStd
            let dAlpha = dStd / m.obsStd
            let dBeta = 1 / (n * m.obsMean)
            gradient[i] = ed > 0 ? ((r - 1) * dr + (alpha - 1) * dAlpha + (beta - 1) * dBeta) / ed : 0
            k += 1
        }
        return (ed, gradient)
    }
}
