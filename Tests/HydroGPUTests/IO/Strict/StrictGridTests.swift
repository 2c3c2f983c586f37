import Foundation
import HydroGPU
import Testing

/// Grids are read strictly: a token that is not a number (a whole number in a code grid), a
/// row of the wrong width, or nodata on an active cell is an error naming file, row and column.
@Suite("Strict grid readers")
struct StrictGridTests {
    private func failure(_ fixture: CaseFixture, _ text: String = CaseFixture.baseConfig) throws -> InputError {
        guard let e = try fixture.validate(text).error else {
            Issue.record("validation passed but should have failed")
            return InputError(file: "", message: "")
        }
        return e
    }

    /// Row 10, column 7 of the Lez flow directions is data line 17 of the file.
    @Test(arguments: ["nan", "abc", ":"])
    func flowDirectionTokenThatIsNotACode(_ token: String) throws {
        let f = try CaseFixture()
        try f.setCell("flwdir_esri.asc", row: 10, column: 7, to: token)
        let e = try failure(f)
        #expect(e.file == f.folder.appending(path: "flwdir_esri.asc").path)
        #expect(e.line == 17 && e.row == 10 && e.column == 7)
        #expect(e.message == "'\(token)' is not a finite number")
    }

    @Test func flowDirectionThatIsNotAWholeNumber() throws {
        let f = try CaseFixture()
        try f.setCell("flwdir_esri.asc", row: 3, column: 2, to: "4.5")
        let e = try failure(f)
        #expect(e.row == 3 && e.column == 2 && e.message == "'4.5' is not a whole number (this grid holds codes)")
        // "4.0" is the whole number 4: the same network as the shipped grid.
        let g = try CaseFixture()
        let original = try String(contentsOf: g.folder.appending(path: "flwdir_esri.asc"), encoding: .utf8).split(separator: "\n")[6 + 3]
            .split(separator: " ")[2]
        try g.setCell("flwdir_esri.asc", row: 3, column: 2, to: "\(original).0")
        #expect(try g.validate(CaseFixture.baseConfig).error == nil)
    }

    @Test func rowOneValueShort() throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "flwdir_esri.asc")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[6 + 5] = lines[6 + 5].split(separator: " ").dropLast().joined(separator: " ")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let e = try failure(f)
        #expect(e.file == url.path && e.line == 12 && e.row == 5 && e.column == nil)
        #expect(e.message == "13 values, expected 14 (the header's ncols); a row must not be short")
    }

    @Test func rowOneValueLong() throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "flwdir_esri.asc")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[6 + 5] += " 4"
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let e = try failure(f)
        #expect(e.file == url.path && e.line == 12 && e.row == 5)
        #expect(e.message.hasPrefix("more than the 14 values per row the header declares"))
    }

    @Test func nanInTheMask() throws {
        let f = try CaseFixture()
        try f.setCell("active_cell.asc", row: 26, column: 12, to: "nan")
        let e = try failure(f)
        #expect(e.file == f.folder.appending(path: "active_cell.asc").path && e.row == 26 && e.column == 12)
        #expect(e.message == "'nan' is not a finite number")
    }

    @Test func descriptorNodataOnAnActiveCell() throws {
        let f = try CaseFixture()
        try f.setCell("descriptors/slope.asc", row: 26, column: 12, to: "-9999")
        let e = try failure(f)
        #expect(e.file == f.folder.appending(path: "descriptors/slope.asc").path && e.row == 26 && e.column == 12)
        #expect(e.message == "active cell has nodata for descriptor 'slope'; every active cell needs a value")
    }

    @Test func descriptorTextOnAnActiveCell() throws {
        let f = try CaseFixture()
        try f.setCell("descriptors/karst.asc", row: 26, column: 12, to: "abc")
        let e = try failure(f)
        #expect(e.file == f.folder.appending(path: "descriptors/karst.asc").path && e.row == 26 && e.column == 12 && e.line == 33)
        #expect(e.message == "'abc' is not a finite number")
    }

    /// Nodata on an inactive cell of a descriptor stays allowed (outside the domain).
    @Test func descriptorNodataOutsideTheDomainIsFine() throws {
        let f = try CaseFixture()
        let mask = try EsriAsciiGrid.read(f.folder.appending(path: "active_cell.asc"))
        let inactive = mask.values.firstIndex(of: 0)!
        try f.setCell("descriptors/slope.asc", row: inactive / 14, column: inactive % 14, to: "-9999")
        #expect(try f.validate(CaseFixture.baseConfig).error == nil)
    }

    @Test func nanIsNodataOnlyWhenTheHeaderSaysSo() throws {
        let declared = try EsriAsciiGrid.parse("ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value nan\n1 nan\n", file: "g.asc")
        #expect(declared.hasData == [true, false] && declared.values[0] == 1)
        let e = #expect(throws: InputError.self) {
            try EsriAsciiGrid.parse("ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n1 nan\n", file: "g.asc")
        }
        #expect(e?.description == "g.asc, line 7, row 0, column 1: 'nan' is not a finite number")
    }

    @Test(arguments: ["inf", "-inf", "1e400", "0x10", "1e", "--1", "1-2", "+", ".", "4,5"])
    func tokensThatAreNotFiniteNumbers(_ token: String) {
        let e = #expect(throws: InputError.self) {
            try EsriAsciiGrid.parse("ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n\(token) 1\n", file: "g.asc")
        }
        #expect(e?.row == 0 && e?.column == 0 && e?.line == 6)
    }

    /// A header declaring more cells than the file could hold is refused before allocating.
    @Test func impossibleHeaderIsRefusedBeforeAllocating() {
        let e = #expect(throws: InputError.self) {
            try EsriAsciiGrid.parse("ncols 4000000000\nnrows 4000000000\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n", file: "g.asc")
        }
        #expect(e?.message.contains("header declares 4000000000 rows x 4000000000 columns") == true)
        #expect(throws: InputError.self) { try EsriAsciiGrid.parse("ncols 2.5\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n", file: "g.asc") }
        #expect(throws: InputError.self) { try EsriAsciiGrid.parse("ncols 2\nncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n", file: "g.asc") }
    }

    /// The byte parser gives exactly the values of Swift's own (correctly rounded) number
    /// parser on every shipped grid and the shared catchments' grids.
    @Test func valuesEqualAnIndependentTokenisation() throws {
        var files = try FileManager.default.subpathsOfDirectory(atPath: IOTestData.repository.appending(path: "data/lez").path)
            .filter { $0.hasSuffix(".asc") }.map { IOTestData.repository.appending(path: "data/lez/\($0)") }
        if IOTestData.available {
            files += ["cance/flwdir_esri.asc", "cance/upstream_area_smash_km2.asc", "moselle/morph/dem.asc", "moselle/morph/slope.asc",
                      "rhine/upstream_area_pyflwdir_km2.asc"].map(IOTestData.data)
        }
        #expect(files.count >= 9)
        for url in files {
            let raster = try EsriAsciiGrid.read(url)
            let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline)
            let nodata = Double(lines[5].split(whereSeparator: \.isWhitespace)[1])!
            let tokens = lines.dropFirst(6).flatMap { $0.split(whereSeparator: \.isWhitespace) }
            #expect(tokens.count == raster.values.count, "\(url.lastPathComponent)")
            let expected = tokens.map { Double($0)! }
            #expect(expected == raster.values, "\(url.lastPathComponent)")
            #expect(expected.map { $0 != nodata } == raster.hasData, "\(url.lastPathComponent)")
        }
    }

    /// A parameter's class raster (`spatial: zones`) is a code grid too: 'abc' in it is an
    /// error naming the file, row and column, not a class of its own.
    @Test func zoneClassRasterIsReadStrictly() throws {
        let f = try CaseFixture()
        let text = CaseFixture.baseConfig.replacingOccurrences(of: "parameters:\n", with: "parameters:\n  FC: {spatial: zones, zones: zones.asc}\n")
        var zones = try EsriAsciiGrid.read(f.folder.appending(path: "active_cell.asc"))
        for i in zones.values.indices { zones.values[i] = Double(i / 14 < 15 ? 1 : 2) }
        try EsriAsciiGrid.write(zones, to: f.folder.appending(path: "zones.asc"))
        try text.write(to: f.config, atomically: true, encoding: .utf8)
        let config = try CaseConfig.load(f.config)
        let data = try CalibrationData.from(try HydroCase.load(config))
        let setup = try TrainingSetup.from(config: config, data: data)
        #expect(setup.space.layouts[.fc]?.spatial == .zones(zoneOfCell: data.grid.activeCells.map { $0 / 14 < 15 ? 0 : 1 }, zones: 2))
        try f.setCell("zones.asc", row: 20, column: 3, to: "abc")
        let e = #expect(throws: InputError.self) { try TrainingSetup.from(config: config, data: data) }
        #expect(e?.file == f.folder.appending(path: "zones.asc").path && e?.row == 20 && e?.column == 3)
        #expect(e?.message == "'abc' is not a finite number")
    }

    /// A GeoTIFF goes through GDAL: a code that is not a whole number and a descriptor's nodata
    /// on an active cell are refused the same way.
    @Test func geoTIFFCodesAndDescriptorsAreChecked() throws {
        let f = try CaseFixture()
        var d8 = try EsriAsciiGrid.read(f.folder.appending(path: "flwdir_esri.asc"))
        d8[4, 6] = 2.5
        try GDALRaster.writeGeoTIFF(d8, to: f.folder.appending(path: "d8.tif"))
        let e = #expect(throws: InputError.self) { try StaticRaster.read(RasterSource(file: f.folder.appending(path: "d8.tif")), integers: true) }
        #expect(e?.row == 4 && e?.column == 6 && e?.message == "2.5 is not a whole number (this grid holds codes)")

        // NaN in a GeoTIFF mask that declares -9999 as nodata: an error, not a dropped cell.
        var mask = try EsriAsciiGrid.read(f.folder.appending(path: "active_cell.asc"))
        mask[26, 12] = .nan
        try GDALRaster.writeGeoTIFF(mask, to: f.folder.appending(path: "mask.tif"))
        let m = try failure(f, f.edited("mask: active_cell.asc", "mask: mask.tif"))
        #expect(m.file == f.folder.appending(path: "mask.tif").path && m.row == 26 && m.column == 12)
        #expect(m.message == "NaN is not a code, nor this grid's nodata (-9999.0)")

        var slope = try EsriAsciiGrid.read(f.folder.appending(path: "descriptors/slope.asc"))
        slope.hasData[26 * 14 + 12] = false
        try GDALRaster.writeGeoTIFF(slope, to: f.folder.appending(path: "slope.tif"))
        let g = try failure(f, f.edited("slope: descriptors/slope.asc", "slope: slope.tif"))
        #expect(g.file == f.folder.appending(path: "slope.tif").path && g.row == 26 && g.column == 12)
        #expect(g.message.hasPrefix("active cell has nodata for descriptor 'slope'"))
    }
}
