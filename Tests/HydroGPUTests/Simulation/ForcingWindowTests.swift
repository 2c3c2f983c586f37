import Foundation
import HydroGPU
import Testing

/// Forcing read a window at a time over the domain's part of a larger grid
/// (`CaseForcingWindows`): the same values as the whole-record loader on the same file, and the
/// same simulation as a forcing file cut to the domain — for a padded grid stored south first
/// and for a coarser grid.
@Suite("Forcing windows")
struct ForcingWindowTests {
    /// A synthetic case (12 x 10 cells, 40 days) in a temporary folder, with `big.nc`: its
    /// forcing embedded in a grid `pad` cells wider on each side (rows stored south first,
    /// values outside the domain absurd so a misplaced read shows), and `coarse.nc`: the same
    /// record on cells `factor` times larger, also padded.
    static func synthetic() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-forcing-windows-\(UUID().uuidString)")
        let catchment = try SyntheticCatchment(SyntheticCatchment.Options(rows: 12, columns: 10, days: 40, gauges: 1, seed: 3))
        try SyntheticCaseWriter.write(catchment, to: folder)
        try pad(folder.appending(path: "forcing.nc"), to: folder.appending(path: "big.nc"), factor: 1, pad: (north: 3, south: 2, west: 4, east: 1))
        try pad(folder.appending(path: "forcing.nc"), to: folder.appending(path: "coarse.nc"), factor: 2, pad: (north: 1, south: 2, west: 1, east: 3))
        return folder
    }

    /// Writes `source`'s prcp/tas/pet on a grid of cells `factor` times larger (each coarse cell
    /// takes the fine cell at its north-west corner) padded by `pad` coarse cells, rows south first.
    static func pad(_ source: URL, to url: URL, factor: Int, pad: (north: Int, south: Int, west: Int, east: Int)) throws {
        let file = try NetCDFFile(source)
        let y = try file.readRaw(try file.variable("y")), x = try file.readRaw(try file.variable("x"))
        let rows = y.count, columns = x.count, cell = abs(x[1] - x[0]) * Double(factor)
        let coarseRows = (rows + factor - 1) / factor, coarseColumns = (columns + factor - 1) / factor
        let bigRows = coarseRows + pad.north + pad.south, bigColumns = coarseColumns + pad.west + pad.east
        let timeVariable = try file.variable("time")
        let steps = timeVariable.shape[0]
        let north = y[0] + abs(y[1] - y[0]) / 2, west = x[0] - abs(x[1] - x[0]) / 2
        let w = try NetCDFWriter(url)
        try w.defineDimension("time", length: steps)
        try w.defineDimension("y", length: bigRows)
        try w.defineDimension("x", length: bigColumns)
        try w.defineDimension("nv", length: 2)
        try w.defineVariable("time", type: .double, dimensions: ["time"])
        try w.setAttribute("units", try file.textAttribute("units", of: timeVariable)!, on: "time")
        try w.setAttribute("calendar", try file.textAttribute("calendar", of: timeVariable)!, on: "time")
        try w.setAttribute("bounds", "time_bnds", on: "time")
        try w.defineVariable("time_bnds", type: .double, dimensions: ["time", "nv"])
        try w.defineVariable("y", type: .double, dimensions: ["y"])
        try w.defineVariable("x", type: .double, dimensions: ["x"])
        try w.setAttribute("units", "m", on: "y")
        try w.setAttribute("units", "m", on: "x")
        let names = ["prcp": "kg m-2", "tas": "degC", "pet": "kg m-2"]
        for (name, units) in names {
            try w.defineVariable(name, type: .double, dimensions: ["time", "y", "x"])
            try w.setAttribute("units", units, on: name)
        }
        try w.write("time", try file.readRaw(timeVariable))
        try w.write("time_bnds", try file.readRaw(try file.variable("time_bnds")))
        // File row j (south first) is big north-first row bigRows - 1 - j.
        try w.write("y", (0..<bigRows).map { j in north + Double(pad.north) * cell - (Double(bigRows - 1 - j) + 0.5) * cell })
        try w.write("x", (0..<bigColumns).map { west - Double(pad.west) * cell + (Double($0) + 0.5) * cell })
        for (name, _) in names {
            let values = try file.readValues(try file.variable(name))
            var big = [Double](repeating: name == "tas" ? 55 : 1e4, count: steps * bigRows * bigColumns)
            for t in 0..<steps {
                for R in 0..<bigRows {
                    for C in 0..<bigColumns {
                        let r = (R - pad.north) * factor, c = (C - pad.west) * factor
                        guard r >= 0, r < rows, c >= 0, c < columns else { continue }
                        big[(t * bigRows + bigRows - 1 - R) * bigColumns + C] = values[(t * rows + r) * columns + c]
                    }
                }
            }
            try w.write(name, big)
        }
        try w.finish()
    }

    /// `folder`'s case with its forcing file replaced by `forcing`.
    static func config(_ folder: URL, forcing: String) throws -> CaseConfig {
        let text = try String(contentsOf: folder.appending(path: "case.yaml"), encoding: .utf8).replacingOccurrences(of: "file: forcing.nc", with: "file: \(forcing)")
        let url = folder.appending(path: "case-\(forcing).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return try CaseConfig.load(url)
    }

    @Test func windowsReadWhatTheWholeRecordLoaderReads() throws {
        let folder = try Self.synthetic()
        defer { try? FileManager.default.removeItem(at: folder) }
        for forcing in ["forcing.nc", "big.nc", "coarse.nc"] {
            let config = try Self.config(folder, forcing: forcing)
            let whole = try CalibrationData.from(try HydroCase.load(config))
            let windowedCase = try HydroCase.load(config, windowedForcing: true)
            #expect(windowedCase.forcingWindows != nil)
            #expect(windowedCase.precipitation.values.isEmpty)
            let windowed = try CalibrationData.from(windowedCase)
            #expect(windowed.steps == whole.steps)
            for range in [0..<1, 3..<17, 17..<40] {
                let a = try whole.forcing(steps: range), b = try windowed.forcing(steps: range)
                #expect(a.precipitation == b.precipitation && a.temperature == b.temperature && a.pet == b.pet, "\(forcing), steps \(range)")
            }
            // Only the domain's bounding box is read from the larger grids.
            let slab = windowedCase.forcingWindows!.slabCells
            #expect(forcing == "coarse.nc" ? slab == 6 * 5 : slab == 12 * 10, "\(forcing): \(slab) forcing cells per step")
        }
    }

    @Test func largerForcingGridSimulatesAsTheCutOne() throws {
        let folder = try Self.synthetic()
        defer { try? FileManager.default.removeItem(at: folder) }
        func discharge(_ forcing: String, window: Int) throws -> [[Double]] {
            let config = try Self.config(folder, forcing: forcing)
            let prepared = try CalibrationPreparation.prepare(try HydroCase.load(config, windowedForcing: true), simulation: true)
            let objective = CalibrationObjective(data: prepared.data, setup: prepared.setup)
            return try WindowedSimulation(objective: objective, windowSteps: window).run(objective.setup.initialFreeValues()).discharge
        }
        let cut = try discharge("forcing.nc", window: 40)
        #expect(cut[0].contains { $0 > 0 })
        #expect(try discharge("big.nc", window: 9) == cut)
        // The coarse grid is another forcing: its run differs, but windows do not change it.
        let coarse = try discharge("coarse.nc", window: 40)
        #expect(coarse != cut)
        #expect(try discharge("coarse.nc", window: 6) == coarse)
    }

    @Test func outOfRangeValueInAWindowNamesTheCaseTimeIndex() throws {
        let folder = try Self.synthetic()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.config(folder, forcing: "big.nc")
        let data = try CalibrationData.from(try HydroCase.load(config, windowedForcing: true))
        // Negative precipitation (units or sign error) in the window is refused with its place.
        var broken = data
        broken.forcingWindows!.limits.precipitationMaxMmPerDay = 1e-9
        #expect {
            try broken.forcing(steps: 20..<30)
        } throws: { error in
            let text = "\(error)"
            return text.contains("big.nc") && text.range(of: "time index 2[0-9] ", options: .regularExpression) != nil && text.contains("row ") && text.contains("exceeds the physical maximum")
        }
    }
}
