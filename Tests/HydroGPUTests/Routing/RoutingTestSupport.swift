import DeviceTensor
import Foundation
import HydroGPU

/// Locates /work/shared/data from this file: Tests/HydroGPUTests/Routing -> repo root -> ../shared.
enum RoutingTestData {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "shared/data")

    static var available: Bool { FileManager.default.fileExists(atPath: root.appending(path: "cance/flwdir_esri.asc").path) }

    static func url(_ path: String) -> URL { root.appending(path: path) }

    static func grid(_ path: String) throws -> Raster<Double> { try EsriAsciiGrid.read(url(path)) }

    /// The catchment's network on its whole D8 grid (the reference accumulations cover every cell).
    static func network(_ catchment: String, encoding: FlowDirectionEncoding = .esri) throws -> DrainageNetwork {
        let file = encoding == .smash ? "flwdir_smash.asc" : "flwdir_esri.asc"
        return try DrainageNetwork(flowDirections: grid("\(catchment)/\(file)"), encoding: encoding, directionFile: file)
    }

    /// Gauges of `gauges.csv`: id, row, col, x_center, y_center, area_km2, area_dln_km2, x_given, y_given.
    static func gauges(_ catchment: String) throws -> [(id: String, row: Int, column: Int, area: Double, delineated: Double, x: Double, y: Double)] {
        let text = try String(contentsOf: url("\(catchment)/gauges.csv"), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map { line in
            let f = line.split(separator: ",").map(String.init)
            return (f[0], Int(f[1])!, Int(f[2])!, Double(f[5])!, Double(f[6])!, Double(f[7])!, Double(f[8])!)
        }
    }
}

/// A raster from rows of values (row 0 north), cell size 1 km, with -9999 as no data.
func smallRaster(_ rows: [[Double]], cellSize: Double = 1000) -> Raster<Double> {
    let values = rows.flatMap { $0 }
    return Raster(rows: rows.count, columns: rows[0].count, geometry: GridGeometry(xLowerLeft: 0, yLowerLeft: 0, cellSize: cellSize),
                  values: values, hasData: values.map { $0 != -9999 })
}

/// A routing case on the Cance active cells: showery runoff (mm/h), velocities around 1 m/s,
/// some initial channel water, and the three gauges with synthetic "observations".
struct CanceRoutingCase {
    let network: DrainageNetwork
    let gauges: [Gauge]
    let runoff: [Double]
    let velocity: [Double]
    let initialStorage: [Double]
    let observed: [Double]
    let steps: Int
    let stepSeconds = 3600.0

    init(steps: Int = 48, seed: UInt64 = 7) throws {
        let network = try DrainageNetwork(flowDirections: RoutingTestData.grid("cance/flwdir_esri.asc"),
                                          mask: RoutingTestData.grid("cance/active_cell.asc"))
        self.network = network
        let upstream = network.upstreamArea()
        gauges = try RoutingTestData.gauges("cance").map { g in
            try GaugeLocator.at(id: g.id, row: g.row, column: g.column, network: network, upstream: upstream)
        }
        self.steps = steps
        var rng = SeededGenerator(seed: seed)
        let n = network.cellCount
        runoff = (0..<(steps * n)).map { i in
            let t = i / n
            let storm = t > 5 && t < 20 ? 2.0 : 0.2
            return storm * Double.random(in: 0...1, using: &rng)
        }
        velocity = (0..<n).map { _ in Double.random(in: 0.5...1.5, using: &rng) }
        initialStorage = (0..<n).map { _ in Double.random(in: 0...2000, using: &rng) }
        observed = (0..<(steps * gauges.count)).map { _ in Double.random(in: 5...40, using: &rng) }
    }

    func problem<Real: Real_>(_: Real.Type = Real.self, velocity v: [Double]? = nil, runoff r: [Double]? = nil, initialStorage s: [Double]? = nil) -> RoutingProblem<Real> {
        RoutingProblem(steps: steps, stepSeconds: stepSeconds, localRunoff: (r ?? runoff).map { Real($0) },
                       velocity: (v ?? velocity).map { Real($0) }, initialStorage: (s ?? initialStorage).map { Real($0) }, cells: network.cellCount)
    }

    /// Sum of squared errors at the gauges plus a small term on every cell's discharge (so
    /// the field seed and the gauge seed are both exercised).
    func loss(_ discharge: [Double]) -> Double {
        let n = network.cellCount
        var total = 0.0
        for t in 0..<steps {
            for (g, gauge) in gauges.enumerated() {
                let e = discharge[t * n + gauge.cell] - observed[t * gauges.count + g]
                total += e * e
            }
            for c in 0..<n { total += 1e-3 * discharge[t * n + c] * discharge[t * n + c] }
        }
        return total
    }

    /// dL/dQ of `loss` as a field.
    func seed(_ discharge: [Double]) -> [Double] {
        let n = network.cellCount
        var s = discharge.map { 2e-3 * $0 }
        for t in 0..<steps {
            for (g, gauge) in gauges.enumerated() {
                s[t * n + gauge.cell] += 2 * (discharge[t * n + gauge.cell] - observed[t * gauges.count + g])
            }
        }
        return s
    }
}
