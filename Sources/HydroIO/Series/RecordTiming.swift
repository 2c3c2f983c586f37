import HydroDomain

/// How a record's row labels were turned into steps, kept so `validate` can show it.
public struct RecordLabelling: Sendable, Equatable {
    /// Whether a row's time is the start or the end of its step.
    public var label: TimeLabel
    /// Why: "label: end in the config", "a date alone is that day", "column 'end_time'".
    public var reason: String
    public var firstLine: Int
    public var firstText: String
    public var lastLine: Int
    public var lastText: String

    /// "first row 2012-08-02 (line 2) -> step 0 [2012-08-02 00:00, 2012-08-03 00:00), ..."
    /// with steps numbered on the case's `axis` (the record's own steps may start earlier or later).
    public func describe(record: TimeAxis, on axis: TimeAxis) -> String {
        func step(_ i: Int, _ line: Int, _ text: String) -> String {
            let start = record.startSeconds + Int64(i) * record.stepSeconds
            let offset = start - axis.startSeconds
            let index = offset >= 0 ? offset / axis.stepSeconds : -((-offset + axis.stepSeconds - 1) / axis.stepSeconds)
            let span = "[\(record.stepStart(i)), \(record.stepEnd(i)))"
            let where_ = index < 0 ? "before the case's first step" : index >= Int64(axis.count) ? "after the case's last step" : "step \(index)"
            return "row '\(text)' (line \(line)) -> \(where_) \(span)"
        }
        return "rows labelled by step \(label.rawValue) (\(reason)): first \(step(0, firstLine, firstText)), last \(step(record.count - 1, lastLine, lastText))"
    }
}

/// The dated rows of a text record, before they become regular steps.
struct RecordRows {
    var file: String
    /// Seconds (in `calendar`) of each row's label, in file order.
    var seconds: [Int64] = []
    /// 1-based line of each row.
    var lines: [Int] = []
    var firstText = "", lastText = ""
    /// Whether any row gave a time of day.
    var hasTimeOfDay = false
    let calendar = CFCalendar.standard

    init(file: String) { self.file = file }

    /// Adds a row dated by `field` read with `format`; errors name the line.
    mutating func append(_ field: Substring, format: DateFormat, line: Int) throws(InputError) {
        guard let parsed = format.parse(field) else {
            var hint = ""
            if !format.iso, format.tokens.first == .day { hint = " (a month-first file needs date_format: '%m/%d/%Y')" }
            throw InputError(file: file, line: line, message: "'\(field)' is not a date in the form \(format.description)\(hint)")
        }
        var t = parsed.time
        let extraHours = t.hour == 24 ? 24 : 0
        if extraHours > 0 { t.hour = 0 }
        guard calendar.isValid(t) else { throw InputError(file: file, line: line, message: "'\(field)' is not a valid date") }
        seconds.append(calendar.seconds(of: t) + Int64(extraHours * 3600))
        lines.append(line)
        if seconds.count == 1 { firstText = String(field) }
        lastText = String(field)
        hasTimeOfDay = hasTimeOfDay || parsed.hasTimeOfDay
    }

    /// The regular step axis of the rows and, for each row, its step index. Rows may skip
    /// steps (missing values), but must increase and fall on one grid of steps.
    ///
    /// What a label means is never guessed where it matters: `label` from the config or the
    /// file wins; otherwise rows at whole-day steps carrying dates alone are those days
    /// (label start); rows carrying times of day need the label stated.
    func axis(label stated: TimeLabel?, statedBy: String, stepSeconds expected: Int64? = nil) throws(InputError) -> (axis: TimeAxis, index: [Int], labelling: RecordLabelling) {
        guard !seconds.isEmpty else { throw InputError(file: file, message: "no data rows") }
        var step = expected ?? Int64.max
        if expected == nil {
            // The step is the most common gap between rows (rows may skip missing steps).
            var counts: [Int64: Int] = [:]
            for i in 1..<max(1, seconds.count) where seconds[i] - seconds[i - 1] > 0 { counts[seconds[i] - seconds[i - 1], default: 0] += 1 }
            step = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? Int64.max
            guard seconds.count >= 2, step != Int64.max else {
                throw InputError(file: file, message: "fewer than two dated rows: the time step cannot be known")
            }
        }
        var index = [0]
        for i in 1..<max(1, seconds.count) {
            let d = seconds[i] - seconds[i - 1]
            guard d > 0 else {
                throw InputError(file: file, line: lines[i], message: d == 0 ? "time \(calendar.time(seconds: seconds[i])) repeats line \(lines[i - 1])"
                                 : "time \(calendar.time(seconds: seconds[i])) goes back from \(calendar.time(seconds: seconds[i - 1])) (line \(lines[i - 1])); rows must be in time order")
            }
            guard d % step == 0 else {
                throw InputError(file: file, line: lines[i], message: "time \(calendar.time(seconds: seconds[i])) is off the \(step) s steps of the rows before (after \(calendar.time(seconds: seconds[i - 1])), line \(lines[i - 1]))")
            }
            index.append(index[i - 1] + Int(d / step))
        }
        let label: TimeLabel
        let reason: String
        if let stated {
            label = stated
            reason = statedBy
        } else if step % 86_400 == 0, !hasTimeOfDay {
            label = .start
            reason = "a date alone is that day"
        } else {
            throw InputError(file: file, line: lines[0],
                             message: "rows give times of day ('\(firstText)') at steps of \(step) s: whether a row's time is the start or the end of its step cannot be known; state it with label: start or label: end under the record in the config")
        }
        let start = label == .start ? seconds[0] : seconds[0] - step
        let axis = TimeAxis(calendar: calendar, startSeconds: start, stepSeconds: step, count: index.last! + 1)
        return (axis, index, RecordLabelling(label: label, reason: reason, firstLine: lines[0], firstText: firstText,
                                            lastLine: lines.last!, lastText: lastText))
    }
}
