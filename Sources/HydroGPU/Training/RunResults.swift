import Foundation

/// Metrics of one gauge over one period.
public struct GaugePeriodMetrics: Codable, Sendable {
    public var gauge: String
    public var period: String
    public var firstStep: Int
    public var lastStep: Int
    public var metrics: DischargeMetrics?
}

/// What `train` and `simulate` leave in their results folder, and what `evaluate` reads back:
/// `metrics.json`, `discharge.csv`, `hydrograph_<gauge>.svg`, `parameters.json`,
/// `maps/<PARAM>.tif|svg` + `maps/parameters.nc` for spatially varying parameters.
public enum RunResults {
    /// Metrics per period (calibration, validation; warm-up excluded) and gauge.
    public static func metrics(data: CalibrationData, discharge: [[Double]]) -> [GaugePeriodMetrics] {
        var out: [GaugePeriodMetrics] = []
        let periods: [(String, Range<Int>?)] = [("calibration", data.calibrationSteps), ("validation", data.validationSteps)]
        for (name, range) in periods {
            guard let range else { continue }
            for (g, gauge) in data.gauges.enumerated() {
                guard let observed = gauge.observed else { continue }
                let m = DischargeMetrics(simulated: Array(discharge[g][range]), observed: Array(observed[range]))
                out.append(GaugePeriodMetrics(gauge: gauge.id, period: name, firstStep: range.lowerBound, lastStep: range.upperBound - 1, metrics: m))
            }
        }
        return out
    }

    /// Writes every result of a run with free vector `x` (the whole case is simulated).
    @discardableResult
    public static func write(objective: CalibrationObjective, free x: [Double], to folder: URL) throws -> [GaugePeriodMetrics] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = objective.data
        let run = try objective.evaluate(x, gradient: false, steps: data.steps)
        let metrics = metrics(data: data, discharge: run.discharge)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(metrics), to: folder.appending(path: "metrics.json"))
        try CaseOutputs.writeDischargeCSV(gauges: data.gauges.map(\.id), time: data.time, discharge: run.discharge, to: folder.appending(path: "discharge.csv"))
        for (g, gauge) in data.gauges.enumerated() {
            let svg = HydrographSVG.render(title: "\(data.caseName) \(gauge.id)", simulated: run.discharge[g], observed: gauge.observed,
                                           calibration: data.calibrationSteps, validation: data.validationSteps, time: data.time)
            try AtomicFile.write(Data(svg.utf8), to: folder.appending(path: "hydrograph_\(gauge.id).svg"))
        }
        // Parameters: uniform ones as values, spatially varying ones as maps (first slot).
        let networkRaw = try objective.networkOutputs(x)
        let series = objective.setup.space.expand(free: objective.setup.parameterPart(x), networkRaw: networkRaw, as: Double.self)
        var summary: [String: [String: Double]] = [:]
        var maps: [(name: String, raster: Raster<Double>)] = []
        let components = data.configuration.components
        for p in HBVParameter.allCases {
            guard let s = series[p] else { continue }
            let perCell = (0..<data.cells).map { c in (0..<components).reduce(0.0) { $0 + s.values[c * components + $1] } / Double(components) }
            summary[p.name] = ["mean": perCell.reduce(0, +) / Double(perCell.count), "min": perCell.min()!, "max": perCell.max()!]
            if perCell.min()! != perCell.max()! { maps.append((p.name, data.grid.raster(ofActiveCells: perCell))) }
        }
        // Routing and exchange values: one value, or per cell (mean, min, max and a map).
        func record(_ name: String, _ values: [Double]) {
            guard !values.isEmpty else { return }
            summary[name] = values.count == 1 ? ["value": values[0]]
                : ["mean": values.reduce(0, +) / Double(values.count), "min": values.min()!, "max": values.max()!]
            if values.count == data.cells, values.count > 1 { maps.append((name, data.grid.raster(ofActiveCells: values))) }
        }
        if let gamma = objective.setup.gamma {
            let p = gamma.parameters(objective.setup.routingPart(x))
            record("route_a", [p.routeA])
            record("route_b", [p.routeB])
        }
        record("velocity", objective.setup.velocity(x).values)
        record("exchange", objective.setup.exchange(x).factors)
        try AtomicFile.write(try encoder.encode(summary), to: folder.appending(path: "parameters.json"))
        if !data.outputFields.isEmpty {
            try StateFieldOutput.write(objective: objective, free: x, networkRaw: networkRaw, to: folder.appending(path: "fields.nc"))
        }
        if !maps.isEmpty {
            let mapFolder = folder.appending(path: "maps")
            try FileManager.default.createDirectory(at: mapFolder, withIntermediateDirectories: true)
            try CaseOutputs.writeParameterMaps(maps, folder: mapFolder)
            for m in maps { try AtomicFile.write(Data(ParameterMapSVG.render(name: m.name, raster: m.raster).utf8), to: mapFolder.appending(path: "\(m.name).svg")) }
        }
        return metrics
    }

    /// A table of metrics for the terminal.
    public static func table(_ metrics: [GaugePeriodMetrics]) -> String {
        var lines = ["period       gauge          NSE     KGE    RMSE    bias    VD%"]
        for m in metrics {
            let pad = { (s: String, n: Int) in s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
            guard let x = m.metrics else { lines.append("\(pad(m.period, 12)) \(pad(m.gauge, 12))   (no observations)"); continue }
            lines.append("\(pad(m.period, 12)) \(pad(m.gauge, 12)) " + [x.nse, x.kge, x.rmse, x.bias, x.volumeDifference].map { String(format: "%7.3f", $0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}

/// Observed vs simulated discharge as a hand-written SVG line chart.
enum HydrographSVG {
    static func render(title: String, simulated: [Double], observed: [Double]?, calibration: Range<Int>, validation: Range<Int>?, time: TimeAxis) -> String {
        let width = 1000.0, height = 360.0, left = 60.0, right = 20.0, top = 30.0, bottom = 40.0
        let n = simulated.count
        let all = simulated.filter(\.isFinite) + (observed ?? []).filter(\.isFinite)
        let maxQ = max(all.max() ?? 1, 1e-9) * 1.05
        func x(_ t: Int) -> Double { left + (width - left - right) * Double(t) / Double(max(n - 1, 1)) }
        func y(_ q: Double) -> Double { top + (height - top - bottom) * (1 - q / maxQ) }
        func path(_ values: [Double]) -> String {
            var d = "", pen = false
            for (t, q) in values.enumerated() {
                guard q.isFinite else { pen = false; continue }
                d += (pen ? "L" : "M") + String(format: "%.1f,%.1f ", x(t), y(q))
                pen = true
            }
            return d
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<rect x=\"\(x(calibration.lowerBound))\" y=\"\(top)\" width=\"\(x(calibration.upperBound - 1) - x(calibration.lowerBound))\" height=\"\(height - top - bottom)\" fill=\"#eef4ff\"/>\n"
        if let v = validation {
            s += "<rect x=\"\(x(v.lowerBound))\" y=\"\(top)\" width=\"\(x(v.upperBound - 1) - x(v.lowerBound))\" height=\"\(height - top - bottom)\" fill=\"#fff4e6\"/>\n"
        }
        s += "<text x=\"\(left)\" y=\"18\" font-size=\"14\">\(title): observed (black) and simulated (blue) discharge, m³/s; calibration shaded blue, validation orange</text>\n"
        for k in 0...4 {
            let q = maxQ * Double(k) / 4
            s += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(q))\" y2=\"\(y(q))\" stroke=\"#ddd\"/><text x=\"\(left - 6)\" y=\"\(y(q) + 4)\" text-anchor=\"end\">\(String(format: "%.3g", q))</text>\n"
        }
        for k in 0...4 {
            let t = (n - 1) * k / 4
            s += "<text x=\"\(x(t))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(time.stepStart(t).description.prefix(10))</text>\n"
        }
        if let observed { s += "<path d=\"\(path(observed))\" fill=\"none\" stroke=\"black\" stroke-width=\"1\"/>\n" }
        s += "<path d=\"\(path(simulated))\" fill=\"none\" stroke=\"#1f5fd0\" stroke-width=\"1.2\"/>\n</svg>\n"
        return s
    }
}

/// A parameter map as an SVG of coloured cells (viridis-like ramp) with its range.
enum ParameterMapSVG {
    static func render(name: String, raster: Raster<Double>) -> String {
        let cell = max(4.0, min(20.0, 600.0 / Double(max(raster.rows, raster.columns))))
        let values = zip(raster.values, raster.hasData).compactMap { $1 ? $0 : nil }
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        let w = Double(raster.columns) * cell, h = Double(raster.rows) * cell
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w) + 20)\" height=\"\(Int(h) + 50)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<text x=\"10\" y=\"16\">\(name): \(String(format: "%.4g", lo)) (dark) to \(String(format: "%.4g", hi)) (yellow)</text>\n"
        let ramp: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        for r in 0..<raster.rows {
            for c in 0..<raster.columns where raster.hasData[r * raster.columns + c] {
                let u = hi > lo ? (raster.values[r * raster.columns + c] - lo) / (hi - lo) : 0.5
                let f = u * Double(ramp.count - 1), i = min(Int(f), ramp.count - 2), k = f - Double(i)
                let rgb = (0..<3).map { j -> Int in
                    let a = [ramp[i].0, ramp[i].1, ramp[i].2][j], b = [ramp[i + 1].0, ramp[i + 1].1, ramp[i + 1].2][j]
                    return Int(a + (b - a) * k)
                }
                s += "<rect x=\(String(format: "\"%.1f\"", 10 + Double(c) * cell)) y=\(String(format: "\"%.1f\"", 30 + Double(r) * cell)) width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(rgb[0]),\(rgb[1]),\(rgb[2]))\"/>\n"
            }
        }
        return s + "</svg>\n"
    }
}
