/// The CF calendars HydroGPU reads (CF conventions 4.4.1).
public enum CFCalendar: String, Sendable, CaseIterable, Codable {
    /// Gregorian from 1582-10-15, Julian before; HydroGPU's records are all after 1582, and
    /// treating both as proleptic Gregorian is exact there (checked: earlier dates are refused).
    case standard
    case proleptic_gregorian
    case julian
    /// Every year 365 days (`noleap`, `365_day`).
    case noleap
    /// Every year 366 days (`all_leap`, `366_day`).
    case all_leap
    /// Twelve months of 30 days.
    case days360 = "360_day"

    /// The calendar named by a CF `calendar` attribute (case-insensitive, aliases included).
    public init?(cfName: String) {
        switch cfName.lowercased().trimmingCharacters(in: .whitespaces) {
        case "standard", "gregorian", "": self = .standard
        case "proleptic_gregorian": self = .proleptic_gregorian
        case "julian": self = .julian
        case "noleap", "365_day", "no_leap": self = .noleap
        case "all_leap", "366_day": self = .all_leap
        case "360_day": self = .days360
        default: return nil
        }
    }

    func isLeap(_ year: Int) -> Bool {
        switch self {
        case .standard, .proleptic_gregorian: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        case .julian: year % 4 == 0
        case .noleap: false
        case .all_leap: true
        case .days360: false
        }
    }

    /// Days in `month` of `year`.
    public func daysInMonth(_ month: Int, year: Int) -> Int {
        if self == .days360 { return 30 }
        let lengths = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return lengths[month - 1]
    }

    /// Whether `time` names a day that exists in this calendar.
    public func isValid(_ time: CivilTime) -> Bool {
        (1...12).contains(time.month) && time.day >= 1 && time.day <= daysInMonth(time.month, year: time.year)
            && (0..<24).contains(time.hour) && (0..<60).contains(time.minute) && (0..<61).contains(time.second)
    }

    /// Days from 0001-01-01 (day 0) to the given date in this calendar.
    public func dayNumber(year: Int, month: Int, day: Int) -> Int {
        switch self {
        case .days360:
            return (year - 1) * 360 + (month - 1) * 30 + (day - 1)
        case .noleap, .all_leap:
            let perYear = self == .noleap ? 365 : 366
            var days = (year - 1) * perYear
            for m in 1..<month { days += daysInMonth(m, year: year) }
            return days + day - 1
        case .standard, .proleptic_gregorian, .julian:
            // Count whole years with the leap rule, then months of the year.
            let y = year - 1
            var days = y * 365 + floorDiv(y, 4)
            if self != .julian { days += -floorDiv(y, 100) + floorDiv(y, 400) }
            for m in 1..<month { days += daysInMonth(m, year: year) }
            return days + day - 1
        }
    }

    /// The date of day number `n` (inverse of `dayNumber`).
    public func date(dayNumber n: Int) -> (year: Int, month: Int, day: Int) {
        // Estimate the year, then correct, then walk months: simple and exact in every calendar.
        let mean: Double = switch self {
        case .days360: 360
        case .noleap: 365
        case .all_leap: 366
        case .julian: 365.25
        case .standard, .proleptic_gregorian: 365.2425
        }
        var year = Int((Double(n) / mean).rounded(.down)) + 1
        while dayNumber(year: year, month: 1, day: 1) > n { year -= 1 }
        while dayNumber(year: year + 1, month: 1, day: 1) <= n { year += 1 }
        var rest = n - dayNumber(year: year, month: 1, day: 1)
        var month = 1
        while rest >= daysInMonth(month, year: year) {
            rest -= daysInMonth(month, year: year)
            month += 1
        }
        return (year, month, rest + 1)
    }

    /// Seconds from 0001-01-01 00:00 to `time` in this calendar.
    public func seconds(of time: CivilTime) -> Int64 {
        Int64(dayNumber(year: time.year, month: time.month, day: time.day)) * 86_400
            + Int64(time.hour * 3600 + time.minute * 60 + time.second)
    }

    /// The civil time `seconds` after 0001-01-01 00:00 in this calendar.
    public func time(seconds: Int64) -> CivilTime {
        let day = Int(floorDiv64(seconds, 86_400))
        let rest = Int(seconds - Int64(day) * 86_400)
        let d = date(dayNumber: day)
        return CivilTime(d.year, d.month, d.day, rest / 3600, (rest % 3600) / 60, rest % 60)
    }
}

private func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
private func floorDiv64(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
