import Foundation
import HydroDomain
import HydroIO

/// What a calibration fits, checked before it starts: a run whose loss has no observation to
/// compare with would report "loss 0 (converged)" and succeed without having fitted anything.
///
/// Errors (the run is refused):
/// - a gauge id in `training.gauge_weights` that is not one of the case's gauges;
/// - every gauge with observations weighted 0;
/// - no observed value of a weighted gauge inside the run's time axis;
/// - none inside the calibration window (warm-up excluded);
/// - calibration and validation periods sharing steps (validation on calibration data says
///   nothing about the model).
///
/// Warnings (the run goes on, and says so): no `periods.calibration` (the loss then counts every
/// step after the warm-up, and nothing is left for validation).
public enum CalibrationTargets {
    public static func check(_ data: CalibrationData, config: CaseConfig) throws(InputError) -> [String] {
        let file = config.file.path
        let weights = config.training.gaugeWeights
        let ids = data.gauges.map(\.id)
        for id in weights.keys.sorted() where !ids.contains(id) {
            throw InputError(file: file, line: config.training.gaugeWeightLines[id], place: "key 'training.gauge_weights.\(id)'",
                             message: "no gauge '\(id)' in this case (gauges: \(ids.joined(separator: ", ")))")
        }
        let observedGauges = data.gauges.filter { $0.observed != nil }
        let weighted = observedGauges.filter { (weights[$0.id] ?? 1) > 0 }
        guard !weighted.isEmpty else {
            throw InputError(file: file, line: config.training.gaugeWeightLines.values.min(), place: "key 'training.gauge_weights'",
                             message: "every gauge with observations (\(observedGauges.map(\.id).joined(separator: ", "))) has weight 0: nothing to fit")
        }
        let run = 0..<data.steps
        let inRun = weighted.map { g in (g, count(g.observed!, run)) }
        guard inRun.contains(where: { $0.1 > 0 }) else {
            throw InputError(file: file, place: "gauges", message: "no observation overlaps the run (\(span(run, data.time))): "
                             + weighted.map { "gauge \($0.id) (\($0.observedSource ?? "observations")) has no value in it" }.joined(separator: "; ")
                             + "; nothing to fit")
        }
        let window = data.calibrationSteps
        guard weighted.contains(where: { count($0.observed!, window) > 0 }) else {
            let line = config.periods.calibration?.line
            throw InputError(file: file, line: line, place: line == nil ? "periods" : "key 'periods.calibration'",
                             message: "no observation in the calibration window (\(span(window, data.time)), warm-up excluded): "
                             + inRun.filter { $0.1 > 0 }.map { g, _ in "gauge \(g.id) has values from \(observedSpan(g.observed!, data.time))" }.joined(separator: "; ")
                             + "; nothing to fit")
        }
        if let validation = data.validationSteps, validation.overlaps(window) {
            let shared = max(validation.lowerBound, window.lowerBound)..<min(validation.upperBound, window.upperBound)
            throw InputError(file: file, line: config.periods.validation?.line, place: "key 'periods.validation'",
                             message: "shares \(shared.count) steps (\(span(shared, data.time))) with the calibration period: validation needs steps the calibration did not see")
        }
        var warnings: [String] = []
        if config.periods.calibration == nil {
            warnings.append("\(file): no periods.calibration: the loss counts every step after the warm-up (\(span(window, data.time))), so no step is left for validation")
        }
        return warnings
    }

    private static func count(_ observed: [Double], _ steps: Range<Int>) -> Int {
        let r = steps.clamped(to: 0..<observed.count)
        return observed[r].reduce(0) { $0 + ($1.isFinite ? 1 : 0) }
    }

    private static func span(_ steps: Range<Int>, _ time: TimeAxis) -> String {
        guard !steps.isEmpty else { return "no step" }
        return "steps \(steps.lowerBound)..<\(steps.upperBound), \(time.stepStart(steps.lowerBound)) to \(time.stepEnd(steps.upperBound - 1))"
    }

    private static func observedSpan(_ observed: [Double], _ time: TimeAxis) -> String {
        guard let first = observed.firstIndex(where: \.isFinite), let last = observed.lastIndex(where: \.isFinite) else { return "nowhere" }
        return "\(time.stepStart(first)) to \(time.stepEnd(last))"
    }
}
