import Foundation
import HydroGPU
import Testing

/// The Moselle case: 24 km forcing mapped onto the 500 m D8 grid. Loaded once (the largest
/// read of the suite) and checked against the test's own parse of the text files.
@Suite("Forcing on the Moselle 500 m grid")
struct ForcingMoselleTests {
    @Test(.enabled(if: IOTestData.available, "needs ../shared/data"))
    func moselleCaseAgreesWithAnIndependentReading() throws {
        // What `hydrogpu validate` does: load the case, summarise it (done once: the largest read).
        let hydroCase = try HydroCase.load(IOTestData.config("moselle"))
        let summary = CaseSummary(hydroCase)

        // Own parse of fdir.asc: count cells with data; the area is 0.25 km² each.
        let fdirLines = try String(contentsOf: IOTestData.data("moselle/morph/fdir.asc"), encoding: .utf8).split(separator: "\n")
        let fdirRows = fdirLines.dropFirst(6).map { $0.split(whereSeparator: \.isWhitespace).map { Int($0)! } }
        #expect(fdirRows.count == 432 && fdirRows[0].count == 288)
        var active: [(row: Int, column: Int)] = []
        for (r, row) in fdirRows.enumerated() { for (c, v) in row.enumerated() where v != -9999 { active.append((r, c)) } }
        #expect(summary.activeCells == active.count)
        #expect(active.count == 46_545)
        #expect(abs(summary.areaKm2 - Double(active.count) * 0.25) < 1e-6)
        #expect(abs(summary.areaKm2 - 11_636) / 11_636 < 0.02)

        // Gauge 398 from idgauges.asc by direct search.
        let idLines = try String(contentsOf: IOTestData.data("moselle/morph/idgauges.asc"), encoding: .utf8).split(separator: "\n").dropFirst(6)
        var gaugeCell: (Int, Int)?
        for (r, line) in idLines.enumerated() {
            for (c, token) in line.split(whereSeparator: \.isWhitespace).enumerated() where token == "398" { gaugeCell = (r, c) }
        }
        #expect(summary.gauges.count == 1)
        #expect(summary.gauges[0].id == "398")
        #expect(gaugeCell.map { $0 == (summary.gauges[0].row, summary.gauges[0].column) } == true)

        // Mean P: the forcing grid (6 x 9 cells of 24 km) shares the model grid's lower-left
        // corner and its top edge (2,735,847 + 9 x 24,000 = 2,735,847 + 432 x 500), so model cell
        // (r, c) lies in forcing cell (r / 48, c / 48). Mean over cells and days from raw values.
        let nc = try NetCDFFile(IOTestData.data("moselle/meteo/pre/pre.nc"))
        let pre = try nc.readRaw(try nc.variable("pre"))       // (time, yc, xc), yc north first, mm/d
        #expect(pre.count == 1826 * 54)
        var weight = [Int](repeating: 0, count: 54)
        for cell in active { weight[(cell.row / 48) * 6 + cell.column / 48] += 1 }
        var sum = 0.0
        for t in 0..<1826 { for k in 0..<54 where weight[k] > 0 { sum += pre[t * 54 + k] * Double(weight[k]) } }
        let meanP = sum / Double(1826 * active.count)
        let readP = summary.forcing.first { $0.name == "precipitation" }!.statistics.mean
        #expect(abs(readP - meanP) < 1e-9 * meanP)
        // And cell by cell on one day for a few cells (day 1000, corners of the basin).
        for cell in [active.first!, active.last!, active[active.count / 2]] {
            let index = hydroCase.grid.cellIndex(row: cell.row, column: cell.column)!
            #expect(hydroCase.precipitation.values[1000 * hydroCase.grid.cellCount + index] == pre[1000 * 54 + (cell.row / 48) * 6 + cell.column / 48])
        }

        // Mean Q: own parse of the mHM gauge file (5 header lines, -9999 missing), 1990-1993.
        let qLines = try String(contentsOf: IOTestData.data("moselle/gauge/00398.txt"), encoding: .utf8).split(separator: "\n").dropFirst(5)
        let q = qLines.compactMap { $0.split(whereSeparator: \.isWhitespace).last.flatMap { Double($0) } }.filter { $0 != -9999 }
        let meanQ = q.reduce(0, +) / Double(q.count)
        let observed = summary.gauges[0].observed!
        let present = observed.filter { !$0.isNaN }
        #expect(present.count == q.count)
        #expect(abs(present.reduce(0, +) / Double(present.count) - meanQ) < 1e-9 * meanQ)
        // The first observed day (1990-01-01, 157 m³/s) is case step 365 (after 1989).
        #expect(observed[364].isNaN && observed[365] == 157)

        // Temperature present (snow on), PET from file, no missing values anywhere.
        #expect(summary.forcing.map(\.name) == ["precipitation", "temperature", "pet"])
        #expect(summary.forcing.allSatisfy { $0.statistics.missingValues == 0 })
        #expect(summary.time.count == 1826)
    }
}
