import Foundation
import HydroDomain

/// A results folder's `discharge.csv`: each step's start and end, then per gauge the
/// simulated discharge and the observed one beside it (m³/s, the mean over the step):
///
/// ```
/// start,end,Y3204040_simulated,Y3204040_observed,...
/// 2012-08-01 00:00,2012-08-02 00:00,0.41,0.435,...
/// ```
///
/// Both labels are written so nobody has to guess whether a row is labelled by the start or
/// the end of its step (a daily value belongs to the day that starts at `start`). Missing
/// observations and non-finite values are empty. Gauges without observations keep an empty
/// `_observed` column, so every results file has the same columns for the same gauges.
public enum ResultsDischargeCSV {
    public static func write(gauges: [String], time: TimeAxis, simulated: [[Double]], observed: [[Double]?], to url: URL) throws(InputError) {
        try CaseOutputs.checkShape(gauges, time, simulated, url)
        guard observed.count == gauges.count, observed.allSatisfy({ $0 == nil || $0!.count == time.count }) else {
            throw InputError(file: url.path, message: "observed discharge must be \(gauges.count) gauges x \(time.count) steps")
        }
        var text = "start,end," + gauges.map { "\($0)_simulated,\($0)_observed" }.joined(separator: ",") + "\n"
        text.reserveCapacity(time.count * (34 + 24 * gauges.count))
        func value(_ v: Double?) -> String { v.map { $0.isFinite ? "\($0)" : "" } ?? "" }
        for t in 0..<time.count {
            text += "\(time.stepStart(t)),\(time.stepEnd(t))"
            for g in gauges.indices { text += "," + value(simulated[g][t]) + "," + value(observed[g]?[t]) }
            text += "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: url)
    }
}
