import Foundation
import HydroGPU
import Testing

/// Forcing and observations that no weather or river produces are refused when the case is
/// loaded (so `validate` refuses them too), naming the file, the time index and the cell or gauge.
@Suite("Plausibility of forcing and observations")
struct PlausibilityTests {
    private func failure(_ fixture: CaseFixture, _ text: String) throws -> InputError {
        guard let e = try fixture.validate(text).error else {
            Issue.record("validation passed but should have failed")
            return InputError(file: "", message: "")
        }
        return e
    }

    /// Lez rain with `value` at step 5 on the outlet cell (row 26, column 12).
    private func rainWith(_ value: Double) throws -> (CaseFixture, InputError) {
        let f = try CaseFixture()
        var rain = try LezForcingCopy(f)
        rain[5, 26, 12] = value
        try rain.write(f.folder.appending(path: "rain.nc"))
        return (f, try failure(f, LezForcingCopy.config(f)))
    }

    @Test func precipitationOf1e30() throws {
        let (f, e) = try rainWith(1e30)
        #expect(e.file == f.folder.appending(path: "rain.nc").path + ", variable 'rain'")
        #expect(e.place?.hasPrefix("time index 5 (2012-08-06 00:00 to 2012-08-07 00:00), cell ") == true)
        #expect(e.place?.hasSuffix("(row 26, column 12)") == true)
        #expect(e.message.contains("exceeds the physical maximum 2000.0 mm") && e.message.contains("forcing.limits.precipitation_max_mm_per_day"))
    }

    @Test func precipitationOfPlusInfinity() throws {
        let (_, e) = try rainWith(.infinity)
        #expect(e.place?.hasPrefix("time index 5 ") == true && e.place?.hasSuffix("(row 26, column 12)") == true)
        #expect(e.message == "precipitation inf is not a finite value")
    }

    @Test func configuredLimitIsUsed() throws {
        // 150 mm in a day is plausible by default, not under a limit of 100 mm/day.
        let f = try CaseFixture()
        var rain = try LezForcingCopy(f)
        rain[5, 26, 12] = 150
        try rain.write(f.folder.appending(path: "rain.nc"))
        #expect(try f.validate(LezForcingCopy.config(f)).error == nil)
        let e = try failure(f, LezForcingCopy.config(f, extra: "  limits: {precipitation_max_mm_per_day: 100}\n"))
        #expect(e.place?.hasPrefix("time index 5 ") == true && e.message.contains("150.0 mm"))
        let g = try failure(f, LezForcingCopy.config(f, extra: "  limits: {pet_max_mm_per_day: -1}\n"))
        #expect(g.place == "key 'forcing.limits.pet_max_mm_per_day'" && g.message == "a maximum must be positive, found -1.0")
    }

    @Test func nanThatIsNotTheFillValue() throws {
        let f = try CaseFixture()
        var rain = try LezForcingCopy(f)
        rain[5, 26, 12] = .nan
        try rain.write(f.folder.appending(path: "rain.nc"), rawNaN: true)
        let e = try failure(f, LezForcingCopy.config(f))
        #expect(e.file == f.folder.appending(path: "rain.nc").path)
        #expect(e.place == "variable 'rain', time 5, y 26, x 12")
        #expect(e.message.hasPrefix("NaN is not its declared missing value (-9999)"))
        // Without a declared fill value, NaN is how the file marks missing data: the case then
        // fails by the `missing: fail` policy, naming the same step and cell.
        rain.fill = nil
        try rain.write(f.folder.appending(path: "rain.nc"))
        let g = try failure(f, LezForcingCopy.config(f))
        #expect(g.place?.hasPrefix("time index 5 ") == true && g.place?.hasSuffix("(row 26, column 12)") == true)
        #expect(g.message.hasPrefix("precipitation is missing"))
    }

    @Test func allFillForcingUnderMissingFail() throws {
        let f = try CaseFixture()
        var rain = try LezForcingCopy(f)
        rain.values = [Double](repeating: .nan, count: rain.values.count)
        try rain.write(f.folder.appending(path: "rain.nc"))
        let e = try failure(f, LezForcingCopy.config(f))
        #expect(e.file == f.folder.appending(path: "rain.nc").path + ", variable 'rain'")
        #expect(e.place?.hasPrefix("time index 0 ") == true)
        #expect(e.message == "precipitation is missing at every step and cell (all fill values)")
    }

    /// Interpolation needs a value on both sides: a gap at the start or end is an error naming
    /// its time index, unless `interpolate_extend` asks for the nearest value to be copied.
    @Test func edgeGapsAreNotInterpolated() throws {
        let f = try CaseFixture()
        var rain = try LezForcingCopy(f)
        for t in 0..<3 { rain[t, 26, 12] = .nan }
        try rain.write(f.folder.appending(path: "rain.nc"))
        let interpolate = LezForcingCopy.config(f).replacingOccurrences(of: "missing: fail", with: "missing: interpolate")
        let e = try failure(f, interpolate)
        #expect(e.place?.hasPrefix("time index 0 (2012-08-01 00:00), cell ") == true && e.place?.hasSuffix("(row 26, column 12)") == true)
        #expect(e.message.hasPrefix("precipitation is missing from the start of the record to time index 2"))

        rain = try LezForcingCopy(f)
        rain[363, 26, 12] = .nan
        try rain.write(f.folder.appending(path: "rain.nc"))
        let g = try failure(f, interpolate)
        #expect(g.place?.hasPrefix("time index 363 ") == true)
        #expect(g.message.hasPrefix("precipitation is missing from time index 363 to the end of the record"))

        // A gap inside the record is interpolated; an end gap with interpolate_extend copies.
        rain[363, 26, 12] = 7
        rain[100, 26, 12] = .nan
        try rain.write(f.folder.appending(path: "rain.nc"))
        #expect(try f.validate(interpolate).error == nil)
        rain[363, 26, 12] = .nan
        try rain.write(f.folder.appending(path: "rain.nc"))
        let extend = interpolate.replacingOccurrences(of: "missing: interpolate", with: "missing: interpolate_extend")
        #expect(try f.validate(extend).error == nil)
        let filled = try HydroCase.load(f.config).hbvForcing(Double.self)
        let cell = try HydroCase.load(f.config).grid.cellIndex(row: 26, column: 12)!
        let p = { (t: Int) in filled.precipitation[t * filled.cells + cell] }
        #expect(p(363) == p(362))
        #expect(abs(p(100) - (p(99) + p(101)) / 2) < 1e-12)
    }

    /// Precipitation in metres declared as millimetres: accepted with a warning naming it.
    @Test func precipitationInMetresIsFlagged() throws {
        let f = try CaseFixture()
        var rain = try LezForcingCopy(f)
        rain.values = rain.values.map { $0 / 1000 }
        try rain.write(f.folder.appending(path: "rain.nc"))
        let summary = try f.validate(LezForcingCopy.config(f)).get()
        #expect(summary.warnings.count == 1)
        #expect(summary.warnings.first?.hasPrefix("precipitation (\(f.folder.appending(path: "rain.nc").path), variable 'rain') averages") == true)
        #expect(summary.warnings.first?.contains("metres given as millimetres") == true)
        #expect(summary.lines.contains { $0.hasPrefix("warning    precipitation") })
        // The shipped data raises no warning.
        #expect(try f.validate(CaseFixture.baseConfig).get().warnings.isEmpty)
    }

    /// CAMELS forcing has no missing-value marker: 'nan' in it is an error naming line and column.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func nanInCamelsForcing() throws {
        let source = IOTestData.data("camels-us/basin_mean_forcing/daymet/01022500_lump_cida_forcing_leap.txt")
        var lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[9].split(whereSeparator: \.isWhitespace).map(String.init)
        fields[5] = "nan"
        lines[9] = fields.joined(separator: " ")
        let url = IOTestData.temporaryFolder().appending(path: "forcing.txt")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try CamelsForcingFile.read(url) }
        #expect(e?.line == 10 && e?.place == "column 'prcp'" && e?.message.hasPrefix("'nan' is not a finite number") == true)
    }

    /// Discharge row for 2012-08-10 (line 10 of discharge.csv) at the outlet gauge.
    @Test(arguments: ["inf", "1e308", "-inf"])
    func implausibleDischarge(_ token: String) throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "discharge.csv")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cells = lines[9].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(cells[0] == "2012-08-10 00:00")
        cells[1] = token
        lines[9] = cells.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let e = try failure(f, CaseFixture.baseConfig)
        #expect(e.file == url.path)
        if token == "-inf" {
            #expect(e.line == 10 && e.message == "negative discharge -inf")
        } else {
            #expect(e.place == "gauge Y3204040, time index 8 of the file (2012-08-09 00:00 to 2012-08-10 00:00)")
            #expect(e.message.hasPrefix(token == "inf" ? "discharge inf is not a finite value" : "discharge 1e+308 m³/s exceeds 1,000,000 m³/s"))
        }
    }

    /// Constant observations in the calibration window make NSE 0/0: refused before training
    /// under an NSE loss, accepted under RMSE.
    @Test func zeroVarianceObservationsInTheCalibrationWindow() throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "discharge.csv")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let constant = lines.enumerated().map { i, line -> String in
            guard i > 0, !line.isEmpty else { return line }
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[3] = "0.25"
            return cells.joined(separator: ",")
        }
        try constant.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let e = try failure(f, CaseFixture.baseConfig)
        #expect(e.file == url.path)
        #expect(e.place?.hasPrefix("gauge Y3204010, calibration steps 61..<243 (2012-10-01 00:00 to 2013-04-01 00:00)") == true)
        #expect(e.message.hasSuffix("observations in the calibration window equal 0.25: zero variance, the NSE loss is undefined"))
        #expect(try f.validate(f.edited("loss: nse", "loss: rmse")).error == nil)
    }
}
