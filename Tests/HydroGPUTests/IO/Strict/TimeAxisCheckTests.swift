import Foundation
import HydroGPU
import Testing

/// A NetCDF time coordinate is checked against its bounds and the configured step: bounds
/// that look fine do not hide duplicated, swapped or reversed time values.
@Suite("NetCDF time axis checks")
struct TimeAxisCheckTests {
    private func failure(_ rain: LezForcingCopy) throws -> (CaseFixture, InputError) {
        let f = try CaseFixture()
        try rain.write(f.folder.appending(path: "rain.nc"))
        guard let e = try f.validate(LezForcingCopy.config(f)).error else {
            Issue.record("validation passed but should have failed")
            return (f, InputError(file: "", message: ""))
        }
        return (f, e)
    }

    @Test func duplicatedTimeWithFineBounds() throws {
        var rain = try LezForcingCopy(CaseFixture())
        rain.time[3] = rain.time[2]
        let (f, e) = try failure(rain)
        #expect(e.file == f.folder.appending(path: "rain.nc").path)
        #expect(e.place == "variable 'time', indices 2 and 3")
        #expect(e.message == "the same time 2012-08-04 00:00 twice (duplicated step?)")
    }

    @Test func swappedTimesWithFineBounds() throws {
        var rain = try LezForcingCopy(CaseFixture())
        rain.time.swapAt(10, 11)
        let (_, e) = try failure(rain)
        #expect(e.place == "variable 'time', indices 10 and 11")
        #expect(e.message.hasPrefix("time goes back from 2012-08-13 00:00 to 2012-08-12 00:00"))
    }

    @Test func reversedTimesWithFineBounds() throws {
        var rain = try LezForcingCopy(CaseFixture())
        rain.time.reverse()
        let (_, e) = try failure(rain)
        #expect(e.place == "variable 'time', indices 0 and 1")
        #expect(e.message.hasPrefix("time goes back from 2013-07-31 00:00 to 2013-07-30 00:00"))
    }

    /// Time values that each fall outside their own bounds (values shifted by two days).
    @Test func timeOutsideItsBounds() throws {
        var rain = try LezForcingCopy(CaseFixture())
        rain.time = rain.time.map { $0 + 2 * 86_400 }
        let (_, e) = try failure(rain)
        #expect(e.place == "variable 'time', index 0")
        #expect(e.message == "time 2012-08-04 00:00 lies outside its bounds 2012-08-01 00:00 to 2012-08-02 00:00 in 'time_bnds'")
    }

    /// A 12-hour file whose bounds claim daily steps is not read as daily.
    @Test func twelveHourValuesWithDailyBounds() throws {
        var rain = try LezForcingCopy(CaseFixture())
        rain.time = (0..<LezForcingCopy.steps).map { Double($0 + 1) * 43_200 }
        let (_, e) = try failure(rain)
        #expect(e.place == "variable 'time', indices 0 and 1")
        #expect(e.message == "time values are 43200 s apart but 'time_bnds' gives steps of 86400 s: the file's step is ambiguous")
    }

    /// A 12-hour file (no bounds) under a daily case is refused with both steps named.
    @Test func twelveHourFileReadAsDaily() throws {
        var rain = try LezForcingCopy(CaseFixture())
        rain.bounds = nil
        rain.time = (0..<LezForcingCopy.steps).map { Double($0) * 43_200 }
        let f = try CaseFixture()
        try rain.write(f.folder.appending(path: "rain.nc"))
        let text = LezForcingCopy.config(f).replacingOccurrences(of: "variable: rain}", with: "variable: rain, label: start}")
        let e = try #require(try f.validate(text).error)
        #expect(e.file == f.folder.appending(path: "rain.nc").path + ", variable 'rain'")
        #expect(e.message == "steps of 43200 s; the case's time.step is 86400 s")
    }
}
