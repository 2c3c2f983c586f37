import Foundation
import HydroGPU
import Testing

@Suite("CAMELS-US lumped basins")
struct CamelsTests {
    static let basins = ["01022500", "01547700", "02064000", "03015500"]

    /// Each basin's config loads: one cell of the header's area, Hargreaves PET from the
    /// file's tmin/tmax and latitude, USGS discharge converted from ft³/s.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"), arguments: basins)
    func basinLoadsWithHargreavesPET(_ id: String) throws {
        let c = try HydroCase.load(IOTestData.config("camels-\(id)"))
        let forcingFile = IOTestData.data("camels-us/basin_mean_forcing/daymet/\(id)_lump_cida_forcing_leap.txt")
        let lines = try String(contentsOf: forcingFile, encoding: .utf8).split(separator: "\n")
        let latitude = Double(lines[0].trimmingCharacters(in: .whitespaces))!
        let area = Double(lines[2].trimmingCharacters(in: .whitespaces))! / 1e6
        #expect(c.grid.cellCount == 1 && abs(c.grid.totalAreaKm2 - area) < 1e-9)
        #expect(c.time.count == 1096 && c.time.start == CivilTime(2000, 1, 1))
        // Day 200 (2000-07-19, day of year 201): columns tmax(C) tmin(C) are 9th and 10th.
        let row = lines[4 + 200].split(whereSeparator: \.isWhitespace)
        #expect(row[0] == "2000" && row[1] == "07" && row[2] == "19")
        let tmax = Double(row[8])!, tmin = Double(row[9])!
        let expected = Hargreaves.pet(minimumTemperature: tmin, maximumTemperature: tmax, latitude: latitude, dayOfYear: 201)
        #expect(abs(c.pet.values[200] - expected) < 1e-12)
        #expect(c.temperature!.values[200] == (tmin + tmax) / 2)
        #expect(c.precipitation.values[200] == Double(row[5])!)
        // USGS: first row's discharge in ft³/s times 0.3048³.
        let usgs = try String(contentsOf: IOTestData.data("camels-us/usgs_streamflow/\(id)_streamflow_qc.txt"), encoding: .utf8).split(separator: "\n")
        let cfs = Double(usgs[0].split(whereSeparator: \.isWhitespace)[4])!
        #expect(abs(c.gauges[0].observed![0] - cfs * 0.3048 * 0.3048 * 0.3048) < 1e-12)
        #expect(c.gauges[0].declaredAreaKm2 == c.grid.totalAreaKm2)
        // The model forcing is complete: no missing values.
        let forcing = try c.hbvForcing(Double.self)
        #expect(forcing.steps == 1096 && forcing.cells == 1)
    }

    @Test func usgsMissingValuesAreMissing() throws {
        let url = IOTestData.temporaryFolder().appending(path: "q.txt")
        try "01022500 2000 01 01   255.00 A:e\n01022500 2000 01 02  -999.00 M\n01022500 2000 01 03   100.00 A\n".write(to: url, atomically: true, encoding: .utf8)
        let s = try DischargeFiles.readUSGS(url)
        #expect(s.values[1].isNaN)
        #expect(abs(s.values[0] - 255 * 0.028316846592) < 1e-12)
        #expect(s.time.count == 3 && s.name == "01022500")
    }

    @Test func camelsGapInDaysIsAnError() throws {
        let url = IOTestData.temporaryFolder().appending(path: "f.txt")
        try "  44.82\n 133.00\n 587675987\nYear Mnth Day Hr dayl(s) prcp(mm/day)\n2000 01 01 12 1 0.5\n2000 01 03 12 1 0.5\n".write(to: url, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { try CamelsForcingFile.read(url) }
        #expect(e?.line == 6)
        #expect(e?.message.contains("2000-01-02 was expected") == true)
    }
}
