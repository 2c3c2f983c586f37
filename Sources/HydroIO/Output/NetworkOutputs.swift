import Foundation
import HydroDomain

/// `hydrogpu network`'s files: the D8 network's products as GeoTIFFs on the flow-direction
/// grid (its georeference and CRS), and the outlets and gauges as CSV tables.
///
/// | file | per cell |
/// |---|---|
/// | `upstream_cells.tif` | cells draining through the cell, itself included |
/// | `upstream_area_km2.tif` | area draining through the cell (the case's cell areas), km² |
/// | `level.tif` | topological level, 0 = nothing drains in |
/// | `basin.tif` | basin number (row of `outlets.csv`) of the outlet the cell drains to |
/// | `flow_distance_m.tif` | distance along the flow path to the outlet, m |
/// | `gauges.tif` | gauge number (row of `gauges.csv`) on each gauge's cell |
/// | `gauge_basins.tif` | number of the first gauge downstream (the gauge's own sub-basin) |
public enum NetworkOutputs {
    public static let rasterNames = ["upstream_cells", "upstream_area_km2", "level", "basin", "flow_distance_m", "gauges", "gauge_basins"]

    /// Writes every file into `folder` and returns a few lines describing them.
    @discardableResult
    public static func write(_ domain: CaseDomain, to folder: URL) throws(InputError) -> [String] {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw InputError(file: folder.path, message: "cannot create the folder: \(error.localizedDescription)")
        }
        let network = domain.network
        let products = NetworkProducts(network: network, cellAreaSquareMetres: domain.grid.cellAreaSquareMetres)
        let gaugeCells = domain.gauges.map(\.cell)
        let gaugeBasins = NetworkProducts.gaugeBasins(network: network, gaugeCells: gaugeCells)
        var gaugeNumber = [Double](repeating: .nan, count: network.cellCount)
        for (k, c) in gaugeCells.enumerated() where gaugeNumber[c].isNaN { gaugeNumber[c] = Double(k + 1) }
        let layers: [(String, [Double])] = [
            ("upstream_cells", products.upstreamCells.map(Double.init)),
            ("upstream_area_km2", products.upstreamAreaKm2),
            ("level", products.level.map(Double.init)),
            ("basin", products.basin.map(Double.init)),
            ("flow_distance_m", products.flowDistanceMetres),
            ("gauges", gaugeNumber),
            ("gauge_basins", gaugeBasins.map { $0.map { Double($0 + 1) } ?? .nan }),
        ]
        for (name, values) in layers {
            var raster = network.raster(values)
            for i in raster.values.indices where raster.values[i].isNaN { raster.hasData[i] = false }
            try GDALRaster.writeGeoTIFF(raster, to: folder.appending(path: "\(name).tif"))
        }
        let g = network.geometry
        func centre(_ c: Int) -> (x: Double, y: Double) {
            let p = network.position(of: c); return g.center(row: p.row, column: p.column, rows: network.rows)
        }
        var outlets = "basin,row,column,x,y,upstream_cells,upstream_area_km2\n"
        for (k, o) in products.outlets.enumerated() {
            let p = network.position(of: o), xy = centre(o)
            outlets += "\(k + 1),\(p.row),\(p.column),\(xy.x),\(xy.y),\(products.upstreamCells[o]),\(products.upstreamAreaKm2[o])\n"
        }
        try AtomicFile.write(Data(outlets.utf8), to: folder.appending(path: "outlets.csv"))
        // Gauges: where the model puts them, their D8 area against the declared one, and the
        // cell within one row/column whose area is closest to the declared one (SMASH's rule),
        // so a gauge placed on the wrong branch shows.
        var gauges = "gauge,id,row,column,x,y,declared_area_km2,upstream_cells,upstream_area_km2,area_ratio,closest_area_row,closest_area_column,closest_area_km2\n"
        let upstream = UpstreamAreaValues(cells: products.upstreamCells, km2: products.upstreamAreaKm2)
        for (k, gauge) in domain.gauges.enumerated() {
            let xy = centre(gauge.cell)
            let a = products.upstreamAreaKm2[gauge.cell]
            var line = "\(k + 1),\(gauge.id),\(gauge.row),\(gauge.column),\(xy.x),\(xy.y),"
            if let declared = gauge.declaredAreaKm2, declared > 0 {
                let best = upstream.closest(to: declared, around: gauge.row, gauge.column, network: network)
                line += "\(declared),\(products.upstreamCells[gauge.cell]),\(a),\(a / declared),\(best.row),\(best.column),\(best.km2)"
            } else {
                line += ",\(products.upstreamCells[gauge.cell]),\(a),,,,"
            }
            gauges += line + "\n"
        }
        try AtomicFile.write(Data(gauges.utf8), to: folder.appending(path: "gauges.csv"))
        var lines = ["network    \(network.cellCount) cells, \(products.outlets.count) outlet\(products.outlets.count == 1 ? "" : "s"), \(network.levels.count) topological levels, largest upstream area \(String(format: "%.1f", products.upstreamAreaKm2.max() ?? 0)) km²"]
        lines.append("crs        \(g.crs ?? "not given by the flow-direction file (GeoTIFFs carry the georeference only)")")
        for (k, gauge) in domain.gauges.enumerated() {
            let a = products.upstreamAreaKm2[gauge.cell]
            var line = "gauge \(k + 1)    \(gauge.id) at row \(gauge.row), column \(gauge.column): D8 upstream area \(String(format: "%.1f", a)) km²"
            if let d = gauge.declaredAreaKm2, d > 0 { line += String(format: ", declared %.1f km² (ratio %.3f)", d, a / d) }
            lines.append(line)
        }
        return lines
    }
}

/// Upstream areas for the closest-area search around a gauge.
private struct UpstreamAreaValues {
    var cells: [Int32]
    var km2: [Double]

    func closest(to declared: Double, around row: Int, _ column: Int, network: DrainageNetwork) -> (row: Int, column: Int, km2: Double) {
        var best: (error: Double, row: Int, column: Int, km2: Double)?
        for r in (row - 1)...(row + 1) {
            for c in (column - 1)...(column + 1) {
                guard let cell = network.cell(row: r, column: c) else { continue }
                let error = abs(km2[cell] - declared) / declared
                if best == nil || error < best!.error { best = (error, r, c, km2[cell]) }
            }
        }
        return best.map { ($0.row, $0.column, $0.km2) } ?? (row, column, .nan)
    }
}
