import Foundation
import HydroGPU
import Testing

/// `hydrogpu validate` through its API: every shipped config passes (Moselle is checked in
/// the Moselle forcing suite, which loads it once), and a catalogue of broken inputs each fails
/// with an error naming the file and the place.
@Suite("Validate cases")
struct ValidateTests {
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"),
          arguments: ["lez", "cance", "camels-01022500", "camels-01547700", "camels-02064000", "camels-03015500"])
    func shippedConfigValidates(_ name: String) throws {
        let result = CaseValidation.validate(IOTestData.config(name))
        guard case .success(let s) = result else { Issue.record("\(name): \(result.error!)"); return }
        #expect(!s.lines.isEmpty && s.gauges.allSatisfy { $0.observed != nil })
        #expect(s.periods.count == 3)
    }

    /// Lez: numbers checked against the shared data's metadata (172 cells, 364 days).
    @Test func lezSummary() throws {
        let s = try CaseValidation.validate(IOTestData.config("lez")).get()
        #expect(s.rows == 27 && s.columns == 14 && s.activeCells == 172)
        #expect(s.time.count == 364)
        #expect(s.gauges.map(\.id) == ["Y3204040", "Y3204030", "Y3204010"])
        #expect(s.gauges.map(\.declaredAreaKm2) == [169, 143, 113])
        #expect(s.forcing.map(\.name) == ["precipitation", "pet"])
        #expect(s.forcing.allSatisfy { $0.statistics.missingValues == 0 })
    }

    /// Cance: the missing rain step is reported with its time index, not read as zero.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func canceReportsTheMissingRainStep() throws {
        let s = try CaseValidation.validate(IOTestData.config("cance")).get()
        let p = s.forcing.first { $0.name == "precipitation" }!.statistics
        #expect(p.stepsWithMissing == [2279])
        #expect(p.missingValues == 383)
        #expect(s.lines.contains { $0.contains("missing at time indices 2279 (2014-12-18 23:00 to 2014-12-19 00:00)") })
        // Levels and upstream areas from the merged D8 network agree with smash's own export:
        // the number of levels is the largest flwpar_smash.asc value (1 + longest upstream
        // chain) and the areas are gauges.csv's delineated areas (cells of 1 km²).
        let flwpar = try String(contentsOf: IOTestData.data("cance/flwpar_smash.asc"), encoding: .utf8).split(separator: "\n").dropFirst(6)
            .flatMap { $0.split(whereSeparator: \.isWhitespace).compactMap { Double($0) } }
        #expect(s.levels == Int(flwpar.max()!))
        let table = try String(contentsOf: IOTestData.data("cance/gauges.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let delineated = table.map { Double($0.split(separator: ",")[6])! }
        #expect(s.gauges.map { $0.upstreamAreaKm2! } == delineated)
        #expect(s.lines.contains { $0.hasPrefix("network    31 topological levels, 1 outlet") })
        // With missing: fail the model input refuses, naming the variable and the step.
        var c = try HydroCase.load(IOTestData.config("cance"))
        let filled = try c.hbvForcing(Double.self)
        #expect(filled.precipitation[2279 * 383] == (c.precipitation.values[2278 * 383] + c.precipitation.values[2280 * 383]) / 2)
        c.config.forcing.missing = .fail
        let e = #expect(throws: InputError.self) { try c.hbvForcing(Double.self) }
        #expect(e?.place?.hasPrefix("time index 2279 (2014-12-18 23:00 to 2014-12-19 00:00)") == true)
        #expect(e?.file.hasSuffix("cance/forcing.nc, variable 'prcp'") == true)
    }

    // MARK: The catalogue of broken inputs

    private func failure(_ fixture: CaseFixture, _ text: String) throws -> InputError {
        let result = try fixture.validate(text)
        guard let e = result.error else {
            Issue.record("validation passed but should have failed")
            return InputError(file: "", message: "")
        }
        return e
    }

    @Test func missingFile() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("file: ../data/lez/forcing.nc, variable: prcp".replacingOccurrences(of: "../data/lez/", with: ""), "file: rain.nc, variable: prcp"))
        #expect(e.description == "\(f.folder.appending(path: "rain.nc").path): no such file")
    }

    @Test func wrongVariableName() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("variable: prcp", "variable: precip"))
        #expect(e.file == f.folder.appending(path: "forcing.nc").path)
        #expect(e.place == "variable 'precip'" && e.message.hasPrefix("no such variable (the file has: prcp, pet"))
    }

    @Test func truncatedNetCDF() throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "forcing.nc")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count * 3 / 4).write(to: url)
        let e = try failure(f, CaseFixture.baseConfig)
        #expect(e.file == url.path)
        #expect(e.description.contains("truncated"))
    }

    @Test func maskOnAnotherGrid() throws {
        let f = try CaseFixture()
        let mask = f.folder.appending(path: "active_cell.asc")
        var lines = try String(contentsOf: mask, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = "nrows 26"
        lines.removeLast()
        try lines.joined(separator: "\n").write(to: mask, atomically: true, encoding: .utf8)
        let e = try failure(f, CaseFixture.baseConfig)
        #expect(e.file == mask.path)
        #expect(e.message.hasPrefix("grid 26 x 14") && e.message.contains("does not match the flow directions flwdir_esri.asc (27 x 14"))
    }

    @Test func forcingGridNotCoveringTheModel() throws {
        let f = try CaseFixture()
        // A grid header that puts the forcing 100 km east of the model cells.
        try "ncols 14\nnrows 27\nxllcorner 861000\nyllcorner 6275000\ncellsize 1000\n".write(to: f.folder.appending(path: "header.txt"), atomically: true, encoding: .utf8)
        let e = try failure(f, f.edited("variable: prcp}", "variable: prcp, grid: header.txt}"))
        #expect(e.file.hasSuffix("forcing.nc, variable 'prcp'"))
        // The first active cell, from the mask's own text: row 0, first column holding 1.
        let maskRow = try String(contentsOf: f.folder.appending(path: "active_cell.asc"), encoding: .utf8).split(separator: "\n")[6]
        let column = maskRow.split(separator: " ").firstIndex(of: "1")!
        #expect(e.place == "model cell row 0, column \(column) (centre \(761_500.0 + 1000 * Double(column)), 6301500.0)")
        #expect(e.message.hasPrefix("lies outside the forcing grid"))
    }

    @Test func forcingGridHeaderOfAnotherShape() throws {
        let f = try CaseFixture()
        try "ncols 6\nnrows 9\nxllcorner 761000\nyllcorner 6275000\ncellsize 3000\n".write(to: f.folder.appending(path: "header.txt"), atomically: true, encoding: .utf8)
        let e = try failure(f, f.edited("variable: prcp}", "variable: prcp, grid: header.txt}"))
        #expect(e.file == f.folder.appending(path: "forcing.nc").path && e.place == "variable 'prcp'")
        #expect(e.message == "is 27 x 14 cells but its grid header header.txt says 9 x 6")
    }

    @Test func periodOutsideTheForcing() throws {
        let f = try CaseFixture()
        let text = f.edited("validation: [2013-04-01, 2013-07-31 00:00]", "validation: [2013-04-01, 2013-09-30]")
        let e = try failure(f, text)
        #expect(e.file == f.config.path && e.line == CaseFixture.line(of: "validation:", in: text))
        #expect(e.place == "key 'periods.validation'")
        #expect(e.message == "2013-04-01 00:00 to 2013-10-01 00:00 lies outside the case's time 2012-08-01 00:00 to 2013-07-31 00:00")
    }

    @Test func impossibleDate() throws {
        let f = try CaseFixture()
        let text = f.edited("calibration: [2012-10-01, 2013-03-31]", "calibration: [2012-10-01, 2013-02-30]")
        let e = try failure(f, text)
        #expect(e.line == CaseFixture.line(of: "calibration:", in: text) && e.place == "key 'periods.calibration[1]'")
        #expect(e.message == "'2013-02-30' is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    }

    @Test func caseLongerThanTheForcing() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("end: 2013-07-31 00:00\nperiods", "end: 2013-12-31\nperiods"))
        #expect(e.file == f.folder.appending(path: "forcing.nc").path + ", variable 'prcp'")
        #expect(e.message == "covers 2012-08-01 00:00 to 2013-07-31 00:00; the case needs 2012-08-01 00:00 to 2014-01-01 00:00")
    }

    @Test func timeStepMismatch() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("step: 1d", "step: 1h"))
        #expect(e.message == "steps of 86400 s; the case's time.step is 3600 s")
        #expect(e.file.hasSuffix("forcing.nc, variable 'prcp'"))
    }

    @Test func negativeRain() throws {
        let f = try CaseFixture()
        // A copy of the forcing with one negative value at step 5, row 10, column 7.
        let source = try NetCDFForcingReader.read(f.folder.appending(path: "forcing.nc"), variable: "prcp", quantity: .waterDepth)
        var values = source.values
        values[5 * 27 * 14 + 10 * 14 + 7] = -2
        let url = f.folder.appending(path: "bad.nc")
        let w = try NetCDFWriter(url)
        try w.defineDimension("time", length: 364)
        try w.defineDimension("y", length: 27)
        try w.defineDimension("x", length: 14)
        try w.defineVariable("time", type: .double, dimensions: ["time"])
        try w.setAttribute("units", "days since 2012-08-01", on: "time")
        try w.defineVariable("y", type: .double, dimensions: ["y"])
        try w.defineVariable("x", type: .double, dimensions: ["x"])
        try w.defineVariable("rain", type: .float, dimensions: ["time", "y", "x"])
        try w.setAttribute("units", "mm", on: "rain")
        try w.write("time", (0..<364).map(Double.init))
        try w.write("y", (0..<27).map { 6_301_500 - 1000 * Double($0) })
        try w.write("x", (0..<14).map { 761_500 + 1000 * Double($0) })
        try w.write("rain", values)
        try w.finish()
        let e = try failure(f, f.edited("file: forcing.nc, variable: prcp", "file: bad.nc, variable: rain"))
        #expect(e.file == url.path + ", variable 'rain'")
        let grid = try CaseValidation.validate(IOTestData.config("lez")).get()
        #expect(grid.activeCells == 172)
        #expect(e.place?.hasPrefix("time index 5 (2012-08-06 00:00 to 2012-08-07 00:00), cell ") == true)
        #expect(e.place?.hasSuffix("(row 10, column 7)") == true)
        #expect(e.message == "negative precipitation -2.0 mm")
    }

    @Test func gaugeWithoutObservationsColumn() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("id: Y3204010", "id: Y9999999"))
        #expect(e.file == f.folder.appending(path: "discharge.csv").path && e.line == 1)
        #expect(e.place == "column 'Y9999999'" && e.message == "no such column (columns: date, Y3204040, Y3204030, Y3204010)")
    }

    @Test func gaugeOnAnInactiveCell() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("row: 16, col: 8", "row: 0, col: 0"))
        #expect(e.description == "\(f.config.path), row 0, column 0, gauges[2] 'Y3204010': lies on an inactive cell")
    }

    @Test func gaugeOutsideTheGrid() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("row: 16, col: 8", "row: 40, col: 8"))
        #expect(e.description == "\(f.config.path), row 40, column 8, gauges[2] 'Y3204010': lies outside the 27 x 14 grid")
    }

    @Test func unknownD8Code() throws {
        let f = try CaseFixture()
        // Row 26, column 12 is the outlet gauge's cell: active.
        try f.setCell("flwdir_esri.asc", row: 26, column: 12, to: "3")
        let e = try failure(f, CaseFixture.baseConfig)
        #expect(e.description == "\(f.folder.appending(path: "flwdir_esri.asc").path), row 26, column 12: code 3 is not a esri D8 direction (0, 1, 2, 4, 8, 16, 32, 64, 128)")
    }

    @Test func unknownEncoding() throws {
        let f = try CaseFixture()
        let text = f.edited("encoding: esri", "encoding: d8")
        let e = try failure(f, text)
        #expect(e.line == CaseFixture.line(of: "encoding:", in: text) && e.place == "key 'domain.encoding'")
        #expect(e.message == "'d8' is not one of esri, smash, ldd")
    }

    @Test func unknownKey() throws {
        let f = try CaseFixture()
        let text = f.edited("  snow: false", "  snow: false\n  snowfall: 3")
        let e = try failure(f, text)
        #expect(e.file == f.config.path && e.line == CaseFixture.line(of: "snowfall", in: text))
        #expect(e.place == "key 'model.snowfall'")
    }

    @Test func wrongType() throws {
        let f = try CaseFixture()
        let text = f.edited("row: 26, col: 12", "row: twenty-six, col: 12")
        let e = try failure(f, text)
        #expect(e.line == CaseFixture.line(of: "twenty-six", in: text) && e.place == "key 'gauges[0].row'")
        #expect(e.message == "expected a whole number, found 'twenty-six'")
    }

    @Test func wrongUnits() throws {
        let f = try CaseFixture()
        let e = try failure(f, f.edited("variable: pet}", "variable: pet, units: furlongs}"))
        #expect(e.place == "variable 'pet'" && e.message.hasPrefix("units 'furlongs' are not a water depth or rate"))
    }

    @Test func invalidYAML() throws {
        let f = try CaseFixture()
        let e = try failure(f, "name: lez\ndomain: [unclosed\ntime: {step: 1d}\n")
        #expect(e.file == f.config.path && e.line != nil && e.message.hasPrefix("not valid YAML"))
    }

    @Test func missingRequiredSection() throws {
        let f = try CaseFixture()
        let e = try failure(f, "name: lez\ndomain: {lumped: {area_km2: 1}}\ntime: {step: 1d}\n")
        #expect(e.description == "\(f.config.path), line 1, key 'forcing': is required but missing")
    }

    /// A row left out of a record is a missing value at its step; a row off the record's
    /// steps is an error naming its line.
    @Test func skippedAndOffGridDischargeRows() throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "discharge.csv")
        let original = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        var lines = original
        // Line 11 holds 2012-08-11 00:00, the end of the step 2012-08-10 (case step 9).
        lines.remove(at: 10)
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let summary = try f.validate(CaseFixture.baseConfig).get()
        #expect(summary.gauges[0].observed![9].isNaN && summary.gauges[0].observed![10] == Double(original[11].split(separator: ",")[1]))
        lines = original
        lines[10] = "2012-08-11 06:00,1,1,1"
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let e = try failure(f, CaseFixture.baseConfig)
        #expect(e.file == url.path && e.line == 11)
        #expect(e.message.hasPrefix("time 2012-08-11 06:00 is off the 86400 s steps"))
    }

    @Test func negativeDischarge() throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "discharge.csv")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[3] = "2012-08-04 00:00,-1,0.4,0.1"
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let e = try failure(f, CaseFixture.baseConfig)
        #expect(e.description == "\(url.path), line 4, column 'Y3204040': negative discharge -1.0 (if it marks missing values, give nodata: -1)")
    }

    @Test func missingConfigFile() {
        let url = IOTestData.temporaryFolder().appending(path: "nope.yaml")
        #expect(CaseValidation.validate(url).error?.description == "\(url.path): no such file")
    }
}

/// Other ways to describe the same case give the same case.
@Suite("Validate equivalent descriptions")
struct ValidateEquivalenceTests {
    /// Cance with smash-coded directions and gauges placed by coordinates (gauges.csv's cell
    /// centres) gives the cells and gauge cells of the shipped config.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func canceWithSmashCodesAndCoordinates() throws {
        let shipped = try String(contentsOf: IOTestData.config("cance"), encoding: .utf8)
        let folder = IOTestData.temporaryFolder()
        let text = shipped
            .replacingOccurrences(of: "../../shared/data/", with: IOTestData.shared.path + "/")
            .replacingOccurrences(of: "flwdir_esri.asc\n  encoding: esri", with: "flwdir_smash.asc\n  encoding: smash")
            .replacingOccurrences(of: "row: 20, col: 27", with: "x: 840500.0, y: 6457500.0")
            .replacingOccurrences(of: "row: 10, col: 13", with: "x: 826500.0, y: 6467500.0")
        #expect(text.contains("encoding: smash") && text.contains("x: 826500.0"))
        let url = folder.appending(path: "cance-smash.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let a = try CaseValidation.validate(IOTestData.config("cance")).get()
        let b = try CaseValidation.validate(url).get()
        #expect(a.activeCells == 383 && b.activeCells == 383)
        #expect(a.gauges.map { [$0.row, $0.column] } == b.gauges.map { [$0.row, $0.column] })
        #expect(b.gauges.map { [$0.row, $0.column] } == [[20, 27], [10, 13], [8, 14]])
    }

    @Test func lezDescriptorsOnCells() throws {
        let c = try HydroCase.load(IOTestData.config("lez"))
        let slope = try c.valuesOnCells("slope")
        #expect(slope.count == 172)
        // Own parse of the slope grid at the outlet cell (row 26, column 12).
        let lines = try String(contentsOf: IOTestData.repository.appending(path: "data/lez/descriptors/slope.asc"), encoding: .utf8).split(separator: "\n")
        let value = Double(lines[6 + 26].split(whereSeparator: \.isWhitespace)[12])!
        #expect(slope[c.grid.cellIndex(row: 26, column: 12)!] == value)
        #expect(throws: InputError.self) { try c.valuesOnCells("porosity") }
        #expect(abs(c.grid.totalAreaKm2 - 172) < 2)   // cell_area_m2.asc: cells of about 1 km²
    }
}

@Suite("Validate mutated configs")
struct ValidateMutationTests {
    /// Deleting any one line of the shipped Lez config gives either a valid case or an
    /// `InputError` naming a file; nothing traps.
    @Test func deletingAnyLineNeverTraps() throws {
        let f = try CaseFixture()
        let lines = CaseFixture.baseConfig.split(separator: "\n", omittingEmptySubsequences: false)
        var failures = 0
        for i in lines.indices where !lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("#") && !lines[i].isEmpty {
            var mutated = lines
            mutated.remove(at: i)
            switch try f.validate(mutated.joined(separator: "\n")) {
            case .success: break
            case .failure(let e):
                failures += 1
                #expect(!e.file.isEmpty && !e.message.isEmpty, "line \(i + 1)")
            }
        }
        // Removing a section header, a required key or a period bound must fail.
        #expect(failures >= 5)
    }
}
