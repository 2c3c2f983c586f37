import Foundation
import HydroGPU
import Testing

/// The SVG plots: round ticks written whole, every label inside the picture, long records in
/// panels, warm-up shaded; the regime and duration-curve numbers against hand computations.
@Suite("Plots")
struct PlotTests {
    /// (x, anchor, text) of every `<text>` of an SVG without a rotation.
    static func labels(_ svg: String) -> [(x: Double, anchor: String, size: Double, text: String)] {
        let pattern = try! NSRegularExpression(pattern: "<text x=\"([-0-9.]+)\" y=\"[-0-9.]+\" text-anchor=\"(\\w+)\" font-size=\"(\\d+)\"([^>]*)>([^<]*)</text>")
        let ns = svg as NSString
        return pattern.matches(in: svg, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            guard !ns.substring(with: m.range(at: 4)).contains("rotate") else { return nil }
            return (Double(ns.substring(with: m.range(at: 1)))!, ns.substring(with: m.range(at: 2)), Double(ns.substring(with: m.range(at: 3)))!, ns.substring(with: m.range(at: 5)))
        }
    }

    static func width(_ svg: String) -> Double {
        let r = svg.range(of: "width=\"")!
        return Double(svg[r.upperBound...].prefix { $0 != "\"" })!
    }

    /// Every label's estimated extent lies within [0, width].
    static func expectInside(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let w = width(svg)
        for l in labels(svg) {
            let t = PlotScale.textWidth(l.text, fontSize: l.size)
            let (a, b) = l.anchor == "start" ? (l.x, l.x + t) : l.anchor == "end" ? (l.x - t, l.x) : (l.x - t / 2, l.x + t / 2)
            #expect(a >= 0 && b <= w, "label '\(l.text)' spans \(a)...\(b) of \(w)", sourceLocation: sourceLocation)
        }
    }

    @Test func ticksAreRoundAndWrittenWhole() {
        #expect(PlotScale.ticks(from: 0, to: 2240) == [0, 500, 1000, 1500, 2000, 2500])
        #expect(PlotScale.ticks(from: 0, to: 0.37) == [0, 0.1, 0.2, 0.3, 0.4])
        #expect(PlotScale.decimals(forStep: 500) == 0 && PlotScale.decimals(forStep: 0.25) == 2 && PlotScale.decimals(forStep: 0.1) == 1)
        #expect(PlotScale.label(2500, decimals: 0) == "2500" && PlotScale.label(0.30000000000000004, decimals: 1) == "0.3")
    }

    /// 35 years of daily flow peaking at 2240 m³/s: nine panels starting on 1 January, labels
    /// inside the picture and without exponents, the warm-up shaded.
    @Test func longRecordIsSplitIntoPanelsWithWholeLabels() {
        let time = TimeAxis(calendar: .standard, start: CivilTime(1980, 1, 1), stepSeconds: 86_400, count: 12_784)
        let simulated: [Double] = (0..<time.count).map { t in
            let seasonal: Double = 100 + 90 * sin(Double(t) * 2 * Double.pi / 365.25)
            return t == 5000 ? seasonal + 2140 : seasonal
        }
        let observed = simulated.enumerated().map { $0.offset % 97 == 0 ? Double.nan : $0.element * 1.1 }
        let panels = HydrographPlot.panels(time)
        #expect(panels.count == 9)
        #expect(panels.first!.lowerBound == 0 && panels.last!.upperBound == time.count)
        for p in panels.dropFirst() {
            let s = time.stepStart(p.lowerBound)
            #expect(s.month == 1 && s.day == 1, "panel starts \(s)")
        }
        let svg = HydrographPlot.render(title: "test", simulated: simulated, observed: observed, warmup: 0..<365, calibration: 365..<8000,
                                        validation: 8000..<time.count, time: time)
        Self.expectInside(svg)
        let texts = Self.labels(svg).map(\.text)
        #expect(texts.contains("2500"))          // the panel holding the 2464 m³/s peak
        #expect(!texts.contains { $0.contains("e+") })
        // Month ticks (every 3 or 6 months) within panels of four years: the first at the start,
        // the last at the end of the record (2015-01-01), both whole inside the picture.
        #expect(texts.contains("1980-01") && texts.contains("2015-01"))
        #expect(svg.contains("fill=\"#e4e4e4\""))  // warm-up shaded
        #expect(texts.contains("warm-up") && texts.contains("validation"))
    }

    /// One year of daily flow (as the Lez): month ticks, the last one (the end of the record) inside.
    @Test func lastDateLabelIsNotClipped() {
        let time = TimeAxis(calendar: .standard, start: CivilTime(2012, 8, 1), stepSeconds: 86_400, count: 365)
        let q = (0..<365).map { 0.5 + Double($0 % 30) }
        let svg = HydrographPlot.render(title: "lez", simulated: q, observed: q, warmup: 0..<61, calibration: 61..<243, validation: 243..<365, time: time)
        Self.expectInside(svg)
        #expect(HydrographPlot.panels(time).count == 1)
        #expect(Self.labels(svg).contains { $0.text == "2013-08" })   // the end of the last step
    }

    @Test func monthlyRegimeAndDurationCurveMatchHandComputations() {
        // Two years, value = month number (January 1 ... December 12); observed missing on the
        // 1st of every month, so those steps leave both curves.
        let time = TimeAxis(calendar: .standard, start: CivilTime(2001, 1, 1), stepSeconds: 86_400, count: 730)
        let simulated = (0..<730).map { Double(time.stepStart($0).month) * 2 }
        let observed = (0..<730).map { time.stepStart($0).day == 1 ? Double.nan : Double(time.stepStart($0).month) }
        let steps = FlowSignatures.pairedSteps(simulated: simulated, observed: observed, steps: 0..<730)
        #expect(steps.count == 730 - 24)
        let sim = FlowSignatures.monthlyMeans(simulated, steps: steps, time: time)
        let obs = FlowSignatures.monthlyMeans(observed, steps: steps, time: time)
        #expect(sim == (1...12).map { Double($0 * 2) })
        #expect(obs == (1...12).map { Double($0) })
        let curve = FlowSignatures.durationCurve([3, 1, 2])
        #expect(curve.map(\.value) == [3, 2, 1] && curve.map(\.exceedance) == [25, 50, 75])
        let regime = SignaturePlots.regime(title: "t", simulated: simulated, observed: observed, steps: 0..<730, time: time)
        let fdc = SignaturePlots.durationCurve(title: "t", simulated: simulated, observed: observed, steps: 0..<730)
        Self.expectInside(regime)
        Self.expectInside(fdc)
        #expect(Self.labels(regime).map(\.text).contains("Dec"))
        // Log axis: decades 1 and 10 and 100 (values 1 to 24).
        #expect(["1", "10", "100"].allSatisfy { d in Self.labels(fdc).contains { $0.text == d } })
    }

    @Test func parameterMapHasAColourBarSpanningTheValues() {
        let values: [Double] = [50, 120, 260, -1, 310, 180]
        let raster = Raster(rows: 2, columns: 3, geometry: GridGeometry(xLowerLeft: 0, yLowerLeft: 0, cellSize: 1000), values: values,
                            hasData: values.map { $0 >= 0 })
        let svg = ParameterMapPlot.render(name: "FC", raster: raster)
        Self.expectInside(svg)
        let ticks = Self.labels(svg).compactMap { Double($0.text) }
        #expect(ticks == [100, 200, 300])   // round values within 50 ... 310
        #expect(svg.components(separatedBy: "<rect").count - 1 == 1 + 5 + 40 + 1)   // background, cells, bands, bar frame
    }
}
