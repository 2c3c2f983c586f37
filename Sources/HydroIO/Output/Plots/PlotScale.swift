import Foundation

/// Axis arithmetic shared by the SVG plots: round tick values, labels written whole (no
/// exponent, as many decimals as the tick spacing needs), and text widths estimated so labels
/// are placed inside the picture rather than clipped at its edge.
public enum PlotScale {
    /// About `count` round ticks (1, 2, 2.5 or 5 times a power of ten) from 0 (or below `low`)
    /// to at least `high`.
    public static func ticks(from low: Double, to high: Double, count: Int = 5) -> [Double] {
        let span = max(high - low, abs(high) * 1e-9, 1e-12)
        let raw = span / Double(max(count, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        // Multiples of the step, rounded to its decimals so 3 x 0.1 reads 0.3.
        let scale = pow(10, Double(decimals(forStep: step)))
        let first = (low / step).rounded(.down)
        func tick(_ k: Double) -> Double { ((first + k) * step * scale).rounded() / scale }
        var out: [Double] = []
        var k = 0.0
        while tick(k) < high + step * 1e-9 || out.count < 2 {
            out.append(tick(k))
            k += 1
        }
        if out.last! < high { out.append(tick(k)) }
        return out
    }

    /// Decimals needed to tell ticks `step` apart: 500 -> 0, 0.25 -> 2.
    public static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        var d = 0
        while d < 8, abs(step * pow(10, Double(d)) - (step * pow(10, Double(d))).rounded()) > 1e-6 { d += 1 }
        return d
    }

    /// A tick label without exponent: `2240`, `0.05`, `1.5`.
    public static func label(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        return text == "-0" ? "0" : text
    }

    /// Width in pixels of `text` at `fontSize` in a sans-serif font: 0.62 em per character is
    /// an upper estimate for digits and most letters, so text placed by it stays inside.
    public static func textWidth(_ text: String, fontSize: Double = 12) -> Double {
        Double(text.count) * fontSize * 0.62
    }

    /// Text escaped for SVG.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// A plot's text item with its anchor, so tests can check where labels land.
struct SVGLabel {
    var x: Double
    var y: Double
    var text: String
    var anchor: String = "middle"
    var size: Double = 12
    var extra: String = ""

    var svg: String {
        "<text x=\"\(PlotScale.f(x))\" y=\"\(PlotScale.f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(Int(size))\"\(extra.isEmpty ? "" : " " + extra)>\(PlotScale.escape(text))</text>\n"
    }
}
