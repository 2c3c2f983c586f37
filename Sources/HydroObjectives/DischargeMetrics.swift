/// Goodness-of-fit metrics of simulated against observed discharge (MODEL.md 6).
///
/// Missing observations (NaN) are masked: the pair is dropped, never treated as zero.
/// FHV, FLV and the peak/low-flow RMSEs follow δHBV (hydroDL): each series is sorted on its
/// own (flow-duration curves), the top 2 % or bottom 30 % of ranks are compared.
public struct DischargeMetrics: Sendable, Equatable, Codable {
    /// Pairs with an observation.
    public var count: Int
    public var nse: Double
    /// Kling-Gupta efficiency, 2009 (variability as the ratio of standard deviations).
    public var kge: Double
    /// Kling-Gupta efficiency, 2012 (variability as the ratio of coefficients of variation).
    public var kge2012: Double
    public var rmse: Double
    /// Mean of sim - obs.
    public var bias: Double
    /// Pearson correlation.
    public var correlation: Double
    /// Volume difference, % of observed volume.
    public var volumeDifference: Double
    /// High-flow volume bias of the top 2 % of the flow-duration curve, %.
    public var fhv: Double
    /// Low-flow volume bias of the bottom 30 %, %.
    public var flv: Double
    /// RMSE over the top 2 % of the sorted series.
    public var peakFlowRMSE: Double
    /// RMSE over the bottom 30 % of the sorted series.
    public var lowFlowRMSE: Double

    /// Metrics of `simulated` against `observed`; pairs with a NaN observation are skipped.
    /// Returns `nil` when fewer than two observations remain.
    public init?(simulated: [Double], observed: [Double]) {
        precondition(simulated.count == observed.count, "simulated and observed differ in length")
        var sim: [Double] = [], obs: [Double] = []
        for (s, o) in zip(simulated, observed) where !o.isNaN {
            sim.append(s)
            obs.append(o)
        }
        guard sim.count >= 2 else { return nil }
        let moments = PairMoments(sim, obs)
        count = sim.count
        nse = 1 - moments.sumSquaredError / moments.obsSumSquaredDeviation
        rmse = (moments.sumSquaredError / Double(count)).squareRoot()
        bias = moments.simMean - moments.obsMean
        correlation = moments.correlation
        let beta = moments.simMean / moments.obsMean
        let alpha = moments.simStd / moments.obsStd
        let gamma = alpha / beta
        kge = 1 - ((correlation - 1) * (correlation - 1) + (alpha - 1) * (alpha - 1) + (beta - 1) * (beta - 1)).squareRoot()
        kge2012 = 1 - ((correlation - 1) * (correlation - 1) + (gamma - 1) * (gamma - 1) + (beta - 1) * (beta - 1)).squareRoot()
        volumeDifference = (sim.reduce(0, +) - obs.reduce(0, +)) / obs.reduce(0, +) * 100

        let simSorted = sim.sorted(by: >), obsSorted = obs.sorted(by: >)
        let high = 0..<max(1, Int((0.02 * Double(count)).rounded()))
        let low = Int((0.7 * Double(count)).rounded())..<count
        func volumeBias(_ ranks: Range<Int>) -> Double {
            let s = ranks.reduce(0.0) { $0 + simSorted[$1] }, o = ranks.reduce(0.0) { $0 + obsSorted[$1] }
            return (s - o) / (o + 1e-4) * 100
        }
        func rankRMSE(_ ranks: Range<Int>) -> Double {
            let sse = ranks.reduce(0.0) { $0 + (simSorted[$1] - obsSorted[$1]) * (simSorted[$1] - obsSorted[$1]) }
            return (sse / Double(ranks.count)).squareRoot()
        }
        fhv = volumeBias(high)
        flv = volumeBias(low)
        peakFlowRMSE = rankRMSE(high)
        lowFlowRMSE = rankRMSE(low)
    }
}

/// Means, deviations and errors of paired series, accumulated in one pass.
struct PairMoments {
    var simMean = 0.0, obsMean = 0.0
    var simStd = 0.0, obsStd = 0.0
    var covariance = 0.0
    var sumSquaredError = 0.0
    var obsSumSquaredDeviation = 0.0
    var correlation: Double { covariance / (simStd * obsStd) }

    init(_ sim: [Double], _ obs: [Double]) {
        let n = Double(sim.count)
        simMean = sim.reduce(0, +) / n
        obsMean = obs.reduce(0, +) / n
        var ss = 0.0, oo = 0.0, so = 0.0
        for (s, o) in zip(sim, obs) {
            let ds = s - simMean, dobs = o - obsMean
            ss += ds * ds
            oo += dobs * dobs
            so += ds * dobs
            sumSquaredError += (s - o) * (s - o)
        }
        obsSumSquaredDeviation = oo
        // Population standard deviations (the n-1 factors cancel in every ratio used here).
        simStd = (ss / n).squareRoot()
        obsStd = (oo / n).squareRoot()
        covariance = so / n
    }
}
