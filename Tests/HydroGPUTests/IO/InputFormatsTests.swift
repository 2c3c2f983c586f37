import Foundation
import HydroGPU
import Testing

/// Dates as hydrologists write them: each form read to the civil time it names.
@Suite("Date formats")
struct DateFormatTests {
    @Test func eachFormNamesItsTime() throws {
        let cases: [(String, CivilTime, Bool)] = [
            ("2012-08-02", CivilTime(2012, 8, 2), false),
            ("2012-08-02 13:30", CivilTime(2012, 8, 2, 13, 30), true),
            ("2012-08-02T13:30:00Z", CivilTime(2012, 8, 2, 13, 30), true),
            ("02/08/2012", CivilTime(2012, 8, 2), false),
            ("02/08/2012 13:30", CivilTime(2012, 8, 2, 13, 30), true),
            ("2.8.2012", CivilTime(2012, 8, 2), false),
            ("02.08.2012 07:00", CivilTime(2012, 8, 2, 7), true),
            ("20120802", CivilTime(2012, 8, 2), false),
            ("201208021330", CivilTime(2012, 8, 2, 13, 30), true),
        ]
        for (text, time, hasTime) in cases {
            let format = try #require(DateFormat.detect(Substring(text)), "\(text)")
            let parsed = try #require(format.parse(Substring(text)), "\(text) with \(format)")
            #expect(parsed.time == time && parsed.hasTimeOfDay == hasTime, "\(text)")
        }
    }

    @Test func explicitPatterns() throws {
        let us = try #require(DateFormat(pattern: "%m/%d/%Y"))
        #expect(us.parse("08/02/2012")?.time == CivilTime(2012, 8, 2))
        let named = try #require(DateFormat(pattern: "mm/dd/yyyy HH:MM"))
        #expect(named.parse("12/31/1999 23:00")?.time == CivilTime(1999, 12, 31, 23))
        let compact = try #require(DateFormat(pattern: "yyyymmddHHMM"))
        #expect(compact.parse("199912312300")?.time == CivilTime(1999, 12, 31, 23))
        #expect(DateFormat(pattern: "%Q") == nil && DateFormat(pattern: "%H:%M") == nil)
        // Wrong shapes are refused, not read as something else.
        let dmy = try #require(DateFormat(pattern: "%d/%m/%Y"))
        #expect(dmy.parse("13/13/2012") == nil && dmy.parse("2012-08-02") == nil && dmy.parse("02/08/2012x") == nil)
    }
}

/// Test data shared by the input-format suites: real Lez and CAMELS rows rewritten into other
/// public formats, so each reader is checked against the shipped readers on the same numbers.
enum InputFixtures {
    /// The Lez discharge rows (smash export: "YYYY-MM-DD 00:00" labelled by the step's end).
    static func lezRows() throws -> [(end: CivilTime, values: [String])] {
        let text = try String(contentsOf: IOTestData.repository.appending(path: "data/lez/discharge.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (CivilTime.parse(cells[0])!.time, Array(cells.dropFirst()))
        }
    }

    /// The day a step ending at `end` covers (a daily record labelled by its end).
    static func day(endingAt end: CivilTime) -> CivilTime {
        let c = CFCalendar.standard
        return c.time(seconds: c.seconds(of: end) - 86_400)
    }

    /// Equal series, NaN (missing) matching NaN.
    static func same(_ a: [[Double]], _ b: [[Double]]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// CAMELS 01022500 (Daymet forcing, USGS flow), rows of 2000-2002.
    static let camelsForcing = "camels-us/basin_mean_forcing/daymet/01022500_lump_cida_forcing_leap.txt"
    static let camelsFlow = "camels-us/usgs_streamflow/01022500_streamflow_qc.txt"

    static func write(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// A lumped config for CAMELS 01022500 whose forcing and observation entries are given.
    static func lumpedConfig(domain: String = "lumped: {}", forcing: String, gauges: String) -> String {
        """
        name: test
        domain:
          \(domain)
        time: {step: 1d, start: 2000-01-01, end: 2002-12-31}
        periods:
          warmup: [2000-01-01, 2000-12-31]
          calibration: [2001-01-01, 2001-12-31]
        forcing:
        \(forcing)
        gauges:
        \(gauges)
        model: {snow: true}

        """
    }
}

/// Observed discharge: labels, date forms, units, columns, CAMELS model output.
@Suite("Observed discharge records")
struct ObservedRecordTests {
    /// A daily CSV whose rows carry dates alone is read as those days: the Lez record rewritten
    /// from step-end labels ("2012-08-02 00:00" ends 2012-08-01) to the days themselves, in
    /// four date forms, gives the shipped case's observations exactly, with no label stated.
    @Test func dailyDatesAloneAreThoseDays() throws {
        let f = try CaseFixture()
        let shipped = try f.validate(CaseFixture.baseConfig).get().gauges.map { $0.observed! }
        let rows = try InputFixtures.lezRows()
        let forms: [(String, (CivilTime) -> String)] = [
            ("iso", { $0.dateDescription }),
            ("slash", { "\(InputFixtures.two($0.day))/\(InputFixtures.two($0.month))/\($0.year)" }),
            ("dot", { "\(InputFixtures.two($0.day)).\(InputFixtures.two($0.month)).\($0.year)" }),
            ("compact", { "\($0.year)\(InputFixtures.two($0.month))\(InputFixtures.two($0.day))" }),
        ]
        for (name, form) in forms {
            var text = "Date;Y3204040;Y3204030;Y3204010\n"
            for r in rows { text += form(InputFixtures.day(endingAt: r.end)) + ";" + r.values.joined(separator: ";") + "\n" }
            try InputFixtures.write(text, f.folder.appending(path: "q_\(name).csv"))
            let config = CaseFixture.baseConfig.replacingOccurrences(of: "{file: discharge.csv, label: end}", with: "{file: q_\(name).csv}")
            let summary = try f.validate(config).get()
            #expect(InputFixtures.same(summary.gauges.map { $0.observed! }, shipped), "\(name)")
            #expect(summary.lines.contains { $0.contains("rows labelled by step start (a date alone is that day): first row '\(form(CivilTime(2012, 8, 1)))' (line 2) -> step 0 [2012-08-01 00:00, 2012-08-02 00:00)") }, "\(name)")
        }
    }

    /// Rows with times of day and no stated label stop the run, naming the file and line:
    /// the Lez export (daily, "00:00") and the Cance export (hourly).
    @Test func timesOfDayNeedAStatedLabel() throws {
        let f = try CaseFixture()
        let e = try #require(try f.validate(CaseFixture.baseConfig.replacingOccurrences(of: ", label: end}", with: "}")).error)
        #expect(e.file == f.folder.appending(path: "discharge.csv").path && e.line == 2)
        #expect(e.message.hasPrefix("rows give times of day ('2012-08-02 00:00') at steps of 86400 s") && e.message.contains("label: start or label: end"))
        // With label: end stated, validate says how the first and last rows map to steps.
        let s = try f.validate(CaseFixture.baseConfig).get()
        #expect(s.lines.contains { $0.contains("rows labelled by step end (label: end in the config): first row '2012-08-02 00:00' (line 2) -> step 0 [2012-08-01 00:00, 2012-08-02 00:00)") })
    }

    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func hourlyRecordWithoutLabelStops() throws {
        let text = try String(contentsOf: IOTestData.config("cance"), encoding: .utf8)
            .replacingOccurrences(of: "../../shared/data/", with: IOTestData.shared.path + "/")
            .replacingOccurrences(of: ", label: end}", with: "}")
        let url = IOTestData.temporaryFolder().appending(path: "cance.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let e = try #require(CaseValidation.validate(url).error)
        #expect(e.file == IOTestData.data("cance/discharge.csv").path && e.line == 2)
        #expect(e.message.hasPrefix("rows give times of day ('2014-09-15 01:00') at steps of 3600 s"))
    }

    /// Units: the Lez record in l/s, ft³/s, mm/d and mm per step (with the declared areas)
    /// gives the m³/s values back; other columns hold text and negatives and are not parsed.
    @Test func unitsConvertWithTheGaugeArea() throws {
        let f = try CaseFixture()
        let shipped = try f.validate(CaseFixture.baseConfig).get().gauges.map { $0.observed! }
        let rows = try InputFixtures.lezRows()
        let areas = [169.0, 143.0, 113.0]
        let units: [(String, (Double, Double) -> Double)] = [
            ("l/s", { q, _ in q * 1000 }),
            ("ft3/s", { q, _ in q / 0.028316846592 }),
            ("mm/d", { q, a in q * 86_400 / (a * 1e6) * 1000 }),
            ("mm", { q, a in q * 86_400 / (a * 1e6) * 1000 }),
        ]
        for (k, (unit, convert)) in units.enumerated() {
            var text = "date,station,Y3204040,Y3204030,Y3204010,radiation\n"
            for r in rows {
                let q = r.values.enumerated().map { g, v in v.isEmpty ? "" : String(convert(Double(v)!, areas[g])) }
                text += "\(InputFixtures.day(endingAt: r.end).dateDescription),Lez à Lattes,\(q.joined(separator: ",")),-3.5\n"
            }
            try InputFixtures.write(text, f.folder.appending(path: "q\(k).csv"))
            let config = CaseFixture.baseConfig.replacingOccurrences(of: "{file: discharge.csv, label: end}", with: "{file: q\(k).csv, units: '\(unit)'}")
            let got = try f.validate(config).get().gauges.map { $0.observed! }
            for g in 0..<3 {
                for t in got[g].indices where !(got[g][t].isNaN && shipped[g][t].isNaN) {
                    #expect(abs(got[g][t] - shipped[g][t]) <= 1e-9 * max(1, shipped[g][t]), "\(unit) gauge \(g) step \(t)")
                }
            }
        }
    }

    /// A GRDC day file (`#` header lines, `YYYY-MM-DD;hh:mm; Value`, -999 missing) and a
    /// CAMELS-CH-style column with its units in the header give the Lez values back.
    @Test func grdcAndHeaderUnits() throws {
        let f = try CaseFixture()
        let shipped = try f.validate(CaseFixture.baseConfig).get().gauges.map { $0.observed! }
        let rows = try InputFixtures.lezRows()
        var grdc = "# GRDC STATION DATA FILE\n# GRDC-No.: 6000000\n# Unit of measure: m³/s\nYYYY-MM-DD;hh:mm; Value\n"
        var ch = "date,discharge_spec(mm/d),discharge_vol(m3/s)\n"
        for r in rows {
            let day = InputFixtures.day(endingAt: r.end).dateDescription
            grdc += "\(day);--:--;   \(r.values[0].isEmpty ? "-999.000" : r.values[0])\n"
            let mm = r.values[0].isEmpty ? "" : String(Double(r.values[0])! * 86_400 / 169e6 * 1000)
            ch += "\(day),\(mm),-1\n"
        }
        try InputFixtures.write(grdc, f.folder.appending(path: "6000000_Q_Day.Cmd.txt"))
        try InputFixtures.write(ch, f.folder.appending(path: "ch.csv"))
        let first = "{file: discharge.csv, label: end}"
        var config = CaseFixture.baseConfig.replacingOccurrences(of: first, with: "{file: 6000000_Q_Day.Cmd.txt, format: csv, column: Value, nodata: -999}")
        var got = try f.validate(config).get().gauges[0].observed!
        #expect(InputFixtures.same([got], [shipped[0]]))
        config = CaseFixture.baseConfig.replacingOccurrences(of: first, with: "{file: ch.csv, column: discharge_spec}")
        got = try f.validate(config).get().gauges[0].observed!
        for t in got.indices where !shipped[0][t].isNaN { #expect(abs(got[t] - shipped[0][t]) <= 1e-9 * shipped[0][t]) }
        #expect(got.filter(\.isNaN).count == shipped[0].filter(\.isNaN).count)
    }

    @Test func malformedRecordsNameFileAndPlace() throws {
        let f = try CaseFixture()
        let rows = try InputFixtures.lezRows()
        func record(_ edit: (inout [String]) -> Void) throws -> URL {
            var lines = ["date,Y3204040,Y3204030,Y3204010"] + rows.map { "\(InputFixtures.day(endingAt: $0.end).dateDescription),\($0.values.joined(separator: ","))" }
            edit(&lines)
            let url = f.folder.appending(path: "bad.csv")
            try InputFixtures.write(lines.joined(separator: "\n"), url)
            return url
        }
        let config = CaseFixture.baseConfig.replacingOccurrences(of: "{file: discharge.csv, label: end}", with: "{file: bad.csv}")
        var url = try record { $0[5] = "2012-08-05x,1,1,1" }
        var e = try #require(try f.validate(config).error)
        #expect(e.file == url.path && e.line == 6 && e.message.hasPrefix("'2012-08-05x' is not a date in the form ISO"))
        url = try record { $0[7] = "2012-08-07,abc,1,1" }
        e = try #require(try f.validate(config).error)
        #expect(e.description == "\(url.path), line 8, column 'Y3204040': 'abc' is not a number")
        url = try record { $0[7] = "2012-08-05,1,1,1" }
        e = try #require(try f.validate(config).error)
        #expect(e.file == url.path && e.line == 8 && e.message.hasPrefix("time 2012-08-05 00:00 goes back"))
        url = try record { $0[7] = "2012-08-07,1" }
        e = try #require(try f.validate(config).error)
        #expect(e.description == "\(url.path), line 8: 2 fields, the header has 4")
        // A month-first file read day-first fails at its first day above 12, with a hint.
        url = try record { $0[3] = "13/08/2012,1,1,1" }
        e = try #require(try f.validate(config).error)
        #expect(e.line == 4)
        e = try #require(try f.validate(config.replacingOccurrences(of: "{file: bad.csv}", with: "{file: bad.csv, units: furlongs}")).error)
        #expect(e.file == f.config.path && e.line != nil && e.place == "key 'gauges[0].observed.units'" && e.message.hasPrefix("'furlongs' are not discharge units"))
        e = try #require(try f.validate(config.replacingOccurrences(of: "{file: bad.csv}", with: "{file: bad.csv, date_format: '%Q'}")).error)
        #expect(e.place == "key 'gauges[0].observed.date_format'")
    }

    /// A CAMELS benchmark model output file (OBS_RUN in mm/day) made from the USGS record of
    /// basin 01022500 gives the USGS record's m³/s back, converted with the basin area.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func camelsModelOutputAsObservations() throws {
        let folder = IOTestData.temporaryFolder()
        let usgs = try DischargeFiles.readUSGS(IOTestData.data(InputFixtures.camelsFlow))
        let forcing = try CamelsForcingFile.read(IOTestData.data(InputFixtures.camelsForcing))
        let area = forcing.areaSquareMetres
        var text = "YR MNTH DY HR SWE PRCP RAIM TAIR PET ET MOD_RUN OBS_RUN\n"
        for i in 0..<usgs.time.count {
            let d = usgs.time.stepStart(i)
            let mm = usgs.values[i].isNaN ? -999 : usgs.values[i] * 86_400 / area * 1000
            text += "\(d.year) \(InputFixtures.two(d.month)) \(InputFixtures.two(d.day)) 12 0.0 1.0 1.0 -3.0 0.5 0.4 \(i % 7 + 1).0 \(mm)\n"
        }
        try InputFixtures.write(text, folder.appending(path: "01022500_05_model_output.txt"))
        let forcingPath = IOTestData.data(InputFixtures.camelsForcing).path
        let config = InputFixtures.lumpedConfig(
            forcing: "  precipitation: {file: \(forcingPath), variable: prcp}\n  tmin: {file: \(forcingPath), variable: tmin}\n  tmax: {file: \(forcingPath), variable: tmax}\n  pet_method: hargreaves",
            gauges: "  - {id: '01022500', observed: {file: 01022500_05_model_output.txt}}")
        let url = folder.appending(path: "case.yaml")
        try config.write(to: url, atomically: true, encoding: .utf8)
        let s = try CaseValidation.validate(url).get()
        let expected = try usgs.aligned(to: s.time)
        let got = s.gauges[0].observed!
        for t in got.indices where !(got[t].isNaN && expected[t].isNaN) {
            #expect(abs(got[t] - expected[t]) <= 1e-9 * expected[t], "step \(t)")
        }
        // MOD_RUN (1 to 7 mm/day, cycling by row here) can be selected instead: each value is one
        // of those depths over the basin area in m³/s, and all seven appear; a missing column is named.
        try config.replacingOccurrences(of: "model_output.txt}", with: "model_output.txt, column: MOD_RUN}").write(to: url, atomically: true, encoding: .utf8)
        let depths = (1...7).map { Double($0) / 1000 * area / 86_400 }
        let modelRun = try CaseValidation.validate(url).get().gauges[0].observed!
        #expect(modelRun.allSatisfy { q in depths.contains { abs(q - $0) <= 1e-12 * $0 } })
        #expect(Set(modelRun.map { ($0 * 86_400 * 1000 / area).rounded() }) == Set((1...7).map(Double.init)))
        try config.replacingOccurrences(of: "model_output.txt}", with: "model_output.txt, column: QSIM}").write(to: url, atomically: true, encoding: .utf8)
        let e = try #require(CaseValidation.validate(url).error)
        #expect(e.file == folder.appending(path: "01022500_05_model_output.txt").path && e.line == 1 && e.place == "column 'QSIM'")
    }
}

/// Lumped forcing from CSV, Caravan folders and basin-mean NetCDF, each checked against the
/// CAMELS text reader on the same rows.
@Suite("Lumped forcing formats")
struct LumpedForcingFormatTests {
    static func camelsCase() throws -> CaseSummary {
        let path = IOTestData.data(InputFixtures.camelsForcing).path
        let folder = IOTestData.temporaryFolder()
        let url = folder.appending(path: "case.yaml")
        try InputFixtures.lumpedConfig(
            forcing: "  precipitation: {file: \(path), variable: prcp}\n  tmin: {file: \(path), variable: tmin}\n  tmax: {file: \(path), variable: tmax}\n  pet_method: hargreaves",
            gauges: "  - {id: '01022500', observed: {file: \(IOTestData.data(InputFixtures.camelsFlow).path), format: usgs}}").write(to: url, atomically: true, encoding: .utf8)
        return try CaseValidation.validate(url).get()
    }

    /// The CAMELS rows written as a CSV (units in the header, dd.mm.yyyy dates, a .txt name so
    /// the format is found from the content) give the same fields as the CAMELS reader.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func csvForcingMatchesCamelsText() throws {
        let camels = try CamelsForcingFile.read(IOTestData.data(InputFixtures.camelsForcing))
        let folder = IOTestData.temporaryFolder()
        var text = "# CAMELS 01022500 Daymet, rewritten\ndate;prcp(mm/day);tmin [C];tmax;comment\n"
        for i in 0..<camels.time.count {
            let d = camels.time.stepStart(i)
            text += "\(InputFixtures.two(d.day)).\(InputFixtures.two(d.month)).\(d.year);\(camels.columns["prcp"]![i]);\(camels.columns["tmin"]![i]);\(camels.columns["tmax"]![i]);ok\n"
        }
        try InputFixtures.write(text, folder.appending(path: "forcing.txt"))
        let url = folder.appending(path: "case.yaml")
        let config = InputFixtures.lumpedConfig(
            domain: "lumped: {area_km2: \(camels.areaSquareMetres / 1e6), latitude: \(camels.latitude)}",
            forcing: "  precipitation: {file: forcing.txt, variable: prcp}\n  tmin: {file: forcing.txt, variable: tmin}\n  tmax: {file: forcing.txt, variable: tmax, units: degC}\n  pet_method: hargreaves",
            gauges: "  - {id: '01022500', observed: {file: \(IOTestData.data(InputFixtures.camelsFlow).path), format: usgs}}")
        try config.write(to: url, atomically: true, encoding: .utf8)
        let csv = try CaseValidation.validate(url).get()
        let reference = try Self.camelsCase()
        #expect(csv.time == reference.time && csv.areaKm2 == reference.areaKm2)
        for (a, b) in zip(csv.forcing, reference.forcing) {
            #expect(a.name == b.name && a.statistics.mean == b.statistics.mean && a.statistics.maximum == b.statistics.maximum, "\(a.name)")
        }
        #expect(csv.gauges[0].observed == reference.gauges[0].observed)

        // Errors: a column without units, and the same CSV named as CAMELS text.
        try config.replacingOccurrences(of: "variable: tmax, units: degC}", with: "variable: tmax}").write(to: url, atomically: true, encoding: .utf8)
        var e = try #require(CaseValidation.validate(url).error)
        #expect(e.file == folder.appending(path: "forcing.txt").path && e.place == "column 'tmax'" && e.message.hasPrefix("units are not stated"))
        try config.replacingOccurrences(of: "{file: forcing.txt, variable: prcp}", with: "{file: forcing.txt, variable: prcp, format: camels}").write(to: url, atomically: true, encoding: .utf8)
        e = try #require(CaseValidation.validate(url).error)
        #expect(e.line == 1 && e.message.hasSuffix("for a CSV give format: csv)"))
    }

    /// A Caravan folder in the published layout, made from the CAMELS rows of 01022500
    /// (streamflow in mm/d from the USGS record): `caravan:` alone gives the basin's area and
    /// latitude from the attributes, the forcing, and observations equal to the USGS m³/s.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func caravanBasin() throws {
        let camels = try CamelsForcingFile.read(IOTestData.data(InputFixtures.camelsForcing))
        let usgs = try DischargeFiles.readUSGS(IOTestData.data(InputFixtures.camelsFlow))
        let root = IOTestData.temporaryFolder()
        let areaKm2 = 620.38
        var ts = "date,snow_depth_water_equivalent_mean,total_precipitation_sum,temperature_2m_mean,potential_evaporation_sum,streamflow\n"
        for i in 0..<camels.time.count {
            let d = camels.time.stepStart(i)
            let t = (camels.columns["tmin"]![i] + camels.columns["tmax"]![i]) / 2
            var q = ""
            if let j = usgs.time.index(ofStepStartingAt: d), !usgs.values[j].isNaN {
                let mm: Double = usgs.values[j] * 86_400 / (areaKm2 * 1e6) * 1000
                q = String(mm)
            }
            ts += "\(d.dateDescription),0.0,\(camels.columns["prcp"]![i]),\(t),1.5,\(q)\n"
        }
        try InputFixtures.write(ts, root.appending(path: "timeseries/csv/camels/camels_01022500.csv"))
        try InputFixtures.write("gauge_id,gauge_name,country,gauge_lat,gauge_lon,area\ncamels_01012500,\"Some river, ME\",United States of America,47.2,-68.6,1479.2\ncamels_01022500,Narraguagus River at Cherryfield ME,United States of America,44.6,-67.9,\(areaKm2)\n",
                                root.appending(path: "attributes/camels/attributes_other_camels.csv"))
        try InputFixtures.write("gauge_id,p_mean\ncamels_01022500,3.6\n", root.appending(path: "attributes/camels/attributes_caravan_camels.csv"))
        let url = root.appending(path: "case.yaml")
        let config = """
            caravan: {folder: ., basin: camels_01022500}
            time: {step: 1d, start: 2000-01-01, end: 2002-12-31}
            periods: {warmup: [2000-01-01, 2000-12-31], calibration: [2001-01-01, 2002-12-31]}
            model: {snow: true}

            """
        try config.write(to: url, atomically: true, encoding: .utf8)
        let s = try CaseValidation.validate(url).get()
        #expect(s.name == "camels_01022500" && s.lumped && abs(s.areaKm2 - areaKm2) < 1e-9)
        #expect(s.forcing.map(\.name) == ["precipitation", "temperature", "pet"])
        let reference = try Self.camelsCase()
        #expect(s.forcing[0].statistics.mean == reference.forcing[0].statistics.mean)
        #expect(abs(s.forcing[2].statistics.mean - 1.5) < 1e-12)
        let expected = try usgs.aligned(to: s.time)
        let got = s.gauges[0].observed!
        #expect(got.filter(\.isNaN).count == expected.filter(\.isNaN).count)
        for t in got.indices where !expected[t].isNaN { #expect(abs(got[t] - expected[t]) <= 1e-9 * expected[t]) }

        // A basin not in the attributes, and a folder without the basin's series.
        try config.replacingOccurrences(of: "camels_01022500}", with: "camels_99999999}").write(to: url, atomically: true, encoding: .utf8)
        var e = try #require(CaseValidation.validate(url).error)
        #expect(e.file == root.appending(path: "attributes/camels/attributes_other_camels.csv").path && e.message == "no row for basin 'camels_99999999'")
        try InputFixtures.write("gauge_id,gauge_lat,gauge_lon,area\ncamels_99999999,44,-67,10\n", root.appending(path: "attributes/camels/attributes_other_camels.csv"))
        e = try #require(CaseValidation.validate(url).error)
        #expect(e.file == root.appending(path: "timeseries/csv/camels/camels_99999999.csv").path && e.message == "no such file")
    }

    /// CAMELS precipitation as a NetCDF variable with a time dimension only, and as a 1 x 1
    /// grid: the same field as the CAMELS reader.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func basinMeanNetCDF() throws {
        let camels = try CamelsForcingFile.read(IOTestData.data(InputFixtures.camelsForcing))
        let folder = IOTestData.temporaryFolder()
        let n = camels.time.count
        for (name, dims) in [("series.nc", ["time"]), ("cell.nc", ["time", "y", "x"])] {
            let w = try NetCDFWriter(folder.appending(path: name))
            try w.defineDimension("time", length: n)
            if dims.count == 3 { try w.defineDimension("y", length: 1); try w.defineDimension("x", length: 1) }
            try w.defineVariable("time", type: .double, dimensions: ["time"])
            try w.setAttribute("units", "days since 2000-01-01", on: "time")
            try w.defineVariable("prcp", type: .float, dimensions: dims)
            try w.setAttribute("units", "mm/day", on: "prcp")
            try w.write("time", (0..<n).map(Double.init))
            try w.write("prcp", camels.columns["prcp"]!)
            try w.finish()
        }
        let path = IOTestData.data(InputFixtures.camelsForcing).path
        let reference = try Self.camelsCase()
        for name in ["series.nc", "cell.nc"] {
            let url = folder.appending(path: "case.yaml")
            try InputFixtures.lumpedConfig(domain: "lumped: {area_km2: \(camels.areaSquareMetres / 1e6)}",
                forcing: "  precipitation: {file: \(name), variable: prcp}\n  tmin: {file: \(path), variable: tmin}\n  tmax: {file: \(path), variable: tmax}\n  pet_method: hargreaves",
                gauges: "  - {id: '01022500', observed: {file: \(IOTestData.data(InputFixtures.camelsFlow).path), format: usgs}}").write(to: url, atomically: true, encoding: .utf8)
            let s = try CaseValidation.validate(url).get()
            // Float32 storage: the means agree to float precision.
            #expect(abs(s.forcing[0].statistics.mean - reference.forcing[0].statistics.mean) < 1e-5, "\(name)")
            #expect(abs(s.forcing[0].statistics.maximum - reference.forcing[0].statistics.maximum) < 1e-4, "\(name)")
        }
    }
}

/// A basin-mean NetCDF series is held to the same rule as a grid: a NaN that is not the
/// declared fill value is refused, naming the variable and the time index.
@Suite("Basin-mean NetCDF values")
struct BasinMeanNetCDFValueTests {
    @Test func undeclaredNaNIsRefusedWithItsIndex() throws {
        let folder = IOTestData.temporaryFolder()
        let file = folder.appending(path: "series.nc")
        let w = try NetCDFWriter(file)
        try w.defineDimension("time", length: 10)
        try w.defineVariable("time", type: .double, dimensions: ["time"])
        try w.setAttribute("units", "days since 2000-01-01", on: "time")
        try w.defineVariable("prcp", type: .double, dimensions: ["time"])
        try w.setAttribute("units", "mm/day", on: "prcp")
        try w.setAttribute("_FillValue", [-9999], on: "prcp")
        try w.write("time", (0..<10).map(Double.init))
        var values = [Double](repeating: 1.5, count: 10)
        values[6] = .nan
        try w.write("prcp", values)
        try w.finish()
        let error = #expect(throws: InputError.self) {
            try NetCDFForcingReader.read(file, variable: "prcp", quantity: .waterDepth)
        }
        #expect(error?.file == file.path)
        #expect(error?.place?.contains("variable 'prcp'") == true, "\(String(describing: error))")
        #expect(error?.place?.contains("6") == true, "\(String(describing: error))")
        #expect(error?.message.contains("NaN is not its declared missing value") == true, "\(String(describing: error))")
    }
}

/// Hourly NetCDF forcing without time bounds must state its label; with bounds or a label the
/// steps follow it (end: the first time 01:00 closes the step starting 00:00).
@Suite("Sub-daily NetCDF labels")
struct SubDailyNetCDFLabelTests {
    @Test func hourlyTimesWithoutBoundsNeedALabel() throws {
        let folder = IOTestData.temporaryFolder()
        let n = 48
        let w = try NetCDFWriter(folder.appending(path: "hourly.nc"))
        try w.defineDimension("time", length: n)
        try w.defineVariable("time", type: .double, dimensions: ["time"])
        try w.setAttribute("units", "hours since 2020-01-01 00:00", on: "time")
        for v in ["p", "e"] {
            try w.defineVariable(v, type: .double, dimensions: ["time"])
            try w.setAttribute("units", "mm", on: v)
        }
        try w.write("time", (1...n).map(Double.init))
        try w.write("p", (0..<n).map { Double($0 % 5) })
        try w.write("e", [Double](repeating: 0.1, count: n))
        try w.finish()
        let config = """
            domain: {lumped: {area_km2: 10, latitude: 45}}
            time: {step: 1h, start: 2020-01-01 00:00, end: 2020-01-03 00:00}
            forcing:
              precipitation: {file: hourly.nc, variable: p}
              pet: {file: hourly.nc, variable: e}

            """
        let url = folder.appending(path: "case.yaml")
        try config.write(to: url, atomically: true, encoding: .utf8)
        let e = try #require(CaseValidation.validate(url).error)
        #expect(e.file == folder.appending(path: "hourly.nc").path && e.place == "variable 'time'" && e.message.hasPrefix("times at steps of 3600 s have no bounds"))
        try config.replacingOccurrences(of: "variable: p}", with: "variable: p, label: end}").replacingOccurrences(of: "variable: e}", with: "variable: e, label: end}")
            .write(to: url, atomically: true, encoding: .utf8)
        let s = try CaseValidation.validate(url).get()
        #expect(s.time.count == 48 && s.forcing[0].statistics.maximum == 4)
        #expect(s.lines.contains { $0.contains("times labelled by step end (label in the config), first step 2020-01-01 00:00 to 2020-01-01 01:00") })
    }
}

/// Domain rasters from NetCDF variables, and grids in degrees without a CRS.
@Suite("Domain rasters")
struct DomainRasterFormatTests {
    /// The Lez grids written as one wflow-style staticmaps.nc (variables on x/y coordinates, y
    /// increasing south to north as wflow writes them): the same cells, network and gauges as
    /// the shipped ESRI ASCII case.
    @Test func wflowStyleStaticmaps() throws {
        let f = try CaseFixture()
        let names = ["flwdir_esri", "active_cell", "cell_area_m2", "descriptors/slope"]
        let rasters = try names.map { try GDALRaster.read(f.folder.appending(path: "\($0).asc")) }
        let g = rasters[0].geometry, rows = rasters[0].rows, columns = rasters[0].columns
        let w = try NetCDFWriter(f.folder.appending(path: "staticmaps.nc"))
        try w.defineDimension("y", length: rows)
        try w.defineDimension("x", length: columns)
        try w.defineVariable("y", type: .double, dimensions: ["y"])
        try w.defineVariable("x", type: .double, dimensions: ["x"])
        for (axis, name) in [("Y", "y"), ("X", "x")] {
            try w.setAttribute("units", "m", on: name)
            try w.setAttribute("axis", axis, on: name)
            try w.setAttribute("standard_name", "projection_\(name)_coordinate", on: name)
        }
        let variables = ["local_drain_direction", "wflow_subcatch", "cell_area", "slope"]
        for v in variables {
            try w.defineVariable(v, type: .double, dimensions: ["y", "x"])
            try w.setAttribute("_FillValue", [-9999], on: v)
        }
        try w.write("y", (0..<rows).map { g.yLowerLeft + (Double($0) + 0.5) * g.cellSize })
        try w.write("x", (0..<columns).map { g.xLowerLeft + (Double($0) + 0.5) * g.cellSize })
        for (v, r) in zip(variables, rasters) {
            // South row first.
            var values: [Double] = []
            for row in (0..<rows).reversed() {
                for c in 0..<columns { let i = row * columns + c; values.append(r.hasData[i] ? r.values[i] : -9999) }
            }
            try w.write(v, values)
        }
        try w.finish()
        let config = CaseFixture.baseConfig
            .replacingOccurrences(of: "flow_direction: flwdir_esri.asc", with: "flow_direction: {file: staticmaps.nc, variable: local_drain_direction}")
            .replacingOccurrences(of: "mask: active_cell.asc", with: "mask: {file: staticmaps.nc, variable: wflow_subcatch}")
            .replacingOccurrences(of: "cell_area: cell_area_m2.asc", with: "cell_area: {file: staticmaps.nc, variable: cell_area}")
            .replacingOccurrences(of: "slope: descriptors/slope.asc", with: "slope: {file: staticmaps.nc, variable: slope}")
        #expect(config.components(separatedBy: "staticmaps.nc").count == 5)
        let a = try f.validate(CaseFixture.baseConfig).get()
        let b = try f.validate(config).get()
        #expect(b.rows == a.rows && b.columns == a.columns && b.activeCells == a.activeCells && b.areaKm2 == a.areaKm2 && b.levels == a.levels)
        #expect(b.gauges.map(\.upstreamAreaKm2) == a.gauges.map(\.upstreamAreaKm2))
        #expect(InputFixtures.same(b.gauges.map { $0.observed! }, a.gauges.map { $0.observed! }))
        let e = try #require(try f.validate(config.replacingOccurrences(of: "variable: local_drain_direction", with: "variable: ldd")).error)
        #expect(e.file == f.folder.appending(path: "staticmaps.nc").path && e.place == "variable 'ldd'")
    }

    /// The Rhine D8 grid (30 arc-seconds, ESRI ASCII without a .prj) is recognised as
    /// geographic, with a note; a headwater cell's area is pyflwdir's upstream area there.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func degreeGridWithoutCRSIsGeographic() throws {
        let (d8, note) = try GDALRaster.readNoting(IOTestData.data("rhine/flwdir_esri.asc"))
        #expect(d8.geometry.isGeographic && d8.geometry.crs == "EPSG:4326")
        #expect(note?.contains("taken as geographic") == true)
        let cells = try GDALRaster.read(IOTestData.data("rhine/upstream_cells_pyflwdir.asc"))
        let area = try GDALRaster.read(IOTestData.data("rhine/upstream_area_pyflwdir_km2.asc"))
        var checked = 0
        for i in stride(from: 0, to: cells.values.count, by: 131) where cells.hasData[i] && cells.values[i] == 1 {
            let ours = CellArea.squareMetres(row: i / d8.columns, rows: d8.rows, geometry: d8.geometry) / 1e6
            #expect(abs(ours - area.values[i]) <= 2e-3 * area.values[i], "cell \(i)")
            checked += 1
        }
        #expect(checked > 10)
        // A projected grid with a .prj stays as it is.
        let (lez, lezNote) = try GDALRaster.readNoting(IOTestData.repository.appending(path: "data/lez/flwdir_esri.asc"))
        #expect(!lez.geometry.isGeographic && (lezNote == nil))
    }
}

/// `domain.cut`: a bounding box or the gauges' catchments cut out of a larger grid.
@Suite("Domain cut")
struct DomainCutTests {
    /// Rows 5 to 19 of the Lez grid by a box on cell edges: the active cells there (counted
    /// from active_cell.asc), the gauge at full-grid row 16 kept at its cell, the forcing
    /// mapped by coordinates onto the cut grid.
    @Test func boundingBox() throws {
        let f = try CaseFixture()
        let active = try GDALRaster.read(f.folder.appending(path: "active_cell.asc"))
        let g = active.geometry, s = g.cellSize
        var expected = 0
        for i in active.values.indices where (5..<20).contains(i / active.columns) && active.hasData[i] && active.values[i] != 0 { expected += 1 }
        let box = "[\(g.xLowerLeft), \(g.yLowerLeft + 7 * s), \(g.xLowerLeft + 14 * s), \(g.yLowerLeft + 22 * s)]"
        let config = CaseFixture.baseConfig.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("Y3204040") && !$0.contains("Y3204030") }.joined(separator: "\n")
            .replacingOccurrences(of: "  encoding: esri\n", with: "  encoding: esri\n  cut: {bbox: \(box)}\n")
        let cut = try f.validate(config).get()
        #expect(cut.rows == 15 && cut.columns == 14 && cut.activeCells == expected)
        #expect(cut.gauges[0].row == 11 && cut.gauges[0].column == 8)
        let full = try f.validate(CaseFixture.baseConfig).get()
        #expect(InputFixtures.same([cut.gauges[0].observed!], [full.gauges[2].observed!]))
        #expect(cut.lines.contains { $0.hasPrefix("cut        rows 5..<20, columns 0..<14 of the 27 x 14 grid") })
        // A box beside the grid is refused, naming the key.
        let e = try #require(try f.validate(config.replacingOccurrences(of: box, with: "[0, 0, 1, 1]")).error)
        #expect(e.file == f.config.path && e.place == "key 'domain.cut'" && e.message.hasPrefix("box [0.0, 0.0, 1.0, 1.0] holds no cell centre"))
    }

    /// Cance cut to the catchment of V3515010: as many cells as pyflwdir's upstream count at
    /// the gauge, and the full case's D8 upstream area there.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func gaugeCatchments() throws {
        let text = try String(contentsOf: IOTestData.config("cance"), encoding: .utf8)
            .replacingOccurrences(of: "../../shared/data/", with: IOTestData.shared.path + "/")
        let folder = IOTestData.temporaryFolder()
        let url = folder.appending(path: "cance.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let full = try CaseValidation.validate(url).get()
        let only = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("V3524010") && !$0.contains("V3517010") }.joined(separator: "\n")
            .replacingOccurrences(of: "  encoding: esri\n", with: "  encoding: esri\n  cut: gauges\n")
        try only.write(to: url, atomically: true, encoding: .utf8)
        let cut = try CaseValidation.validate(url).get()
        let pyflwdir = try GDALRaster.read(IOTestData.data("cance/upstream_cells_pyflwdir.asc"))
        #expect(Double(cut.activeCells) == pyflwdir[10, 13])
        let fullGauge = full.gauges.first { $0.id == "V3515010" }!
        #expect(abs(cut.areaKm2 - fullGauge.upstreamAreaKm2!) < 1e-9 && abs(cut.gauges[0].upstreamAreaKm2! - fullGauge.upstreamAreaKm2!) < 1e-9)
        #expect(cut.levels! < full.levels!)
    }
}
