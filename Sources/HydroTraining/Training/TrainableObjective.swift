import Foundation

/// What `Trainer` needs from a cost: a free vector, the cost and its gradient, and words for
/// the places a non-finite value can come from. `CalibrationObjective` (one case) and
/// `JointCalibrationObjective` (several cases sharing a regionalisation network) both
/// conform, so L-BFGS/Adam, checkpoints, `--resume` and the NaN diagnosis exist once.
public protocol TrainableObjective {
    associatedtype Evaluation: TrainableEvaluation
    /// Name stored in checkpoints (the case, or the multi-case run).
    var runName: String { get }
    var freeCount: Int { get }
    func initialFreeValues() -> [Double]
    /// Names of the calibrated quantities, stored in checkpoints.
    var freeParameterNames: [String] { get }
    /// One training evaluation: cost and gradient over the calibration window.
    func trainingEvaluation(_ x: [Double]) throws -> Evaluation
    /// The cost alone (gradient nil) over the calibration window, for line-search trial points;
    /// a `trainingEvaluation` at the same `x` right after it may reuse its forward run. The
    /// default is `trainingEvaluation` (for objectives without a cheaper loss).
    func lossEvaluation(_ x: [Double]) throws -> Evaluation
    /// What free value `index` is (parameter, cell, case), for messages.
    func describe(index: Int) -> String
    /// Where non-finite simulated discharge or forcing first appears, one clause per finding.
    func nonFiniteInputs(_ evaluation: Evaluation) -> [String]
    /// Test hook: the same objective with the precipitation of the first cell at step 1 NaN
    /// (in the first case of a joint objective).
    func injectingNaNIntoForcing() -> Self
}

extension TrainableObjective {
    public func lossEvaluation(_ x: [Double]) throws -> Evaluation { try trainingEvaluation(x) }
}

/// What `Trainer` reads from an evaluation.
public protocol TrainableEvaluation {
    var loss: Double { get }
    var gradient: [Double]? { get }
    /// NSE per gauge over the calibration steps (nil without observations), in the order of
    /// the objective's gauges (all cases' gauges one case after another for a joint objective).
    var nse: [Double?] { get }
}

extension CalibrationObjective.Evaluation: TrainableEvaluation {}

extension CalibrationObjective: TrainableObjective {
    public var runName: String { data.caseName }
    public var freeCount: Int { setup.freeCount }
    public func initialFreeValues() -> [Double] { setup.initialFreeValues() }
    public var freeParameterNames: [String] { setup.freeParameterNames }
    public func trainingEvaluation(_ x: [Double]) throws -> Evaluation { try evaluate(x, gradient: true) }
    // lossEvaluation(_:) is CalibrationObjective's own: it keeps the forward run for the gradient.
    public func describe(index: Int) -> String { setup.describe(index: index) }

    public func nonFiniteInputs(_ e: Evaluation) -> [String] {
        var parts: [String] = []
        for (g, q) in e.discharge.enumerated() {
            if let t = q.firstIndex(where: { !$0.isFinite }) {
                parts.append("discharge at gauge \(data.gauges[g].id) first non-finite at step \(t) (\(data.time.stepStart(t)))")
                break
            }
        }
        let f = data.forcing
        for (name, values) in [("precipitation", f.precipitation), ("temperature", f.temperature), ("pet", f.pet)] {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                let t = i / f.cells, c = i % f.cells
                let flat = data.grid.activeCells[c]
                parts.append("forcing \(name) is \(values[i]) at step \(t) (\(data.time.stepStart(t))), cell \(c) (row \(flat / data.grid.columns), column \(flat % data.grid.columns))")
            }
        }
        return parts
    }

    public func injectingNaNIntoForcing() -> CalibrationObjective {
        var copy = self
        copy.data.forcing.precipitation[data.cells + 0] = .nan
        return copy
    }
}
