import Foundation
import HydroGPU
import Testing

@Suite("NetCDF reading and writing")
struct NetCDFTests {
    /// Cance forcing through the CF reader equals the raw float32 export value for value, and
    /// the rain step ending 2014-12-19 00:00 is missing (NaN), not zero.
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func canceForcingMatchesTheFloat32Export() throws {
        let nc = IOTestData.data("cance/forcing.nc")
        let prcp = try NetCDFForcingReader.read(nc, variable: "prcp", quantity: .waterDepth)
        let pet = try NetCDFForcingReader.read(nc, variable: "pet", quantity: .waterDepth)
        let rawP = try IOTestData.float32(IOTestData.data("cance/prcp.f32"))
        let rawE = try IOTestData.float32(IOTestData.data("cance/pet.f32"))
        #expect(prcp.time.count == 2951 && prcp.rows == 28 && prcp.columns == 28)
        #expect(prcp.values.count == rawP.count && pet.values.count == rawE.count)
        var mismatches = 0
        for i in rawP.indices {
            let expected = rawP[i] == -9999 ? Double.nan : rawP[i]
            if !(expected.isNaN ? prcp.values[i].isNaN : prcp.values[i] == expected) { mismatches += 1 }
            if rawE[i] != pet.values[i] { mismatches += 1 }
        }
        #expect(mismatches == 0)
        // Step i covers (start + i h, start + (i+1) h]; the one ending 2014-12-19 00:00 is i = 2279
        // (95 days minus one hour after 2014-09-15 00:00: 95 * 24 - 1).
        let missing = 95 * 24 - 1
        #expect(prcp.time.stepEnd(missing) == CivilTime(2014, 12, 19))
        let perStep = 28 * 28
        let missingStep = Array(prcp.values[(missing * perStep)..<((missing + 1) * perStep)])
        #expect(missingStep.allSatisfy { $0.isNaN })
        #expect(rawP[missing * perStep] == -9999)
        let otherNaN = prcp.values.enumerated().contains { $0.element.isNaN && $0.offset / perStep != missing }
        #expect(!otherNaN)
        #expect(prcp.geometry?.xLowerLeft == 813_000 && prcp.geometry?.yLowerLeft == 6_450_000 && prcp.geometry?.cellSize == 1000)
        #expect(prcp.geometry?.crs == "EPSG:2154")
    }

    @Test func fillScaleAndSouthFirstRowsAreHandled() throws {
        // A packed file written here: short values, scale 0.1, offset 1, fill -1, y increasing.
        let url = IOTestData.temporaryFolder().appending(path: "packed.nc")
        let w = try NetCDFWriter(url)
        try w.defineDimension("time", length: 2)
        try w.defineDimension("y", length: 2)
        try w.defineDimension("x", length: 1)
        try w.defineVariable("time", type: .double, dimensions: ["time"])
        try w.setAttribute("units", "days since 2001-02-27", on: "time")
        try w.setAttribute("calendar", "360_day", on: "time")
        try w.defineVariable("y", type: .double, dimensions: ["y"])
        try w.defineVariable("x", type: .double, dimensions: ["x"])
        try w.defineVariable("rain", type: .short, dimensions: ["time", "y", "x"])
        try w.setAttribute("units", "mm/h", on: "rain")
        try w.setAttribute("scale_factor", [0.1], type: .float, on: "rain")
        try w.setAttribute("add_offset", [1], type: .float, on: "rain")
        try w.setAttribute("_FillValue", [-1], type: .short, on: "rain")
        try w.write("time", [0, 1])
        try w.write("y", [10.5, 11.5])   // south first
        try w.write("x", [3.5])
        try w.write("rain", [10, 20, -1, 0])
        try w.finish()
        let f = try NetCDFForcingReader.read(url, variable: "rain", quantity: .waterDepth)
        // Daily steps: mm/h x 24. Row 0 (north) is the file's second row.
        let north: Double = (20 * 0.1 + 1) * 24, south: Double = (10 * 0.1 + 1) * 24
        #expect(abs(f.values[0] - north) < 1e-6)
        #expect(abs(f.values[1] - south) < 1e-6)
        #expect(abs(f.values[2] - 24) < 1e-6)        // raw 0 is data, not fill
        #expect(f.values[3].isNaN)            // raw -1 is the fill value
        // 360-day calendar: 2001-02-27 + 1 day = 2001-02-28, + 2 days = 2001-02-29 (exists).
        #expect(f.time.stepStart(1) == CivilTime(2001, 2, 28))
        #expect(f.time.end == CivilTime(2001, 2, 29))
        #expect(f.geometry == GridGeometry(xLowerLeft: 3, yLowerLeft: 10, cellSize: 1))
    }

    @Test func writtenFieldsAndDischargeReadBackIdentically() throws {
        let folder = IOTestData.temporaryFolder()
        let geometry = GridGeometry(xLowerLeft: 100, yLowerLeft: 200, cellSize: 10, crs: "EPSG:2154")
        let active = Raster(rows: 2, columns: 3, geometry: geometry, values: [true, false, true, true, true, false])
        let grid = CaseGrid(rows: 2, columns: 3, geometry: geometry, active: active, activeCells: [0, 2, 3, 4], cellAreaSquareMetres: [100, 100, 100, 100])
        let time = TimeAxis(calendar: .standard, start: CivilTime(2020, 1, 1), stepSeconds: 3600, count: 3)
        let runoff: [Double] = [0.5, 1.25, 2, .nan, 3, 4, 5, 6, 7.75, 8, 9, 10]
        let url = folder.appending(path: "fields.nc")
        try CaseOutputs.writeFields([OutputField(name: "runoff", units: "mm", longName: "runoff per step", values: runoff)], grid: grid, time: time, to: url)
        let file = try NetCDFFile(url)
        let v = try file.variable("runoff")
        #expect(v.shape == [3, 2, 3] && v.type == .float)
        let back = try file.readValues(v)
        for t in 0..<3 {
            for (c, flat) in grid.activeCells.enumerated() {
                let expected = runoff[t * 4 + c]
                let got = back[t * 6 + flat]
                #expect(expected.isNaN ? got.isNaN : got == Double(Float(expected)))
            }
            #expect(back[t * 6 + 1].isNaN && back[t * 6 + 5].isNaN)
        }
        #expect(try file.readRaw(try file.variable("y")) == [215, 205])
        #expect(try file.readRaw(try file.variable("time_bnds")) == [0, 3600, 3600, 7200, 7200, 10800])

        let q: [[Double]] = [[1.5, .nan, 2.25], [0.125, 0.25, 0.5]]
        let qURL = folder.appending(path: "discharge.nc")
        try CaseOutputs.writeDischargeNetCDF(gauges: ["V3524010", "X"], time: time, discharge: q, to: qURL)
        let qf = try NetCDFFile(qURL)
        #expect(try qf.readText(try qf.variable("station_id")) == ["V3524010", "X"])
        let qs = try qf.readValues(try qf.variable("discharge"))
        #expect(qs[0] == 1.5 && qs[1] == 0.125 && qs[2].isNaN && qs[3] == 0.25 && qs[4] == 2.25 && qs[5] == 0.5)
        // The reader's own time axis: first step starts at the units' reference.
        let axis = try NetCDFForcingReader.read(url, variable: "runoff", quantity: .waterDepth).time
        #expect(axis == time)

        let csv = folder.appending(path: "discharge.csv")
        try CaseOutputs.writeDischargeCSV(gauges: ["V3524010", "X"], time: time, discharge: q, to: csv)
        let series = try DischargeFiles.readCSV(csv, label: .end)
        #expect(series[0].values[0] == 1.5 && series[0].values[1].isNaN && series[1].values == [0.125, 0.25, 0.5])
        #expect(series[0].time == time)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func truncatedFileFailsNamingTheFile() throws {
        let data = try Data(contentsOf: IOTestData.data("lez/forcing.nc"))
        let url = IOTestData.temporaryFolder().appending(path: "truncated.nc")
        try data.prefix(data.count / 2).write(to: url)
        let error = #expect(throws: InputError.self) { try NetCDFForcingReader.read(url, variable: "prcp", quantity: .waterDepth) }
        #expect(error?.file == url.path)
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func neverWrittenValuesAreMissing() throws {
        let url = IOTestData.temporaryFolder().appending(path: "partial.nc")
        let w = try NetCDFWriter(url)
        try w.defineDimension("n", length: 3)
        try w.defineVariable("v", type: .float, dimensions: ["n"])
        try w.write("v", [2.5], start: [1], count: [1])
        try w.finish()
        let f = try NetCDFFile(url)
        let values = try f.readValues(try f.variable("v"))
        #expect(values[0].isNaN && values[1] == 2.5 && values[2].isNaN)
    }

    @Test func unknownVariableListsTheOthers() throws {
        let url = IOTestData.temporaryFolder().appending(path: "one.nc")
        let w = try NetCDFWriter(url)
        try w.defineDimension("t", length: 1)
        try w.defineVariable("prcp", type: .double, dimensions: ["t"])
        try w.write("prcp", [1])
        try w.finish()
        let error = #expect(throws: InputError.self) { try NetCDFFile(url).variable("rain") }
        #expect(error?.description == "\(url.path), variable 'rain': no such variable (the file has: prcp)")
    }
}
