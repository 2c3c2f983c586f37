import Foundation
import Yams
import HydroDomain

/// Strict access to a YAML document: every value knows its key path and line, unknown keys
/// and wrong types are `InputError`s naming the config file, the line and the key.
struct YAMLValue {
    let node: Node
    /// Dotted key path, e.g. `forcing.precipitation.variable`.
    let key: String
    let file: String

    var line: Int? { node.mark?.line }

    func error(_ message: String) -> InputError {
        InputError(file: file, line: line, place: key.isEmpty ? nil : "key '\(key)'", message: message)
    }

    private var kind: String {
        switch node {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// The keys of a mapping, refusing keys outside `allowed` and repeated keys.
    func mapping(allowed: [String]) throws(InputError) -> YAMLMapping {
        guard case .mapping(let m) = node else { throw error("expected a mapping with keys \(allowed.joined(separator: ", ")), found \(kind)") }
        var entries: [String: YAMLValue] = [:]
        for (k, v) in m {
            let name = k.string ?? ""
            let path = key.isEmpty ? name : "\(key).\(name)"
            guard allowed.contains(name) else {
                throw InputError(file: file, line: k.mark?.line, place: "key '\(path)'",
                                 message: "unknown key '\(name)' (allowed here: \(allowed.joined(separator: ", ")))")
            }
            guard entries[name] == nil else {
                throw InputError(file: file, line: k.mark?.line, place: "key '\(path)'", message: "appears twice")
            }
            entries[name] = YAMLValue(node: v, key: path, file: file)
        }
        return YAMLMapping(owner: self, entries: entries)
    }

    /// A mapping whose keys are free (descriptor names), each value kept.
    func freeMapping() throws(InputError) -> [(String, YAMLValue)] {
        guard case .mapping(let m) = node else { throw error("expected a mapping, found \(kind)") }
        var out: [(String, YAMLValue)] = []
        for (k, v) in m {
            let name = k.string ?? ""
            guard !out.contains(where: { $0.0 == name }) else {
                throw InputError(file: file, line: k.mark?.line, place: "key '\(key).\(name)'", message: "appears twice")
            }
            out.append((name, YAMLValue(node: v, key: "\(key).\(name)", file: file)))
        }
        return out
    }

    func sequence() throws(InputError) -> [YAMLValue] {
        guard case .sequence(let s) = node else { throw error("expected a list, found \(kind)") }
        return s.enumerated().map { YAMLValue(node: $1, key: "\(key)[\($0)]", file: file) }
    }

    var isMapping: Bool { if case .mapping = node { true } else { false } }
    var isScalar: Bool { if case .scalar = node { true } else { false } }

    func string() throws(InputError) -> String {
        guard case .scalar(let s) = node else { throw error("expected a text value, found \(kind)") }
        return s.string
    }

    func double() throws(InputError) -> Double {
        guard case .scalar(let s) = node, let v = Double(s.string), v.isFinite else {
            throw error("expected a number, found \(isScalar ? "'\(node.string ?? "")'" : kind)")
        }
        return v
    }

    func int() throws(InputError) -> Int {
        guard case .scalar(let s) = node, let v = Int(s.string) else {
            throw error("expected a whole number, found \(isScalar ? "'\(node.string ?? "")'" : kind)")
        }
        return v
    }

    func bool() throws(InputError) -> Bool {
        guard case .scalar(let s) = node else { throw error("expected true or false, found \(kind)") }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found '\(s.string)'")
        }
    }

    func choice<T: RawRepresentable>(_ type: T.Type) throws(InputError) -> T where T.RawValue == String, T: CaseIterable {
        let text = try string()
        guard let v = T(rawValue: text) else {
            throw error("'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// A date or date-time; `endOfDay` makes a date without a time mean the end of that day.
    func time(endOfDay: Bool) throws(InputError) -> CivilTime {
        let text = try string()
        // Config dates are Gregorian (they name real days; a 360-day record still aligns by them).
        guard let parsed = CivilTime.parse(text), CFCalendar.proleptic_gregorian.isValid(parsed.time) else {
            throw error("'\(text)' is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)")
        }
        guard endOfDay, !parsed.hasTimeOfDay else { return parsed.time }
        let cal = CFCalendar.proleptic_gregorian
        return cal.time(seconds: cal.seconds(of: parsed.time) + 86_400)
    }
}

struct YAMLMapping {
    let owner: YAMLValue
    let entries: [String: YAMLValue]

    subscript(key: String) -> YAMLValue? { entries[key] }

    func required(_ key: String) throws(InputError) -> YAMLValue {
        guard let v = entries[key] else {
            let path = owner.key.isEmpty ? key : "\(owner.key).\(key)"
            throw InputError(file: owner.file, line: owner.line, place: "key '\(path)'", message: "is required but missing")
        }
        return v
    }
}

enum YAMLDocument {
    /// The root of `text`; syntax errors name the line.
    static func root(_ text: String, file: String) throws(InputError) -> YAMLValue {
        try YAMLLimits.check(text, file: file)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw InputError(file: file, message: "empty configuration")
            }
            return YAMLValue(node: node, key: "", file: file)
        } catch let error as InputError {
            throw error
        } catch let error as YamlError {
            var line: Int?
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
            default: line = nil
            }
            throw InputError(file: file, line: line, message: "not valid YAML: \(error)")
        } catch {
            throw InputError(file: file, message: "not valid YAML: \(error)")
        }
    }
}
