import Foundation
import HydroDomain

/// Reads a static raster input (flow directions, mask, DEM, cell areas, descriptors, gauge
/// ids): ESRI ASCII grids (`.asc`) with HydroGPU's strict reader, which refuses what GDAL's
/// reads leniently (a row one value short shifts the rest of the grid there, `abc` becomes 0),
/// with the CRS taken from the grid's `.prj` through GDAL; any other format through GDAL.
public enum StaticRaster {
    /// The raster of `source`. `integers` marks a code grid (flow directions, masks, gauge
    /// ids): every value with data must then be a whole number.
    public static func read(_ source: RasterSource, integers: Bool = false) throws(InputError) -> Raster<Double> {
        try readNoting(source, integers: integers).raster
    }

    /// As `read`, with a note when a grid without a CRS was taken as geographic
    /// (`CellGeometry.looksGeographic`: degree-sized cells within ±180/±90), so its cell areas
    /// come from the sphere instead of being read as square metres.
    public static func readNoting(_ source: RasterSource, integers: Bool = false) throws(InputError) -> (raster: Raster<Double>, note: String?) {
        let url = source.file
        var raster: Raster<Double>
        var note: String?
        if let variable = source.variable {
            // A NetCDF variable (wflow staticmaps) through GDAL's subdataset.
            (raster, note) = try GDALRaster.readNoting(url, band: Int32(source.band), nodata: source.nodata, variable: variable)
            if integers { try requireWholeNumbers(raster, file: url.path) }
            return (raster, note)
        }
        if url.pathExtension.lowercased() == "asc" {
            guard source.band == 1 else {
                throw InputError(file: url.path, place: "band \(source.band)", message: "an ESRI ASCII grid has one band")
            }
            raster = try EsriAsciiGrid.read(url, integers: integers)
            let reference = try GDALRaster.spatialReference(of: url)
            raster.geometry.isGeographic = reference.geographic
            raster.geometry.crs = reference.crs
            if !reference.geographic, reference.crs == nil, CellGeometry.looksGeographic(raster.geometry, rows: raster.rows, columns: raster.columns) {
                raster.geometry.isGeographic = true
                raster.geometry.crs = "EPSG:4326"
                note = "no CRS given and cells of \(raster.geometry.cellSize) units within ±180/±90: taken as geographic (degrees, WGS84); cell areas on the sphere"
            }
            if let nodata = source.nodata {
                for i in raster.values.indices where raster.values[i] == nodata { raster.hasData[i] = false }
            }
        } else {
            (raster, note) = try GDALRaster.readNoting(url, band: Int32(source.band), nodata: source.nodata)
            if integers {
                try requireWholeNumbers(raster, file: url.path)
                // GDAL reads NaN as no data; in a code grid (a mask: a dropped cell) it must be
                // the declared nodata to mean that.
                if let i = raster.values.firstIndex(where: \.isNaN) {
                    var declared = source.nodata
                    if declared == nil { declared = try GDALRaster.declaredNoData(of: url, band: Int32(source.band)) }
                    if !(declared?.isNaN ?? false) {
                        throw InputError(file: url.path, row: i / raster.columns, column: i % raster.columns,
                                         message: "NaN is not a code, nor this grid's nodata (\(declared.map { "\($0)" } ?? "none declared"))")
                    }
                }
            }
        }
        return (raster, note)
    }

    /// Fails at the first cell with data whose value is not a whole number (GDAL hands
    /// every format over as Float64, so a code grid stored as floats is checked here).
    static func requireWholeNumbers(_ raster: Raster<Double>, file: String) throws(InputError) {
        for i in raster.values.indices where raster.hasData[i] {
            let v = raster.values[i]
            guard v.isFinite, v == v.rounded() else {
                throw InputError(file: file, row: i / raster.columns, column: i % raster.columns,
                                 message: "\(v) is not a whole number (this grid holds codes)")
            }
        }
    }

    /// Fails at the first active cell where `raster` has no data or a non-finite value: inside
    /// the active domain nodata is an error, never a silent zero or a dropped cell.
    public static func requireData(_ raster: Raster<Double>, onCells activeCells: [Int], file: String, what: String) throws(InputError) {
        for flat in activeCells {
            guard raster.hasData[flat], raster.values[flat].isFinite else {
                let shown = raster.hasData[flat] ? "\(raster.values[flat])" : "nodata"
                throw InputError(file: file, row: flat / raster.columns, column: flat % raster.columns,
                                 message: "active cell has \(shown) for \(what); every active cell needs a value")
            }
        }
    }
}
