/// Units of observed discharge (`observed.units` in the config), converted to m³/s.
///
/// Volumes per time convert directly; depths over the catchment (mm per step, mm/day, mm/h)
/// need the gauge's catchment area: Q [m³/s] = depth [mm] / 1000 · area [m²] / duration [s].
public enum DischargeUnits: Sendable, Equatable {
    /// Multiply by `factor` to get m³/s.
    case volumeRate(factor: Double)
    /// Millimetres of runoff over the catchment per `seconds`; nil seconds: per record step.
    case depth(perSeconds: Int64?)

    /// The units named by `text` (case and blanks ignored), or nil.
    public init?(_ text: String) {
        let u = String(text.lowercased().filter { !$0.isWhitespace }).replacingOccurrences(of: "³", with: "3")
            .replacingOccurrences(of: "^", with: "").replacingOccurrences(of: "**", with: "")
        switch u {
        case "m3/s", "m3s-1", "cms", "cumecs", "m3/sec": self = .volumeRate(factor: 1)
        case "l/s", "ls-1", "litres/s", "liters/s", "lps": self = .volumeRate(factor: 1e-3)
        case "ft3/s", "ft3s-1", "cfs", "cusecs", "cubicfeet/s": self = .volumeRate(factor: DischargeFiles.cubicMetresPerCubicFoot)
        case "m3/d", "m3/day", "m3d-1": self = .volumeRate(factor: 1 / 86_400)
        case "ml/d", "ml/day", "megalitres/day", "megaliters/day": self = .volumeRate(factor: 1000 / 86_400)
        case "mm", "mm/step", "mmperstep", "mm/timestep": self = .depth(perSeconds: nil)
        case "mm/d", "mm/day", "mmd-1", "mmday-1": self = .depth(perSeconds: 86_400)
        case "mm/h", "mm/hr", "mm/hour", "mmh-1": self = .depth(perSeconds: 3600)
        default: return nil
        }
    }

    public static let accepted = "m3/s, l/s, ft3/s (cfs), m3/d, Ml/d, mm (per step), mm/d, mm/h"

    public var needsArea: Bool { if case .depth = self { true } else { false } }

    /// The factor from these units to m³/s at steps of `stepSeconds`, for a catchment of
    /// `areaKm2` (needed only for depths).
    public func factor(stepSeconds: Int64, areaKm2: Double?) -> Double? {
        switch self {
        case .volumeRate(let f): return f
        case .depth(let per):
            guard let areaKm2 else { return nil }
            return 1e-3 * areaKm2 * 1e6 / Double(per ?? stepSeconds)
        }
    }
}
