import Foundation

/// The two views of a discharge record that ignore timing: the mean annual cycle (monthly
/// regime) and the flow-duration curve. Both compare observed and simulated on the same steps:
/// those in `steps` where both are finite (only the simulated series' finite steps when there
/// are no observations), so a gap in the observations does not bias one curve against the other.
public enum FlowSignatures {
    /// Steps used: in `steps`, simulated finite, observed finite when given.
    public static func pairedSteps(simulated: [Double], observed: [Double]?, steps: Range<Int>) -> [Int] {
        steps.filter { simulated[$0].isFinite && (observed?[$0].isFinite ?? true) }
    }

    /// Mean discharge per calendar month (January first) of the steps given, by the month of
    /// each step's start; nil for a month without steps.
    public static func monthlyMeans(_ values: [Double], steps: [Int], time: TimeAxis) -> [Double?] {
        var sum = [Double](repeating: 0, count: 12), count = [Int](repeating: 0, count: 12)
        for t in steps {
            let m = time.stepStart(t).month - 1
            sum[m] += values[t]
            count[m] += 1
        }
        return (0..<12).map { count[$0] > 0 ? sum[$0] / Double(count[$0]) : nil }
    }

    /// Flow-duration curve: the values sorted from largest to smallest, each with its
    /// exceedance probability in percent by the Weibull plotting position 100 i / (n + 1).
    public static func durationCurve(_ values: [Double]) -> [(exceedance: Double, value: Double)] {
        let sorted = values.sorted(by: >)
        let n = Double(sorted.count)
        return sorted.enumerated().map { (100 * Double($0.offset + 1) / (n + 1), $0.element) }
    }
}
