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

/// The OpenCL CPU device shared by the routing tests, opened once (PoCL discovery races).
enum RoutingTestDevice {
    static let shared: ComputeDevice? = {
        guard let cpu = DeviceCatalog.shared.devices.first(where: { $0.kind == .cpu }) ?? DeviceCatalog.shared.devices.first else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                fatalError("CI is set but no OpenCL device exists: \(DeviceCatalog.shared.problem ?? "")")
            }
            return nil
        }
        return try? ComputeDevice(cpu)
    }()
    static var available: Bool { shared != nil }
}

/// A raster from rows of values (row 0 north), cell size 1 km, with -9999 as no data.
func smallRaster(_ rows: [[Double]], cellSize: Double = 1000) -> Raster<Double> {
    let values = rows.flatMap { $0 }
    return Raster(rows: rows.count, columns: rows[0].count, geometry: GridGeometry(xLowerLeft: 0, yLowerLeft: 0, cellSize: cellSize),
                  values: values, hasData: values.map { $0 != -9999 })
}
