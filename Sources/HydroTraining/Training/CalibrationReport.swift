import Foundation

/// The short report at the end of `train`: parameters that ended on a bound (the optimum may
/// lie beyond it: widen the bounds or question the model) and parameters whose gradient was
/// zero in every evaluation (the data say nothing about them: they stayed at their start,
/// e.g. the fast-flow threshold when the upper zone never fills, or snow parameters without snow).
public enum CalibrationReport {
    /// Lines for the calibrated quantities with a value within `fraction` of their bounds'
    /// width from a bound (a per-cell quantity: how many cells).
    public static func nearBounds(_ parameters: [ParameterValues], fraction: Double = 0.01, prefix: String = "") -> [String] {
        var lines: [String] = []
        for p in parameters where !p.fixed {
            let (low, high) = p.nearBounds(fraction: fraction)
            let percent = String(format: "%g %%", fraction * 100)
            if p.values.count == 1 {
                guard low + high > 0 else { continue }
                let (side, bound) = low > 0 ? ("lower", p.bounds.lower) : ("upper", p.bounds.upper)
                lines.append("\(prefix)\(p.name) = \(format(p.values[0])) is within \(percent) of its \(side) bound \(format(bound)) (bounds [\(format(p.bounds.lower)), \(format(p.bounds.upper))])")
            } else {
                for (count, side, bound) in [(low, "lower", p.bounds.lower), (high, "upper", p.bounds.upper)] where count > 0 {
                    lines.append("\(prefix)\(p.name): \(count) of \(p.values.count) cells within \(percent) of the \(side) bound \(format(bound)) (bounds [\(format(p.bounds.lower)), \(format(p.bounds.upper))])")
                }
            }
        }
        return lines
    }

    /// Lines for the calibrated quantities that did not move from their start: every free value
    /// within `tolerance` (raw units) of `start` at the end (`final`), or, without a start,
    /// every free value whose gradient was zero in every evaluation (`nonZero[i]` false). A
    /// gradient that is zero throughout is said so; one that was non-zero somewhere but never
    /// moved the value is "negligible". Per-cell or monthly quantities that partly stayed are
    /// reported with their count. Free values are grouped by what `describe` calls them, less
    /// the cell, zone, month or step.
    public static func unmoved(nonZero: [Bool], start: [Double]?, final: [Double], tolerance: Double = 1e-6, describe: (Int) -> String) -> [String] {
        var order: [String] = []
        var groups: [String: (count: Int, stayed: Int, silent: Int)] = [:]
        for i in nonZero.indices {
            let name = quantity(describe(i))
            if groups[name] == nil { order.append(name); groups[name] = (0, 0, 0) }
            groups[name]!.count += 1
            let stayed = start.map { abs(final[i] - $0[i]) <= tolerance } ?? !nonZero[i]
            if stayed { groups[name]!.stayed += 1 }
            if stayed && !nonZero[i] { groups[name]!.silent += 1 }
        }
        var lines: [String] = []
        for name in order {
            let g = groups[name]!
            guard g.stayed > 0 else { continue }
            let why = g.silent == g.stayed ? "gradient zero in every evaluation" : g.silent == 0 ? "gradient negligible" : "gradient zero or negligible"
            if g.stayed == g.count {
                lines.append("\(name): stayed at its start\(g.count > 1 ? " (all \(g.count) values)" : "") (\(why))")
            } else {
                lines.append("\(name): \(g.stayed) of \(g.count) values stayed at their start (\(why))")
            }
        }
        return lines
    }

    /// "FC at cell 3, month 2" -> "FC"; "network weight 17" -> "network weights".
    public static func quantity(_ description: String) -> String {
        var s = description
        for marker in [" at cell ", " in zone ", ", month ", ", step "] {
            if let r = s.range(of: marker) { s = String(s[..<r.lowerBound]) }
        }
        if let r = s.range(of: "network weight ") { s = String(s[..<r.lowerBound]) + "network weights" }
        return s
    }

    /// The report's lines: bounds, then gradients (empty when there is nothing to say).
    public static func lines(bounds: [String], gradients: [String]) -> [String] {
        var out: [String] = []
        if !bounds.isEmpty { out.append("parameters on a bound (the optimum may lie beyond it; widen parameters.<P>.bounds or check the data):"); out += bounds.map { "  " + $0 } }
        if !gradients.isEmpty { out.append("parameters that never moved from their start (the loss does not see them: fix them or check what they control):"); out += gradients.map { "  " + $0 } }
        return out
    }

    private static func format(_ v: Double) -> String { String(format: "%.4g", v) }
}
