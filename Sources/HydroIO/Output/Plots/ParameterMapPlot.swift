import Foundation
import HydroDomain

/// A parameter map as an SVG: one coloured square per active cell (viridis ramp), north up,
/// and a colour bar with round tick values written whole, so the map can be read without the
/// GeoTIFF beside it.
public enum ParameterMapPlot {
    static let ramp: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]

    /// The ramp's colour at u in [0, 1].
    static func colour(_ u: Double) -> String {
        let v = min(max(u.isFinite ? u : 0.5, 0), 1)
        let f = v * Double(ramp.count - 1), i = min(Int(f), ramp.count - 2), k = f - Double(i)
        let a = ramp[i], b = ramp[i + 1]
        return "rgb(\(Int(a.0 + (b.0 - a.0) * k)),\(Int(a.1 + (b.1 - a.1) * k)),\(Int(a.2 + (b.2 - a.2) * k)))"
    }

    public static func render(name: String, raster: Raster<Double>) -> String {
        let cell = max(4.0, min(20.0, 600.0 / Double(max(raster.rows, raster.columns))))
        let values = zip(raster.values, raster.hasData).compactMap { $1 && $0.isFinite ? $0 : nil }
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if hi <= lo { lo -= 0.5 * max(abs(lo), 1e-9); hi += 0.5 * max(abs(hi), 1e-9) }
        let ticks = PlotScale.ticks(from: lo, to: hi, count: 5).filter { $0 >= lo - 1e-12 * abs(lo) && $0 <= hi + 1e-12 * abs(hi) }
        let decimals = ticks.count > 1 ? PlotScale.decimals(forStep: ticks[1] - ticks[0]) : 3
        let texts = ticks.map { PlotScale.label($0, decimals: decimals) }
        let mapWidth = Double(raster.columns) * cell, mapHeight = Double(raster.rows) * cell
        let top = 34.0, mapLeft = 10.0
        let barLeft = mapLeft + mapWidth + 24, barWidth = 18.0, barHeight = max(mapHeight, 160)
        let width = barLeft + barWidth + 8 + (texts.map { PlotScale.textWidth($0) }.max() ?? 30) + 12
        let title = "\(name) (min \(String(format: "%.4g", values.min() ?? .nan)), max \(String(format: "%.4g", values.max() ?? .nan)))"
        let totalWidth = max(width, PlotScale.textWidth(title, fontSize: 14) + 20)
        let height = top + max(mapHeight, barHeight) + 16
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(totalWidth))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(totalWidth)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += SVGLabel(x: 10, y: 20, text: title, anchor: "start", size: 14).svg
        for r in 0..<raster.rows {
            for c in 0..<raster.columns where raster.hasData[r * raster.columns + c] {
                let v = raster.values[r * raster.columns + c]
                s += "<rect x=\"\(PlotScale.f(mapLeft + Double(c) * cell))\" y=\"\(PlotScale.f(top + Double(r) * cell))\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(colour((v - lo) / (hi - lo)))\"/>\n"
            }
        }
        // Colour bar: low at the bottom, 40 bands.
        let bands = 40
        for k in 0..<bands {
            let y0 = top + barHeight * (1 - Double(k + 1) / Double(bands))
            s += "<rect x=\"\(PlotScale.f(barLeft))\" y=\"\(PlotScale.f(y0))\" width=\"\(barWidth)\" height=\"\(PlotScale.f(barHeight / Double(bands) + 0.5))\" fill=\"\(colour((Double(k) + 0.5) / Double(bands)))\"/>\n"
        }
        s += "<rect x=\"\(PlotScale.f(barLeft))\" y=\"\(PlotScale.f(top))\" width=\"\(barWidth)\" height=\"\(PlotScale.f(barHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
        for (v, text) in zip(ticks, texts) {
            let y = top + barHeight * (1 - (v - lo) / (hi - lo))
            s += "<line x1=\"\(PlotScale.f(barLeft + barWidth))\" x2=\"\(PlotScale.f(barLeft + barWidth + 4))\" y1=\"\(PlotScale.f(y))\" y2=\"\(PlotScale.f(y))\" stroke=\"#444\"/>\n"
            s += SVGLabel(x: barLeft + barWidth + 7, y: y + 4, text: text, anchor: "start").svg
        }
        return s + "</svg>\n"
    }
}
