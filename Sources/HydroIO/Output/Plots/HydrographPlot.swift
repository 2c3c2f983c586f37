import Foundation

/// Observed and simulated discharge as an SVG: warm-up, calibration and validation shaded,
/// round discharge ticks written whole, date ticks at year, month, day or hour starts that
/// stay inside the picture, and records longer than five years split into panels of about
/// four years each (one above the other), so a 35-year record is not squeezed into 1000 px.
public enum HydrographPlot {
    public static let width = 1100.0
    static let headerHeight = 52.0, panelHeight = 230.0, plotHeight = 190.0, right = 24.0

    /// Step ranges of the panels: one for up to five years, else about four years each, with
    /// boundaries moved to the nearest 1 January within half a year.
    public static func panels(_ time: TimeAxis) -> [Range<Int>] {
        let n = time.count
        let years = Double(n) * time.stepDays / 365.25
        guard years > 5, n > 1 else { return [0..<n] }
        let count = Int((years / 4).rounded(.up))
        let halfYear = max(1, Int(182.6 / time.stepDays))
        var cuts = [0]
        for k in 1..<count {
            let even = n * k / count
            var best = min(max(even, cuts.last! + 1), n - 1), bestDistance = Int.max
            let window = max(cuts.last! + 1, even - halfYear), windowEnd = min(n - 1, even + halfYear)
            for t in window...max(window, windowEnd) where t < n {
                let s = time.stepStart(t)
                if s.month == 1, s.day == 1, s.hour == 0, s.minute == 0, abs(t - even) < bestDistance { best = t; bestDistance = abs(t - even) }
            }
            cuts.append(best)
        }
        cuts.append(n)
        return zip(cuts, cuts.dropFirst()).map { $0..<$1 }
    }

    public static func render(title: String, simulated: [Double], observed: [Double]?, warmup: Range<Int>?, calibration: Range<Int>,
                              validation: Range<Int>?, time: TimeAxis) -> String {
        let panels = panels(time)
        // One discharge scale per panel; the left margin fits the widest label of any panel.
        let scales = panels.map { r -> [Double] in
            let values = simulated[r].filter(\.isFinite) + (observed.map { Array($0[r]) } ?? []).filter(\.isFinite)
            return PlotScale.ticks(from: 0, to: max(values.max() ?? 1, 1e-6), count: 5)
        }
        let labelTexts = scales.map { ticks in ticks.map { PlotScale.label($0, decimals: PlotScale.decimals(forStep: ticks[1] - ticks[0])) } }
        let left = 26 + (labelTexts.flatMap { $0 }.map { PlotScale.textWidth($0) }.max() ?? 30) + 8
        let plotWidth = width - left - right
        let height = headerHeight + Double(panels.count) * panelHeight
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += SVGLabel(x: left, y: 18, text: "\(title): discharge, m³/s", anchor: "start", size: 14).svg
        s += legend(x: left, y: 38, hasObserved: observed != nil, hasWarmup: warmup != nil, hasValidation: validation != nil)
        for (k, range) in panels.enumerated() {
            let top = headerHeight + Double(k) * panelHeight + 8
            let ticks = scales[k], maxQ = ticks.last!
            func x(_ t: Double) -> Double { left + plotWidth * (t - Double(range.lowerBound)) / Double(max(range.count, 1)) }
            func y(_ q: Double) -> Double { top + plotHeight * (1 - q / maxQ) }
            func shade(_ r: Range<Int>?, _ colour: String) {
                guard let r, r.upperBound > range.lowerBound, r.lowerBound < range.upperBound else { return }
                let a = x(Double(max(r.lowerBound, range.lowerBound))), b = x(Double(min(r.upperBound, range.upperBound)))
                s += "<rect x=\"\(PlotScale.f(a))\" y=\"\(PlotScale.f(top))\" width=\"\(PlotScale.f(b - a))\" height=\"\(PlotScale.f(plotHeight))\" fill=\"\(colour)\"/>\n"
            }
            shade(warmup, "#e4e4e4")
            shade(calibration, "#e6efff")
            shade(validation, "#fff1df")
            for (q, text) in zip(ticks, labelTexts[k]) {
                s += "<line x1=\"\(PlotScale.f(left))\" x2=\"\(PlotScale.f(width - right))\" y1=\"\(PlotScale.f(y(q)))\" y2=\"\(PlotScale.f(y(q)))\" stroke=\"#d0d0d0\"/>\n"
                s += SVGLabel(x: left - 6, y: y(q) + 4, text: text, anchor: "end").svg
            }
            s += SVGLabel(x: 14, y: top + plotHeight / 2, text: "m³/s", extra: "transform=\"rotate(-90 14 \(PlotScale.f(top + plotHeight / 2)))\"").svg
            for tick in dateTicks(time, range, plotWidth: plotWidth) {
                let px = x(Double(tick.step))
                s += "<line x1=\"\(PlotScale.f(px))\" x2=\"\(PlotScale.f(px))\" y1=\"\(PlotScale.f(top + plotHeight))\" y2=\"\(PlotScale.f(top + plotHeight + 5))\" stroke=\"#444\"/>\n"
                s += placed(SVGLabel(x: px, y: top + plotHeight + 18, text: tick.label), left: 0, right: width).svg
            }
            s += "<rect x=\"\(PlotScale.f(left))\" y=\"\(PlotScale.f(top))\" width=\"\(PlotScale.f(plotWidth))\" height=\"\(PlotScale.f(plotHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
            if let observed { s += "<path d=\"\(path(observed, range, x: x, y: y))\" fill=\"none\" stroke=\"black\" stroke-width=\"1\"/>\n" }
            s += "<path d=\"\(path(simulated, range, x: x, y: y))\" fill=\"none\" stroke=\"#1f5fd0\" stroke-width=\"1.2\"/>\n"
        }
        return s + "</svg>\n"
    }

    /// A label moved, or re-anchored, so its whole text lies within [left, right].
    static func placed(_ label: SVGLabel, left: Double, right: Double) -> SVGLabel {
        var l = label
        let w = PlotScale.textWidth(l.text, fontSize: l.size)
        if l.anchor == "middle", l.x + w / 2 > right - 2 { l.anchor = "end"; l.x = min(l.x, right - 2) }
        if l.anchor == "middle", l.x - w / 2 < left + 2 { l.anchor = "start"; l.x = max(l.x, left + 2) }
        return l
    }

    static func legend(x: Double, y: Double, hasObserved: Bool, hasWarmup: Bool, hasValidation: Bool, hasCalibration: Bool = true) -> String {
        var items: [(String, String)] = []
        if hasObserved { items.append(("line:black", "observed")) }
        items.append(("line:#1f5fd0", "simulated"))
        if hasWarmup { items.append(("box:#e4e4e4", "warm-up")) }
        if hasCalibration { items.append(("box:#e6efff", "calibration")) }
        if hasValidation { items.append(("box:#fff1df", "validation")) }
        var s = "", cursor = x
        for (kind, text) in items {
            let colour = String(kind.split(separator: ":")[1])
            if kind.hasPrefix("line") {
                s += "<line x1=\"\(PlotScale.f(cursor))\" x2=\"\(PlotScale.f(cursor + 22))\" y1=\"\(PlotScale.f(y - 4))\" y2=\"\(PlotScale.f(y - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            } else {
                s += "<rect x=\"\(PlotScale.f(cursor))\" y=\"\(PlotScale.f(y - 11))\" width=\"22\" height=\"12\" fill=\"\(colour)\" stroke=\"#999\"/>\n"
            }
            s += SVGLabel(x: cursor + 28, y: y, text: text, anchor: "start").svg
            cursor += 28 + PlotScale.textWidth(text) + 18
        }
        return s
    }

    /// Date ticks of a panel at the starts of years, months, days or hours (whichever suits
    /// its length), thinned to round multiples (every 2, 5, 10 years; 2, 3, 6 months; 2, 7, 14
    /// days; 3, 6, 12 hours) so labels do not overlap.
    static func dateTicks(_ time: TimeAxis, _ range: Range<Int>, plotWidth: Double) -> [(step: Int, label: String)] {
        let days = Double(range.count) * time.stepDays
        func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let unit: (CivilTime) -> [Int]
        let label: (CivilTime) -> String
        let strides: [Int]
        let position: (CivilTime) -> Int   // counted from 0 within the next larger unit
        if days > 6 * 365.25 {
            unit = { [$0.year] }; label = { "\($0.year)" }; strides = [1, 2, 5, 10, 20, 50, 100]; position = { $0.year }
        } else if days > 62 {
            unit = { [$0.year, $0.month] }; label = { "\($0.year)-\(pad($0.month))" }; strides = [1, 2, 3, 6, 12]; position = { $0.month - 1 }
        } else if days > 3 {
            unit = { [$0.year, $0.month, $0.day] }; label = { "\($0.year)-\(pad($0.month))-\(pad($0.day))" }; strides = [1, 2, 7, 14]; position = { $0.day - 1 }
        } else {
            unit = { [$0.year, $0.month, $0.day, $0.hour] }; label = { "\(pad($0.day)) \(pad($0.hour)):00" }; strides = [1, 2, 3, 6, 12]; position = { $0.hour }
        }
        var candidates: [(step: Int, label: String, position: Int)] = []
        var previous = unit(time.stepStart(max(range.lowerBound - 1, 0)))
        for t in range.lowerBound...range.upperBound {
            let start = time.stepStart(t), key = unit(start)
            let atUnitStart = start.minute == 0 && start.second == 0 && (key.count == 4 || start.hour == 0) && (key.count >= 3 || start.day == 1) && (key.count >= 2 || start.month == 1)
            if (t == range.lowerBound && atUnitStart) || (t > range.lowerBound && key != previous) { candidates.append((t, label(start), position(start))) }
            previous = key
        }
        guard let widest = candidates.map({ PlotScale.textWidth($0.label) }).max() else { return [] }
        let fit = max(1, Int(plotWidth / (widest + 16)))
        for stride in strides {
            let kept = candidates.filter { $0.position % stride == 0 }
            if kept.count <= fit { return kept.map { ($0.step, $0.label) } }
        }
        let every = (candidates.count + fit - 1) / fit
        return candidates.enumerated().filter { $0.offset % every == 0 }.map { ($0.element.step, $0.element.label) }
    }

    /// The series over `range` as a path, values at step centres, broken at missing values.
    static func path(_ values: [Double], _ range: Range<Int>, x: (Double) -> Double, y: (Double) -> Double) -> String {
        var d = "", pen = false
        d.reserveCapacity(range.count * 14)
        for t in range {
            let q = values[t]
            guard q.isFinite else { pen = false; continue }
            d += (pen ? "L" : "M") + PlotScale.f(x(Double(t) + 0.5)) + "," + PlotScale.f(y(q)) + " "
            pen = true
        }
        return d
    }
}
