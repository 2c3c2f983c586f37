import Foundation

/// A calendar date and time of day, without a time zone (all data here are UTC or local
/// standard time by convention). Comparable field by field, so it orders correctly in any
/// calendar, including 360-day ones where February 30 exists.
public struct CivilTime: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    private var key: [Int] { [year, month, day, hour, minute, second] }

    public static func < (a: CivilTime, b: CivilTime) -> Bool { a.key.lexicographicallyPrecedes(b.key) }

    /// ISO form, `2014-12-19 00:00` (seconds only when non-zero).
    public var description: String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(abs(v))
            return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2))"
        if second != 0 { text += ":\(pad(second, 2))" }
        return text
    }

    /// The date alone, `2014-12-19`.
    public var dateDescription: String { String(description.prefix(10)) }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` or with `T`, optionally followed by
    /// `Z`/`UTC`/`+00:00`; single-digit fields are accepted (CF allows `1-1-1`).
    /// Returns nil when the text is not such a date, and whether a time of day was given.
    public static func parse(_ text: String) -> (time: CivilTime, hasTimeOfDay: Bool)? {
        var s = text.trimmingCharacters(in: .whitespaces)
        for suffix in ["UTC", "Z", "+00:00", "+0000", "+00"] where s.hasSuffix(suffix) {
            s = String(s.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            break
        }
        let parts = s.split(whereSeparator: { $0 == "T" || $0 == " " }).map(String.init)
        guard (1...2).contains(parts.count) else { return nil }
        // The date: a leading minus belongs to the year.
        var dateText = parts[0]
        var negative = false
        if dateText.hasPrefix("-") { negative = true; dateText.removeFirst() }
        let d = dateText.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard d.count == 3, let y = d[0], let m = d[1], let day = d[2], (1...12).contains(m), (1...31).contains(day) else { return nil }
        var time = CivilTime(negative ? -y : y, m, day)
        guard parts.count == 2 else { return (time, false) }
        let t = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(t.count), let h = Int(t[0]), let mi = Int(t[1]), (0...24).contains(h), (0...59).contains(mi) else { return nil }
        time.hour = h
        time.minute = mi
        if t.count == 3 {
            guard let sec = Double(t[2]), sec >= 0, sec < 61 else { return nil }
            time.second = Int(sec.rounded(.down))
        }
        return (time, true)
    }
}
