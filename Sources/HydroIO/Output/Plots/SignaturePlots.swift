import Foundation

/// The monthly regime and the flow-duration curve of a gauge as SVGs (`regime_<gauge>.svg`,
/// `fdc_<gauge>.svg`): observed black, simulated blue, over the steps after the warm-up where
/// both exist (`FlowSignatures`).
public enum SignaturePlots {
    static let width = 640.0, height = 400.0, top = 56.0, bottom = 44.0, right = 24.0

    public static func regime(title: String, simulated: [Double], observed: [Double]?, steps: Range<Int>, time: TimeAxis) -> String {
        let used = FlowSignatures.pairedSteps(simulated: simulated, observed: observed, steps: steps)
        let sim = FlowSignatures.monthlyMeans(simulated, steps: used, time: time)
        let obs = observed.map { FlowSignatures.monthlyMeans($0, steps: used, time: time) }
        let all = (sim + (obs ?? [])).compactMap { $0 }
        let ticks = PlotScale.ticks(from: 0, to: max(all.max() ?? 1, 1e-6), count: 5)
        let texts = ticks.map { PlotScale.label($0, decimals: PlotScale.decimals(forStep: ticks[1] - ticks[0])) }
        let left = 26 + (texts.map { PlotScale.textWidth($0) }.max() ?? 30) + 8
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ month: Int) -> Double { left + plotWidth * (Double(month) + 0.5) / 12 }
        func y(_ q: Double) -> Double { top + plotHeight * (1 - q / ticks.last!) }
        var s = header(title: "\(title): mean discharge per month, m³/s", hasObserved: observed != nil,
                       note: "\(used.count) steps after the warm-up\(observed != nil ? " with observed and simulated values" : "")", left: left)
        for (q, text) in zip(ticks, texts) {
            s += "<line x1=\"\(PlotScale.f(left))\" x2=\"\(PlotScale.f(width - right))\" y1=\"\(PlotScale.f(y(q)))\" y2=\"\(PlotScale.f(y(q)))\" stroke=\"#d0d0d0\"/>\n"
            s += SVGLabel(x: left - 6, y: y(q) + 4, text: text, anchor: "end").svg
        }
        for (m, name) in ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].enumerated() {
            s += SVGLabel(x: x(m), y: top + plotHeight + 18, text: name).svg
        }
        s += axisTitle("m³/s", plotHeight: plotHeight)
        s += frame(left: left, plotWidth: plotWidth, plotHeight: plotHeight)
        func series(_ values: [Double?], _ colour: String) -> String {
            var d = "", pen = false, dots = ""
            for (m, v) in values.enumerated() {
                guard let v else { pen = false; continue }
                d += (pen ? "L" : "M") + PlotScale.f(x(m)) + "," + PlotScale.f(y(v)) + " "
                pen = true
                dots += "<circle cx=\"\(PlotScale.f(x(m)))\" cy=\"\(PlotScale.f(y(v)))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
            return "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n" + dots
        }
        if let obs { s += series(obs, "black") }
        s += series(sim, "#1f5fd0")
        return s + "</svg>\n"
    }

    public static func durationCurve(title: String, simulated: [Double], observed: [Double]?, steps: Range<Int>) -> String {
        let used = FlowSignatures.pairedSteps(simulated: simulated, observed: observed, steps: steps)
        let sim = FlowSignatures.durationCurve(used.map { simulated[$0] })
        let obs = observed.map { o in FlowSignatures.durationCurve(used.map { o[$0] }) }
        let positive = (sim + (obs ?? [])).map(\.value).filter { $0 > 0 }
        let notShown = sim.count + (obs?.count ?? 0) - positive.count
        let lowDecade = Int((log10(positive.min() ?? 0.1)).rounded(.down)), highDecade = max(Int((log10(positive.max() ?? 1)).rounded(.up)), lowDecade + 1)
        let texts = (lowDecade...highDecade).map { PlotScale.label(pow(10, Double($0)), decimals: max(0, -$0)) }
        let left = 26 + (texts.map { PlotScale.textWidth($0) }.max() ?? 30) + 8
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ p: Double) -> Double { left + plotWidth * p / 100 }
        func y(_ q: Double) -> Double { top + plotHeight * (1 - (log10(q) - Double(lowDecade)) / Double(highDecade - lowDecade)) }
        var note = "exceedance by Weibull plotting position over \(used.count) steps after the warm-up"
        if notShown > 0 { note += "; \(notShown) values ≤ 0 not shown (log axis)" }
        var s = header(title: "\(title): flow-duration curve, m³/s (log axis)", hasObserved: observed != nil, note: note, left: left)
        for (d, text) in zip(lowDecade...highDecade, texts) {
            let q = pow(10, Double(d))
            s += "<line x1=\"\(PlotScale.f(left))\" x2=\"\(PlotScale.f(width - right))\" y1=\"\(PlotScale.f(y(q)))\" y2=\"\(PlotScale.f(y(q)))\" stroke=\"#c8c8c8\"/>\n"
            s += SVGLabel(x: left - 6, y: y(q) + 4, text: text, anchor: "end").svg
            if d < highDecade {
                for k in 2...9 { s += "<line x1=\"\(PlotScale.f(left))\" x2=\"\(PlotScale.f(left + 5))\" y1=\"\(PlotScale.f(y(Double(k) * q)))\" y2=\"\(PlotScale.f(y(Double(k) * q)))\" stroke=\"#888\"/>\n" }
            }
        }
        for p in stride(from: 0, through: 100, by: 10) {
            s += "<line x1=\"\(PlotScale.f(x(Double(p))))\" x2=\"\(PlotScale.f(x(Double(p))))\" y1=\"\(PlotScale.f(top))\" y2=\"\(PlotScale.f(top + plotHeight))\" stroke=\"#eeeeee\"/>\n"
            s += HydrographPlot.placed(SVGLabel(x: x(Double(p)), y: top + plotHeight + 18, text: "\(p)"), left: 0, right: width).svg
        }
        s += SVGLabel(x: left + plotWidth / 2, y: height - 8, text: "% of time exceeded").svg
        s += axisTitle("m³/s", plotHeight: plotHeight)
        s += frame(left: left, plotWidth: plotWidth, plotHeight: plotHeight)
        func curve(_ c: [(exceedance: Double, value: Double)], _ colour: String) -> String {
            // At most about 1500 points: every k-th, the first and last kept.
            let k = max(1, c.count / 1500)
            var d = "", pen = false
            for (i, point) in c.enumerated() where i % k == 0 || i == c.count - 1 {
                guard point.value > 0 else { pen = false; continue }
                d += (pen ? "L" : "M") + PlotScale.f(x(point.exceedance)) + "," + PlotScale.f(y(point.value)) + " "
                pen = true
            }
            return "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
        }
        if let obs { s += curve(obs, "black") }
        s += curve(sim, "#1f5fd0")
        return s + "</svg>\n"
    }

    static func header(title: String, hasObserved: Bool, note: String, left: Double) -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += SVGLabel(x: 10, y: 18, text: title, anchor: "start", size: 14).svg
        s += HydrographPlot.legend(x: left, y: 34, hasObserved: hasObserved, hasWarmup: false, hasValidation: false, hasCalibration: false)
        s += SVGLabel(x: 10, y: 50, text: note, anchor: "start", size: 10, extra: "fill=\"#555\"").svg
        return s
    }

    static func axisTitle(_ text: String, plotHeight: Double) -> String {
        let cy = top + plotHeight / 2
        return SVGLabel(x: 14, y: cy, text: text, extra: "transform=\"rotate(-90 14 \(PlotScale.f(cy)))\"").svg
    }

    static func frame(left: Double, plotWidth: Double, plotHeight: Double) -> String {
        "<rect x=\"\(PlotScale.f(left))\" y=\"\(PlotScale.f(top))\" width=\"\(PlotScale.f(plotWidth))\" height=\"\(PlotScale.f(plotHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
    }
}
