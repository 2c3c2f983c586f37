import Foundation
import HydroGPU
import Testing

@Suite("GDAL rasters")
struct GDALTests {
    /// pyflwdir's Rhine D8 GeoTIFF (0 = pit, 247 = nodata, no nodata declared) and its ESRI
    /// ASCII export (-9999 nodata) are the same grid, cell for cell.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func rhineGeoTIFFAndAsciiAreIdentical() throws {
        let tif = try GDALRaster.read(IOTestData.data("rhine/rhine_d8.tif"), nodata: 247)
        let asc = try GDALRaster.read(IOTestData.data("rhine/flwdir_esri.asc"))
        #expect(tif.rows == 682 && tif.columns == 997)
        #expect(asc.rows == tif.rows && asc.columns == tif.columns)
        #expect(tif.hasData == asc.hasData)
        #expect(tif.hasData.filter { $0 }.count == 349_847)
        var differing = 0
        for i in tif.values.indices where tif.hasData[i] && tif.values[i] != asc.values[i] { differing += 1 }
        #expect(differing == 0)
        #expect(tif.values.contains(0))                                      // pits survive as data
        #expect(tif.geometry.isGeographic && tif.geometry.crs == "EPSG:4326")
        #expect(abs(tif.geometry.xLowerLeft - asc.geometry.xLowerLeft) < 1e-8)
        #expect(abs(tif.geometry.yLowerLeft - asc.geometry.yLowerLeft) < 1e-6)
        #expect(abs(tif.geometry.cellSize - 1.0 / 120) < 1e-12)
        // Without the override 247 is a value: the file declares no nodata.
        let raw = try GDALRaster.read(IOTestData.data("rhine/rhine_d8.tif"))
        #expect(raw.hasData.allSatisfy { $0 })
    }

    @Test func geoTIFFWriteReadsBackIdentically() throws {
        let url = IOTestData.temporaryFolder().appending(path: "maps/beta.tif")
        let raster = Raster(rows: 3, columns: 2, geometry: GridGeometry(xLowerLeft: 761_000, yLowerLeft: 6_275_000, cellSize: 1000, crs: "EPSG:2154"),
                            values: [1.5, 2.25, -0.125, 1e-7, 3, 123_456.789], hasData: [true, true, false, true, true, true])
        try GDALRaster.writeGeoTIFF(raster, to: url)
        let back = try GDALRaster.read(url)
        #expect(back.rows == 3 && back.columns == 2)
        #expect(back.hasData == raster.hasData)
        for i in raster.values.indices where raster.hasData[i] { #expect(back.values[i] == raster.values[i]) }
        #expect(back.geometry.crs == "EPSG:2154" && !back.geometry.isGeographic)
        #expect(back.geometry.xLowerLeft == 761_000 && back.geometry.yLowerLeft == 6_275_000 && back.geometry.cellSize == 1000)
    }

    @Test func parameterMapsGoToGeoTIFFAndNetCDF() throws {
        let folder = IOTestData.temporaryFolder()
        let g = GridGeometry(xLowerLeft: 0, yLowerLeft: 0, cellSize: 2)
        let fc = Raster<Double>(rows: 2, columns: 2, geometry: g, values: [100, 200, 300, 400], hasData: [true, true, true, false])
        let beta = Raster<Double>(rows: 2, columns: 2, geometry: g, values: [1, 2, 3, 4], hasData: [true, true, true, false])
        try CaseOutputs.writeParameterMaps([("FC", fc), ("BETA", beta)], folder: folder)
        #expect(try GDALRaster.read(folder.appending(path: "FC.tif")).values.prefix(3) == [100, 200, 300])
        let nc = try NetCDFFile(folder.appending(path: "parameters.nc"))
        let values = try nc.readValues(try nc.variable("BETA"))
        #expect(values[0] == 1 && values[1] == 2 && values[2] == 3 && values[3].isNaN)
    }

    @Test func missingAndBrokenFilesNameTheFile() throws {
        let folder = IOTestData.temporaryFolder()
        let missing = folder.appending(path: "none.tif")
        let e1 = #expect(throws: InputError.self) { try GDALRaster.read(missing) }
        #expect(e1?.description == "\(missing.path): no such file")
        let junk = folder.appending(path: "junk.tif")
        try Data("not a tiff".utf8).write(to: junk)
        let e2 = #expect(throws: InputError.self) { try GDALRaster.read(junk) }
        #expect(e2?.file == junk.path && e2?.message.contains("GDAL cannot open") == true)
    }
}
