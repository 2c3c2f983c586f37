import HydroDomain
import HydroObjectives

/// Checks of observed discharge: values present are finite, not negative and below a
/// physical maximum; and a gauge that enters an NSE or KGE cost has observations that vary in
/// the calibration window (with one value, or all equal, the efficiency is undefined: 0/0).
enum ObservationPlausibility {
    /// Largest discharge accepted, m³/s: above the largest flood ever measured on any river
    /// (the Amazon at Óbidos, about 370,000 m³/s). `inf` or `1e308` are refused as corrupt.
    static let maximumDischarge = 1_000_000.0

    /// Throws at the first value of `series` (as read from its file) that is not a discharge.
    static func check(_ series: TimeSeries, gauge: String) throws(InputError) {
        guard let i = series.values.firstIndex(where: { !$0.isNaN && !($0 >= 0 && $0 <= maximumDischarge) }) else { return }
        let q = series.values[i]
        let why = !q.isFinite ? "discharge \(q) is not a finite value"
            : q < 0 ? "negative discharge \(q) m³/s"
            : "discharge \(q) m³/s exceeds \(maximumDischarge.formatted()) m³/s, more than any river carries (units or a fill value?)"
        throw InputError(file: series.source, place: "gauge \(gauge), time index \(i) of the file (\(series.time.stepStart(i)) to \(series.time.stepEnd(i)))", message: why)
    }

    /// Throws when a gauge with observations in `window` would make `loss` undefined: NSE and
    /// KGE divide by the observations' variance.
    static func checkVariance(_ observed: [Double], window: Range<Int>, windowName: String, time: TimeAxis,
                              loss: DischargeLoss, gauge: String, source: String) throws(InputError) {
        guard loss == .oneMinusNSE || loss == .oneMinusKGE, !window.isEmpty else { return }
        let present = observed[window].filter { !$0.isNaN }
        guard let first = present.first, present.allSatisfy({ $0 == first }) else { return }
        throw InputError(file: source, place: "gauge \(gauge), \(windowName) steps \(window.lowerBound)..<\(window.upperBound) (\(time.stepStart(window.lowerBound)) to \(time.stepEnd(window.upperBound - 1)))",
                         message: present.count == 1
                            ? "one observation in the \(windowName) window: the \(loss == .oneMinusNSE ? "NSE" : "KGE") loss is undefined (it divides by the observations' variance)"
                            : "all \(present.count) observations in the \(windowName) window equal \(first): zero variance, the \(loss == .oneMinusNSE ? "NSE" : "KGE") loss is undefined")
    }
}
