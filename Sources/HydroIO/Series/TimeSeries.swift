import HydroDomain

/// A regular series at one place (a gauge, a lumped basin): NaN where missing.
public struct TimeSeries: Sendable, Equatable {
    /// What it is, e.g. a gauge id or "prcp".
    public var name: String
    /// Where it came from, for messages.
    public var source: String
    public var time: TimeAxis
    public var values: [Double]
    /// How the file's row labels became these steps (text records; nil where the format fixes it).
    public var labelling: RecordLabelling?

    public init(name: String, source: String, time: TimeAxis, values: [Double]) {
        precondition(values.count == time.count, "one value per step")
        self.name = name
        self.source = source
        self.time = time
        self.values = values
    }

    /// The values on the steps of `axis` (NaN where this series has none). Steps must have
    /// the same length and fall on the same grid of times.
    public func aligned(to axis: TimeAxis) throws(InputError) -> [Double] {
        guard axis.stepSeconds == time.stepSeconds else {
            throw InputError(file: source, place: name, message: "steps of \(time.stepSeconds) s; the case runs at \(axis.stepSeconds) s")
        }
        if axis.count > 0, time.count > 0, time.calendar == axis.calendar {
            let offset = axis.startSeconds - time.startSeconds
            guard offset % time.stepSeconds == 0 else {
                throw InputError(file: source, place: name, message: "steps start at \(time.start), off the case's steps starting \(axis.start)")
            }
            let shift = Int(offset / time.stepSeconds)
            return (0..<axis.count).map { i in
                let j = i + shift
                return j >= 0 && j < time.count ? values[j] : .nan
            }
        }
        return (0..<axis.count).map { i in
            time.index(ofStepStartingAt: axis.stepStart(i)).map { values[$0] } ?? .nan
        }
    }

    /// Mean of the values present (NaN when none are).
    public var meanOfPresent: Double {
        let present = values.filter { !$0.isNaN }
        return present.isEmpty ? .nan : present.reduce(0, +) / Double(present.count)
    }
}

/// Splits a line into whitespace-separated fields.
func fields(_ line: Substring) -> [Substring] { line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) }
