import Foundation
import HydroGPU
import Testing

struct EsriAsciiGridTests {
    @Test func parsesHeaderValuesAndNodata() throws {
        let text = "ncols 3\nnrows 2\nxllcenter 10.5\nyllcorner 20\ncellsize 1\nNODATA_value -9999\n1 2 3\n4 -9999 6\n"
        let r = try EsriAsciiGrid.parse(text, file: "t.asc")
        #expect(r.rows == 2 && r.columns == 3)
        #expect(r.geometry.xLowerLeft == 10 && r.geometry.yLowerLeft == 20)
        #expect(r[1, 2] == 6)
        #expect(r.hasData == [true, true, true, true, false, true])
        #expect(r.geometry.center(row: 0, column: 0, rows: 2) == (10.5, 21.5))
    }

    @Test func badValueNamesFileRowAndColumn() {
        let text = "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 x\n"
        let error = #expect(throws: InputError.self) { try EsriAsciiGrid.parse(text, file: "d8.asc") }
        #expect(error?.description == "d8.asc, line 7, row 1, column 1: 'x' is not a finite number")
    }

    @Test func truncatedFileIsAnError() {
        let text = "ncols 2\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 4\n"
        let error = #expect(throws: InputError.self) { try EsriAsciiGrid.parse(text, file: "m.asc") }
        #expect(error?.message.contains("2 data rows, header declares 3") == true)
    }

    @Test func writeThenReadIsIdentical() throws {
        let url = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-asc-\(UUID().uuidString)/r.asc")
        let raster = Raster(rows: 2, columns: 2, geometry: GridGeometry(xLowerLeft: 1, yLowerLeft: 2, cellSize: 0.5), values: [1.25, -3, 0.1, 7], hasData: [true, false, true, true])
        try EsriAsciiGrid.write(raster, to: url)
        let back = try EsriAsciiGrid.read(url)
        #expect(back.hasData == raster.hasData)
        #expect(back.values[0] == 1.25 && back.values[2] == 0.1 && back.values[3] == 7)
        #expect(back.geometry == raster.geometry)
    }
}
