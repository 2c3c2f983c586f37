import HydroGPU
import Testing

@Suite("Forcing time: CF units and calendars")
struct ForcingTimeTests {
    @Test func unitsAndCalendars() throws {
        let hours = try CFTimeUnits(units: "hours since 1990-01-01 00:00:00", calendar: "gregorian")
        // 1990 is not leap: 365 days * 24 h after 1990-01-01 is 1991-01-01.
        #expect(hours.time(ofValue: 365 * 24) == CivilTime(1991, 1, 1))
        #expect(hours.time(ofValue: 36) == CivilTime(1990, 1, 2, 12))
        let noleap = try CFTimeUnits(units: "days since 2000-02-28", calendar: "noleap")
        #expect(noleap.time(ofValue: 1) == CivilTime(2000, 3, 1))      // no Feb 29
        let standard = try CFTimeUnits(units: "days since 2000-02-28", calendar: "standard")
        #expect(standard.time(ofValue: 1) == CivilTime(2000, 2, 29))   // 2000 is leap (divisible by 400)
        let days360 = try CFTimeUnits(units: "days since 2000-01-01", calendar: "360_day")
        #expect(days360.time(ofValue: 360) == CivilTime(2001, 1, 1))
        #expect(days360.time(ofValue: 59) == CivilTime(2000, 2, 30))
        let d365 = try CFTimeUnits(units: "days since 1989-01-01", calendar: "365_day")
        #expect(d365.time(ofValue: 4 * 365) == CivilTime(1993, 1, 1))
        let proleptic = try CFTimeUnits(units: "seconds since 1900-03-01T00:00:00Z", calendar: "proleptic_gregorian")
        #expect(proleptic.time(ofValue: -86_400) == CivilTime(1900, 2, 28))  // 1900 is not leap
    }

    @Test func gregorianDayNumbersAgreeWithAKnownCount() {
        // 1970-01-01 is 719,162 days after 0001-01-01 in the proleptic Gregorian calendar.
        #expect(CFCalendar.standard.dayNumber(year: 1970, month: 1, day: 1) == 719_162)
        for n in stride(from: 700_000, to: 740_000, by: 997) {
            let d = CFCalendar.standard.date(dayNumber: n)
            #expect(CFCalendar.standard.dayNumber(year: d.year, month: d.month, day: d.day) == n)
        }
    }

    @Test func badUnitsAreRefused() {
        #expect(throws: TimeUnitsError.self) { try CFTimeUnits(units: "fortnights since 2000-01-01", calendar: nil) }
        #expect(throws: TimeUnitsError.self) { try CFTimeUnits(units: "days since 2000-13-01", calendar: nil) }
        #expect(throws: TimeUnitsError.self) { try CFTimeUnits(units: "days since 2000-01-01", calendar: "martian") }
        #expect(throws: TimeUnitsError.self) { try CFTimeUnits(units: "days", calendar: nil) }
    }

    @Test func unitConversions() {
        // Hourly steps: mm/h x 1, mm/d / 24, kg m-2 s-1 x 3600; temperatures in K lose 273.15.
        #expect(UnitConversion.to(.waterDepth, from: "mm/h", stepSeconds: 3600)!.apply(2) == 2)
        #expect(UnitConversion.to(.waterDepth, from: "mm d-1", stepSeconds: 3600)!.apply(24) == 1)
        #expect(UnitConversion.to(.waterDepth, from: "kg m-2 s-1", stepSeconds: 3600)!.apply(0.001) == 3.6)
        #expect(UnitConversion.to(.waterDepth, from: "kg m-2", stepSeconds: 86_400)!.apply(5) == 5)
        #expect(UnitConversion.to(.temperature, from: "K", stepSeconds: 86_400)!.apply(273.15) == 0)
        #expect(UnitConversion.to(.temperature, from: "degC", stepSeconds: 86_400)!.apply(-3) == -3)
        #expect(UnitConversion.to(.waterDepth, from: "degC", stepSeconds: 86_400) == nil)
        #expect(UnitConversion.to(.temperature, from: "mm", stepSeconds: 86_400) == nil)
    }
}

@Suite("Forcing records with other time references")
struct ForcingReferenceTests {
    /// mHM's tmin.nc counts days since 1933-12-31 (pre.nc since 1989-01-01) and has no x/y
    /// coordinate variables: its grid comes from the header; both records start 1989-01-01.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func moselleTminAlignsByDate() throws {
        let header = try GridHeader.read(IOTestData.data("moselle/meteo/pre/header.txt"))
        let tmin = try NetCDFForcingReader.read(IOTestData.data("moselle/meteo/tmin.nc"), variable: "tmin", quantity: .temperature, grid: header.geometry)
        let pre = try NetCDFForcingReader.read(IOTestData.data("moselle/meteo/pre/pre.nc"), variable: "pre", quantity: .waterDepth, grid: header.geometry)
        #expect(tmin.time.start == CivilTime(1989, 1, 1) && pre.time.start == CivilTime(1989, 1, 1))
        #expect(tmin.time.count == 1826 && tmin.time.stepSeconds == 86_400)
        // 1933-12-31 to 1989-01-01 is a day plus 55 years, 14 of them leap (1936, 1940, ... 1988):
        // 1 + 55 * 365 + 14 = 20,090 days, the first time value in the file.
        let nc = try NetCDFFile(IOTestData.data("moselle/meteo/tmin.nc"))
        #expect(try nc.readRaw(try nc.variable("time")).first == Double(1 + 55 * 365 + 14))
        #expect(tmin.geometry == header.geometry && tmin.rows == 9 && tmin.columns == 6)
        // Without the header the reader asks for one.
        let e = #expect(throws: InputError.self) { try NetCDFForcingReader.read(IOTestData.data("moselle/meteo/tmin.nc"), variable: "tmin", quantity: .temperature) }
        #expect(e?.message.contains("give the grid in the config") == true)
    }
}
