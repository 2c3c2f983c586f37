import CGDAL
import Foundation
import Synchronization
import HydroDomain

/// Static rasters through GDAL: GeoTIFF, ESRI ASCII and anything else GDAL opens, into
/// `Raster<Double>`; GeoTIFF out. Calls are serialised: GDAL's driver registration and error
/// state are process-wide.
public enum GDALRaster {
    private static let lock = Mutex<Bool>(false)

    private static func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try lock.withLock { (registered: inout Bool) throws(E) -> T in
            if !registered {
                GDALAllRegister()
                // Errors come back through return values; keep GDAL from printing them too.
                CPLSetErrorHandler(CPLQuietErrorHandler)
                registered = true
            }
            return try body()
        }
    }

    private static func lastError() -> String {
        guard let text = CPLGetLastErrorMsg(), text.pointee != 0 else { return "no reason given" }
        return String(cString: text)
    }

    /// Reads band `band` of `url`. `nodata` overrides the file's own nodata value (e.g. 247 in
    /// pyflwdir's D8 GeoTIFFs, which declare none). Cells equal to it, and NaN, have no data.
    public static func read(_ url: URL, band: Int32 = 1, nodata: Double? = nil, variable: String? = nil) throws(InputError) -> Raster<Double> {
        try readNoting(url, band: band, nodata: nodata, variable: variable).raster
    }

    /// As `read`, with a note when the grid had no CRS and was taken as geographic: a grid
    /// without a CRS whose cells are under a unit wide and whose extent lies within ±180° x ±90°
    /// is in degrees (no grid in metres has sub-metre cells over such a small extent near the
    /// origin), so its cell areas come from the sphere and are never 0 km².
    /// `variable` reads a variable of a NetCDF file (GDAL's `NETCDF:"file":variable`).
    public static func readNoting(_ url: URL, band: Int32 = 1, nodata: Double? = nil, variable: String? = nil) throws(InputError) -> (raster: Raster<Double>, note: String?) {
        let path = url.path
        try InputFile.checkReadable(url)
        let openPath = variable.map { "NETCDF:\"\(path)\":\($0)" } ?? path
        let place = variable.map { "variable '\($0)'" }
        return try locked { () throws(InputError) -> (raster: Raster<Double>, note: String?) in
            CPLErrorReset()
            guard let dataset = GDALOpen(openPath, GA_ReadOnly) else {
                throw InputError(file: path, place: place, message: variable == nil ? "GDAL cannot open it as a raster: \(lastError())"
                                 : "GDAL cannot open this NetCDF variable as a raster (is it 2-D (y, x), and in the file?): \(lastError())")
            }
            defer { GDALClose(dataset) }
            let columns = Int(GDALGetRasterXSize(dataset)), rows = Int(GDALGetRasterYSize(dataset))
            guard band >= 1, band <= GDALGetRasterCount(dataset), let handle = GDALGetRasterBand(dataset, band) else {
                throw InputError(file: path, place: "band \(band)", message: "no such band (the file has \(GDALGetRasterCount(dataset)))")
            }
            var transform = [Double](repeating: 0, count: 6)
            guard GDALGetGeoTransform(dataset, &transform) == CE_None else {
                throw InputError(file: path, place: place, message: "has no georeference (geotransform)")
            }
            // North-up, square cells: transform = [x0, dx, 0, y0, 0, -dy].
            let dx = transform[1], dy = -transform[5]
            guard transform[2] == 0, transform[4] == 0, dx > 0, dy > 0, abs(dx - dy) <= 1e-9 * dx + 1e-12 else {
                throw InputError(file: path, message: "grid is rotated, south-up or has non-square cells (geotransform \(transform)); HydroGPU needs north-up square cells")
            }
            var values = [Double](repeating: 0, count: rows * columns)
            let status = values.withUnsafeMutableBytes { buffer in
                GDALRasterIO(handle, GF_Read, 0, 0, Int32(columns), Int32(rows), buffer.baseAddress, Int32(columns), Int32(rows), GDT_Float64, 0, 0)
            }
            guard status == CE_None else {
                throw InputError(file: path, place: "band \(band)", message: "cannot read values (truncated file?): \(lastError())")
            }
            var hasNodata: Int32 = 0
            let fileNodata = GDALGetRasterNoDataValue(handle, &hasNodata)
            let missing = nodata ?? (hasNodata != 0 ? fileNodata : nil)
            let hasData = values.map { !$0.isNaN && $0 != missing }
            let projection = GDALGetProjectionRef(dataset)
            let (geographic, crs) = spatialReference(projection)
            var geometry = GridGeometry(xLowerLeft: transform[0], yLowerLeft: transform[3] - Double(rows) * dy, cellSize: dx,
                                        isGeographic: geographic, crs: crs)
            var note: String?
            let hasCRS = projection.map { $0.pointee != 0 } ?? false
            if !hasCRS, CellGeometry.looksGeographic(geometry, rows: rows, columns: columns) {
                geometry.isGeographic = true
                geometry.crs = "EPSG:4326"
                note = "no CRS given and cells of \(dx) units within ±180/±90: taken as geographic (degrees, WGS84); cell areas on the sphere"
            }
            return (Raster(rows: rows, columns: columns, geometry: geometry, values: values, hasData: hasData), note)
        }
    }

    /// The nodata value `url`'s band `band` declares, or nil when it declares none.
    public static func declaredNoData(of url: URL, band: Int32 = 1) throws(InputError) -> Double? {
        let path = url.path
        return try locked { () throws(InputError) -> Double? in
            CPLErrorReset()
            guard let dataset = GDALOpen(path, GA_ReadOnly) else {
                throw InputError(file: path, message: "GDAL cannot open it as a raster: \(lastError())")
            }
            defer { GDALClose(dataset) }
            guard band >= 1, band <= GDALGetRasterCount(dataset), let handle = GDALGetRasterBand(dataset, band) else { return nil }
            var has: Int32 = 0
            let value = GDALGetRasterNoDataValue(handle, &has)
            return has != 0 ? value : nil
        }
    }

    /// The CRS of `url` alone (for an ESRI ASCII grid, its `.prj`): whether it is geographic and
    /// its "EPSG:n" when it has one. Values are not read.
    public static func spatialReference(of url: URL) throws(InputError) -> (geographic: Bool, crs: String?) {
        let path = url.path
        return try locked { () throws(InputError) -> (geographic: Bool, crs: String?) in
            CPLErrorReset()
            guard let dataset = GDALOpen(path, GA_ReadOnly) else {
                throw InputError(file: path, message: "GDAL cannot open it as a raster: \(lastError())")
            }
            defer { GDALClose(dataset) }
            let (geographic, crs) = spatialReference(GDALGetProjectionRef(dataset))
            return (geographic, crs)
        }
    }

    /// Whether a WKT names a geographic CRS, and its "EPSG:n" when it has one.
    private static func spatialReference(_ wkt: UnsafePointer<CChar>?) -> (Bool, String?) {
        guard let wkt, wkt.pointee != 0, let srs = OSRNewSpatialReference(wkt) else { return (false, nil) }
        defer { OSRDestroySpatialReference(srs) }
        let geographic = OSRIsGeographic(srs) != 0
        _ = OSRAutoIdentifyEPSG(srs)
        var crs: String?
        if let name = OSRGetAuthorityName(srs, nil), let code = OSRGetAuthorityCode(srs, nil), String(cString: name) == "EPSG" {
            crs = "EPSG:\(String(cString: code))"
        }
        return (geographic, crs)
    }

    /// Writes `raster` as a one-band Float64 (or `type`) GeoTIFF, atomically: GDAL writes a
    /// temporary file beside `url`, which is then renamed over it. Cells without data get `nodata`.
    public static func writeGeoTIFF(_ raster: Raster<Double>, to url: URL, nodata: Double = -9999) throws(InputError) {
        let folder = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw InputError(file: url.path, message: "cannot create folder: \(error.localizedDescription)")
        }
        let temporary = folder.appending(path: ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tif").path
        try locked { () throws(InputError) in
            CPLErrorReset()
            guard let driver = GDALGetDriverByName("GTiff") else { throw InputError(file: url.path, message: "GDAL has no GTiff driver") }
            var options: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
            options = CSLSetNameValue(options, "COMPRESS", "DEFLATE")
            defer { CSLDestroy(options) }
            guard let dataset = GDALCreate(driver, temporary, Int32(raster.columns), Int32(raster.rows), 1, GDT_Float64, options) else {
                throw InputError(file: url.path, message: "GDAL cannot create it: \(lastError())")
            }
            var closed = false
            defer { if !closed { GDALClose(dataset); unlink(temporary) } }
            let g = raster.geometry
            var transform: [Double] = [g.xLowerLeft, g.cellSize, 0, g.yLowerLeft + Double(raster.rows) * g.cellSize, 0, -g.cellSize]
            _ = GDALSetGeoTransform(dataset, &transform)
            if let crs = g.crs, crs.hasPrefix("EPSG:"), let code = Int32(crs.dropFirst(5)), let srs = OSRNewSpatialReference(nil) {
                defer { OSRDestroySpatialReference(srs) }
                if OSRImportFromEPSG(srs, code) == OGRERR_NONE {
                    var wkt: UnsafeMutablePointer<CChar>? = nil
                    if OSRExportToWkt(srs, &wkt) == OGRERR_NONE, let wkt { _ = GDALSetProjection(dataset, wkt) }
                    VSIFree(wkt)
                }
            }
            let band = GDALGetRasterBand(dataset, 1)
            _ = GDALSetRasterNoDataValue(band, nodata)
            var values = raster.values
            for i in values.indices where !raster.hasData[i] { values[i] = nodata }
            let status = values.withUnsafeMutableBytes { buffer in
                GDALRasterIO(band, GF_Write, 0, 0, Int32(raster.columns), Int32(raster.rows), buffer.baseAddress,
                             Int32(raster.columns), Int32(raster.rows), GDT_Float64, 0, 0)
            }
            guard status == CE_None else { throw InputError(file: url.path, message: "writing values: \(lastError())") }
            closed = true
            CPLErrorReset()
            GDALClose(dataset)
            guard CPLGetLastErrorType() != CE_Failure && CPLGetLastErrorType() != CE_Fatal else {
                unlink(temporary)
                throw InputError(file: url.path, message: "finishing the file: \(lastError())")
            }
        }
        guard rename(temporary, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw InputError(file: url.path, message: "cannot rename the finished file into place: \(reason)")
        }
    }
}
