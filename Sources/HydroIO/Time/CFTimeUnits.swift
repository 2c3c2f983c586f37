/// A CF time coordinate's `units` ("hours since 1990-01-01 00:00") with its calendar.
public struct CFTimeUnits: Sendable, Equatable {
    /// Seconds per unit (seconds, minutes, hours, days).
    public var secondsPerUnit: Double
    public var reference: CivilTime
    public var calendar: CFCalendar

    /// Parses `units`; `calendar` is the attribute's text (nil: standard). Errors name the
    /// offending text; the caller adds file and variable.
    public init(units: String, calendar: String?) throws(TimeUnitsError) {
        let calendarName = calendar ?? "standard"
        guard let cal = CFCalendar(cfName: calendarName) else {
            throw TimeUnitsError(message: "calendar '\(calendarName)' is not one HydroGPU reads (standard, gregorian, proleptic_gregorian, julian, noleap, 365_day, all_leap, 366_day, 360_day)")
        }
        let lowered = units.trimmingCharacters(in: .whitespaces).lowercased()
        guard let sinceRange = lowered.range(of: " since ") else {
            throw TimeUnitsError(message: "time units '\(units)' are not '<unit> since <date>'")
        }
        let unit = String(lowered[..<sinceRange.lowerBound]).trimmingCharacters(in: .whitespaces)
        let factor: Double
        switch unit {
        case "second", "seconds", "sec", "secs", "s": factor = 1
        case "minute", "minutes", "min", "mins": factor = 60
        case "hour", "hours", "hr", "hrs", "h": factor = 3600
        case "day", "days", "d": factor = 86_400
        default:
            throw TimeUnitsError(message: "time unit '\(unit)' in '\(units)' is not seconds, minutes, hours or days")
        }
        let dateText = String(units.trimmingCharacters(in: .whitespaces)[sinceRange.upperBound...])
        guard let parsed = CivilTime.parse(dateText), cal.isValid(parsed.time) else {
            throw TimeUnitsError(message: "reference date '\(dateText)' in '\(units)' is not a valid \(cal.rawValue) date")
        }
        if cal == .standard, parsed.time < CivilTime(1582, 10, 15) {
            throw TimeUnitsError(message: "reference date '\(dateText)' is before 1582-10-15, where the standard calendar is Julian; use proleptic_gregorian")
        }
        secondsPerUnit = factor
        reference = parsed.time
        self.calendar = cal
    }

    /// Seconds since the calendar's origin of a coordinate value, rounded to the second.
    public func seconds(ofValue value: Double) -> Int64 {
        calendar.seconds(of: reference) + Int64((value * secondsPerUnit).rounded())
    }

    /// The civil time of a coordinate value.
    public func time(ofValue value: Double) -> CivilTime {
        calendar.time(seconds: seconds(ofValue: value))
    }
}

/// A malformed CF time description.
public struct TimeUnitsError: Error, Sendable {
    public var message: String
}
