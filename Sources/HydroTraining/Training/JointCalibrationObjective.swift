import Foundation
import HydroRegionalisation

/// Several catchments calibrated at once, their network-fed parameters coming from one
/// regionalisation network (docs/REGIONALISATION.md, "Several catchments").
///
/// Free vector: each case's own free values in case order (its uniform, zoned and distributed
/// parameters, the exchange factor among them, and velocity, i.e. its `TrainingSetup` free vector without the
/// network block), then the shared network weights once. Case `k` sees
/// `own_k ++ weights`, the layout its `CalibrationObjective` expects.
///
/// Cost: `sum_k w_k L_k` with the case weights normalised to sum 1, each `L_k` the case's own
/// cost (its gauges, gauge weights and regularisation). Gradient: each case's own block is
/// `w_k dL_k/d own_k`; the network block is `sum_k w_k dL_k/d weights`, added in case order so
/// training repeats bit for bit.
public struct JointCalibrationObjective {
    /// One objective per case; each case's `setup.network` has the shared layout (its weights
    /// are replaced by the joint free vector's at every evaluation).
    public var cases: [CalibrationObjective]
    /// Case weights, normalised to sum 1.
    public var caseWeights: [Double]
    /// Fitted on all cases' active cells together; applied to each case's descriptors.
    public var normalisation: DescriptorNormalisation
    public var runName: String

    /// Number of each case's own free values (its free vector without the network weights).
    public var ownCounts: [Int] { cases.map { $0.setup.freeCount - weightCount } }
    public var weightCount: Int { cases[0].setup.network!.weightCount }
    public var freeCount: Int { ownCounts.reduce(0, +) + weightCount }

    /// Joins case objectives that already share one network layout and one normalisation
    /// (`JointCalibrationObjective.from` builds them from a `MultiCaseConfig`).
    /// `caseWeights` are normalised here; their sum must be positive.
    public init(runName: String, cases: [CalibrationObjective], caseWeights: [Double], normalisation: DescriptorNormalisation) throws(TrainingSetupError) {
        guard !cases.isEmpty, cases.count == caseWeights.count else { throw TrainingSetupError("a joint objective needs one weight per case and at least one case") }
        guard let first = cases[0].setup.network else { throw TrainingSetupError("case '\(cases[0].data.caseName)' has no network-fed parameter") }
        for c in cases {
            guard let n = c.setup.network, n.layerSizes == first.layerSizes, n.activation == first.activation else {
                throw TrainingSetupError("case '\(c.data.caseName)' does not share the network of case '\(cases[0].data.caseName)'")
            }
        }
        let total = caseWeights.reduce(0, +)
        guard total > 0, caseWeights.allSatisfy({ $0 >= 0 && $0.isFinite }) else { throw TrainingSetupError("case weights must be non-negative with a positive sum") }
        self.runName = runName
        self.cases = cases
        self.caseWeights = caseWeights.map { $0 / total }
        self.normalisation = normalisation
    }

    /// Where case `k`'s own block starts in the joint free vector.
    public func ownOffset(_ k: Int) -> Int { ownCounts.prefix(k).reduce(0, +) }
    public var networkOffset: Int { freeCount - weightCount }

    /// Case `k`'s free vector (its own block, then the shared weights).
    public func caseFree(_ x: [Double], case k: Int) -> [Double] {
        let start = ownOffset(k)
        return Array(x[start..<start + ownCounts[k]]) + Array(x[networkOffset...])
    }

    /// The shared network with the weights of joint free vector `x`.
    public func network(_ x: [Double]) -> MultilayerPerceptron {
        var n = cases[0].setup.network!
        n.weights = Array(x[networkOffset...])
        return n
    }

    public func initialFreeValues() -> [Double] {
        var x: [Double] = []
        for c in cases { x += c.setup.initialFreeValues().prefix(c.setup.freeCount - weightCount) }
        return x + cases[0].setup.network!.weights
    }

    /// One evaluation of every case with the same weights.
    public struct Evaluation: TrainableEvaluation, Sendable {
        public var loss: Double
        public var gradient: [Double]?
        /// Each case's own evaluation (its loss unweighted, its gradient over its own free vector).
        public var cases: [CalibrationObjective.Evaluation]
        public var nse: [Double?] { cases.flatMap(\.nse) }
    }

    /// Runs every case over steps `0..<steps` (default: each to the end of its calibration window).
    ///
    /// With `gradient`, each case whose last evaluation was a `lossEvaluation` at the same point
    /// reuses that forward run (`CalibrationObjective.evaluate`).
    public func evaluate(_ x: [Double], gradient wantsGradient: Bool, steps: [Int]? = nil) throws -> Evaluation {
        try evaluate(x, gradient: wantsGradient, lossOnlyKeepingForward: false, steps: steps)
    }

    /// The joint cost at `x` without its gradient, each case keeping its forward run for a
    /// following gradient at the same point (`CalibrationObjective.lossEvaluation`).
    public func lossEvaluation(_ x: [Double]) throws -> Evaluation {
        try evaluate(x, gradient: false, lossOnlyKeepingForward: true, steps: nil)
    }

    private func evaluate(_ x: [Double], gradient wantsGradient: Bool, lossOnlyKeepingForward: Bool, steps: [Int]?) throws -> Evaluation {
        precondition(x.count == freeCount, "free vector has \(x.count) values, expected \(freeCount)")
        var loss = 0.0
        var gradient = wantsGradient ? [Double](repeating: 0, count: freeCount) : nil
        var evaluations: [CalibrationObjective.Evaluation] = []
        for (k, objective) in cases.enumerated() {
            let e = lossOnlyKeepingForward ? try objective.lossEvaluation(caseFree(x, case: k))
                : try objective.evaluate(caseFree(x, case: k), gradient: wantsGradient, steps: steps?[k])
            let w = caseWeights[k]
            loss += w * e.loss
            if let g = e.gradient {
                let start = ownOffset(k)
                for i in 0..<ownCounts[k] { gradient![start + i] = w * g[i] }
                for i in 0..<weightCount { gradient![networkOffset + i] += w * g[ownCounts[k] + i] }
            }
            evaluations.append(e)
        }
        return Evaluation(loss: loss, gradient: gradient, cases: evaluations)
    }

    /// Which case and free value index `index` of the joint vector is, or "network weight i".
    public func describe(index: Int) -> String {
        if index >= networkOffset { return "shared network weight \(index - networkOffset)" }
        for k in cases.indices where index < ownOffset(k) + ownCounts[k] {
            return "case \(cases[k].data.caseName): \(cases[k].setup.describe(index: index - ownOffset(k)))"
        }
        return "free value \(index)"
    }

    /// Names of the calibrated quantities, each case's prefixed by its name, the network last.
    public var freeParameterNames: [String] {
        var names: [String] = []
        for c in cases { names += c.setup.freeParameterNames.filter { !$0.hasPrefix("network(") }.map { "\(c.data.caseName):\($0)" } }
        let n = cases[0].setup
        return names + ["network(\(n.space.networkParameters.map(\.name).joined(separator: ",")); \(weightCount) weights)"]
    }

    /// Gauge labels `case/gauge`, in the order of `Evaluation.nse`.
    public var gaugeLabels: [String] { cases.flatMap { c in c.data.gauges.map { "\(c.data.caseName)/\($0.id)" } } }
}

extension JointCalibrationObjective: TrainableObjective {
    public func trainingEvaluation(_ x: [Double]) throws -> Evaluation { try evaluate(x, gradient: true) }

    public func nonFiniteInputs(_ e: Evaluation) -> [String] {
        zip(cases, e.cases).flatMap { c, ce in c.nonFiniteInputs(ce).map { "case \(c.data.caseName): \($0)" } }
    }

    public func injectingNaNIntoForcing() -> JointCalibrationObjective {
        var copy = self
        copy.cases[0] = cases[0].injectingNaNIntoForcing()
        return copy
    }
}
