/// How the dates of a record's rows are written: ISO (`2012-08-02`, `2012-08-02 13:00`,
/// `2012-08-02T13:00`), `dd/mm/yyyy`, `dd.mm.yyyy`, `yyyymmdd`, `yyyymmddHHMM`, or an explicit
/// strftime-style pattern (`%d/%m/%Y %H:%M`) given as `date_format:` in the config.
///
/// Without `date_format`, the first data row decides the form for the whole file. Slashed dates
/// are read day first (European use, and the form CAMELS-CH, GRDC and airGR exports write); a
/// month-first file then fails the regular-step check at its first day above 12, and the
/// message suggests `date_format: '%m/%d/%Y'`.
public struct DateFormat: Sendable, Equatable, CustomStringConvertible {
    enum Token: Sendable, Equatable {
        case year, month, day, hour, minute, second
        case literal(Character)

        /// Most digits the field may have (fields are read greedily up to this).
        var width: Int { self == .year ? 4 : 2 }
        var isTimeOfDay: Bool { self == .hour || self == .minute || self == .second }
    }

    /// ISO 8601-like dates go through `CivilTime.parse` (optional time, `T`, `Z`).
    let iso: Bool
    let tokens: [Token]
    /// The pattern as the user (or detection) wrote it, for messages.
    public let description: String

    public static let isoDate = DateFormat(iso: true, tokens: [], description: "ISO (yyyy-mm-dd [HH:MM])")

    init(iso: Bool, tokens: [Token], description: String) {
        self.iso = iso
        self.tokens = tokens
        self.description = description
    }

    /// Named forms (`iso`, `dd/mm/yyyy`, `dd.mm.yyyy`, `mm/dd/yyyy`, `yyyymmdd`,
    /// `yyyymmddHHMM`, each optionally followed by ` HH:MM`) or a strftime pattern with
    /// `%Y %m %d %H %M %S` (and `%%`). Nil when the text is neither.
    public init?(pattern: String) {
        let named: [String: String] = [
            "iso": "", "yyyy-mm-dd": "", "dd/mm/yyyy": "%d/%m/%Y", "dd.mm.yyyy": "%d.%m.%Y", "mm/dd/yyyy": "%m/%d/%Y",
            "yyyymmdd": "%Y%m%d", "yyyymmddhhmm": "%Y%m%d%H%M", "yyyymmddhh": "%Y%m%d%H", "dd-mm-yyyy": "%d-%m-%Y",
        ]
        var text = pattern.trimmingCharacters(in: .whitespaces)
        var timeSuffix = ""
        for suffix in [" HH:MM:SS", " HH:MM", " hh:mm:ss", " hh:mm"] where text.hasSuffix(suffix) && !text.contains("%") {
            text = String(text.dropLast(suffix.count))
            timeSuffix = suffix.count > 6 ? " %H:%M:%S" : " %H:%M"
            break
        }
        if let strftime = named[text.lowercased()] {
            if strftime.isEmpty {
                self = .isoDate
                return
            }
            text = strftime + timeSuffix
        } else if !timeSuffix.isEmpty {
            return nil
        }
        var tokens: [Token] = []
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            guard c == "%" else { tokens.append(.literal(c)); continue }
            guard let f = chars.popFirst() else { return nil }
            switch f {
            case "Y": tokens.append(.year)
            case "m": tokens.append(.month)
            case "d": tokens.append(.day)
            case "H": tokens.append(.hour)
            case "M": tokens.append(.minute)
            case "S": tokens.append(.second)
            case "%": tokens.append(.literal("%"))
            default: return nil
            }
        }
        guard tokens.contains(.year), tokens.contains(.month), tokens.contains(.day) else { return nil }
        self.init(iso: false, tokens: tokens, description: pattern)
    }

    /// The form of `sample` (a first data row's date field), or nil when none fits.
    public static func detect(_ sample: Substring) -> DateFormat? {
        let s = sample.trimmingCharacters(in: .whitespaces)
        if CivilTime.parse(s) != nil { return .isoDate }
        let datePart = s.prefix { $0 != " " && $0 != "T" }
        let hasTime = datePart.count < s.count
        let time = hasTime ? (s.filter { $0 == ":" }.count >= 2 ? " %H:%M:%S" : " %H:%M") : ""
        if datePart.allSatisfy(\.isNumber) {
            switch datePart.count {
            case 8: return DateFormat(pattern: "%Y%m%d" + time)
            case 10: return DateFormat(pattern: "%Y%m%d%H")
            case 12: return DateFormat(pattern: "%Y%m%d%H%M")
            case 14: return DateFormat(pattern: "%Y%m%d%H%M%S")
            default: return nil
            }
        }
        for separator in ["/", ".", "-"] {
            let parts = datePart.split(separator: Character(separator), omittingEmptySubsequences: false)
            if parts.count == 3, parts[2].count == 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
                return DateFormat(pattern: "%d\(separator)%m\(separator)%Y" + time)
            }
        }
        return nil
    }

    /// Parses one date field; nil when it does not fit. `hasTimeOfDay` is false when the field
    /// is a date alone (the pattern's time part may be left off entirely).
    public func parse(_ field: Substring) -> (time: CivilTime, hasTimeOfDay: Bool)? {
        if iso {
            return CivilTime.parse(String(field))
        }
        var values: [Token: Int] = [:]
        var chars = Array(field.trimmingCharacters(in: .whitespaces))[...]
        var sawTime = false
        for (k, token) in tokens.enumerated() {
            if chars.isEmpty {
                // A date alone: the rest of the pattern must be its time of day.
                guard tokens[k...].allSatisfy({ $0.isTimeOfDay || $0 == .literal(" ") || $0 == .literal(":") || $0 == .literal("T") }) else { return nil }
                break
            }
            switch token {
            case .literal(let l):
                guard let c = chars.popFirst() else { return nil }
                guard c == l || (l == " " && c == "T") else { return nil }
            default:
                var n = 0, digits = 0
                while digits < token.width, let c = chars.first, let d = c.wholeNumberValue, c.isASCII {
                    n = n * 10 + d
                    digits += 1
                    chars.removeFirst()
                }
                guard digits > 0 else { return nil }
                values[token] = n
                if token.isTimeOfDay { sawTime = true }
            }
        }
        guard chars.isEmpty, let y = values[.year], let m = values[.month], let d = values[.day],
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let hour = values[.hour] ?? 0, minute = values[.minute] ?? 0, second = values[.second] ?? 0
        guard (0...24).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        return (CivilTime(y, m, d, hour, minute, second), sawTime)
    }
}

extension DateFormat.Token: Hashable {}
