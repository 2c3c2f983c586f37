import Foundation
import HydroGPU
import Testing

struct FlowDirectionTests {
    @Test func encodingsAgreeOnEveryNeighbour() {
        // ESRI powers of two clockwise from east; smash 1..8 clockwise from north; LDD keypad.
        let esri: [Double: (Int, Int)] = [1: (0, 1), 2: (1, 1), 4: (1, 0), 8: (1, -1), 16: (0, -1), 32: (-1, -1), 64: (-1, 0), 128: (-1, 1)]
        let smash: [Double: (Int, Int)] = [1: (-1, 0), 2: (-1, 1), 3: (0, 1), 4: (1, 1), 5: (1, 0), 6: (1, -1), 7: (0, -1), 8: (-1, -1)]
        let ldd: [Double: (Int, Int)] = [1: (1, -1), 2: (1, 0), 3: (1, 1), 4: (0, -1), 6: (0, 1), 7: (-1, -1), 8: (-1, 0), 9: (-1, 1)]
        for (table, encoding) in [(esri, FlowDirectionEncoding.esri), (smash, .smash), (ldd, .pcrasterLDD)] {
            for (code, step) in table {
                let o = encoding.direction(ofCode: code)?.offset
                #expect(o?.row == step.0 && o?.column == step.1, "\(encoding) code \(code)")
            }
        }
        #expect(FlowDirectionEncoding.esri.direction(ofCode: 0) == .outlet)
        #expect(FlowDirectionEncoding.pcrasterLDD.direction(ofCode: 5) == .outlet)
        #expect(FlowDirectionEncoding.esri.direction(ofCode: 3) == nil)
        #expect(FlowDirectionEncoding.smash.direction(ofCode: 9) == nil)
        #expect(FlowDirectionEncoding.pcrasterLDD.direction(ofCode: 0) == nil)
        #expect(FlowDirectionEncoding.esri.direction(ofCode: .nan) == nil)
        #expect(FlowDirectionEncoding.esri.direction(ofCode: 1.5) == nil)
    }

    @Test(.enabled(if: RoutingTestData.available, "needs ../shared/data"), arguments: ["cance", "lez"])
    func smashAndEsriGridsGiveIdenticalDomains(catchment: String) throws {
        let esri = try RoutingTestData.network(catchment, encoding: .esri)
        let smash = try RoutingTestData.network(catchment, encoding: .smash)
        #expect(esri.cellCount == smash.cellCount)
        #expect(esri.direction == smash.direction)
        #expect(esri.downstream == smash.downstream)
        #expect(esri.donorOffsets == smash.donorOffsets && esri.donors == smash.donors)
        #expect(esri.flowLength == smash.flowLength && esri.cellArea == smash.cellArea)
        #expect(esri.levels == smash.levels)
    }

    @Test(.enabled(if: RoutingTestData.available, "needs ../shared/data"))
    func lddCodesGiveTheSameDomainAsEsri() throws {
        // ESRI -> PCRaster keypad, written out independently of the decoder.
        let keypad: [Double: Double] = [0: 5, 1: 6, 2: 3, 4: 2, 8: 1, 16: 4, 32: 7, 64: 8, 128: 9]
        let esriGrid = try RoutingTestData.grid("lez/flwdir_esri.asc")
        let lddGrid = esriGrid.map { keypad[$0] ?? $0 }
        let esri = try DrainageNetwork(flowDirections: esriGrid)
        let ldd = try DrainageNetwork(flowDirections: lddGrid, encoding: .pcrasterLDD)
        #expect(esri.downstream == ldd.downstream && esri.donors == ldd.donors && esri.levels == ldd.levels)
    }

    @Test func unknownCodeNamesFileRowAndColumn() {
        let grid = smallRaster([[1, 4, -9999], [64, 3, 16]])
        let error = #expect(throws: InputError.self) {
            try DrainageNetwork(flowDirections: grid, directionFile: "d8.asc")
        }
        #expect(error?.file == "d8.asc" && error?.row == 1 && error?.column == 1)
        #expect(error?.description.hasPrefix("d8.asc, row 1, column 1: code 3 is not a esri D8 direction") == true)
    }

    @Test func nanCodeNamesFileRowAndColumn() {
        var grid = smallRaster([[1, 4], [64, 0]])
        grid.values[2] = .nan
        let error = #expect(throws: InputError.self) { try DrainageNetwork(flowDirections: grid, directionFile: "d8.tif") }
        #expect(error?.row == 1 && error?.column == 0 && error?.message.contains("NaN") == true)
    }

    @Test func cycleNamesCellsOnIt() {
        // (0,0) E -> (0,1) S -> (1,1) W -> (1,0) N -> (0,0); (0,2) drains into the cycle.
        let grid = smallRaster([[1, 4, 16], [64, 16, 0]])
        let error = #expect(throws: InputError.self) { try DrainageNetwork(flowDirections: grid, directionFile: "loop.asc") }
        #expect(error?.file == "loop.asc")
        #expect(error?.message.contains("cycle of 4 cells") == true)
        for place in ["(0, 0)", "(0, 1)", "(1, 1)", "(1, 0)"] {
            #expect(error?.message.contains(place) == true, "\(place) missing from \(error?.message ?? "")")
        }
        #expect(error?.message.contains("(0, 2)") == false)
    }

    @Test func maskShapeMismatchAndActiveCellWithoutDirection() {
        let d8 = smallRaster([[1, 4], [64, 0]])
        let wrongShape = smallRaster([[1, 1, 1]])
        let e1 = #expect(throws: InputError.self) { try DrainageNetwork(flowDirections: d8, mask: wrongShape, directionFile: "d8.asc", maskFile: "mask.asc") }
        #expect(e1?.file == "mask.asc" && e1?.message.contains("1 x 3") == true && e1?.message.contains("2 x 2") == true)
        let holey = smallRaster([[1, -9999], [64, 0]])
        let e2 = #expect(throws: InputError.self) { try DrainageNetwork(flowDirections: holey, mask: smallRaster([[1, 1], [1, 1]]), directionFile: "d8.asc", maskFile: "mask.asc") }
        #expect(e2?.file == "d8.asc" && e2?.row == 0 && e2?.column == 1)
    }

    @Test func gridWithoutActiveCellsIsAnError() {
        let error = #expect(throws: InputError.self) { try DrainageNetwork(flowDirections: smallRaster([[-9999, -9999]]), directionFile: "empty.asc") }
        #expect(error?.file == "empty.asc" && error?.message.contains("no active cell") == true)
    }

    @Test func stepsOffTheGridOrMaskAreOutletsAndLengthsFollowDirection() throws {
        // (0,1) is masked out: (0,0) E and (1,0) NE drain into the hole, (0,2) E and (1,1) SE leave the grid.
        let d8 = smallRaster([[1, 1, 1], [128, 2, 0]], cellSize: 10)
        let mask = smallRaster([[1, 0, 1], [1, 1, 1]])
        let net = try DrainageNetwork(flowDirections: d8, mask: mask)
        #expect(net.cellCount == 5)
        let c00 = net.cell(row: 0, column: 0)!, c02 = net.cell(row: 0, column: 2)!, c10 = net.cell(row: 1, column: 0)!
        let c11 = net.cell(row: 1, column: 1)!, c12 = net.cell(row: 1, column: 2)!
        #expect(net.cell(row: 0, column: 1) == nil)
        #expect(net.downstream[c00] == -1)   // into the mask's hole
        #expect(net.downstream[c02] == -1)   // off the grid
        #expect(net.downstream[c10] == -1)   // NE into the hole
        #expect(net.downstream[c11] == -1)   // SE off the grid
        #expect(net.downstream[c12] == -1)   // code 0
        #expect(net.flowLength[c00] == 10 && net.flowLength[c12] == 10)
        #expect(abs(net.flowLength[c11] - 10 * 2.0.squareRoot()) < 1e-12)
        #expect(net.cellArea.allSatisfy { $0 == 100 })
    }

    @Test func sphericalAreasAndLengths() {
        // A 1° x 1° cell between 0° and 1° N: R²·Δλ·(sin 1° − sin 0°).
        let g = CellGeometry(geometry: GridGeometry(xLowerLeft: 0, yLowerLeft: 0, cellSize: 1), rows: 1, geographic: true, earthRadius: 6_371_000)
        let r = 6_371_000.0, rad = Double.pi / 180
        #expect(abs(g.area(row: 0) - r * r * rad * sin(rad)) / g.area(row: 0) < 1e-14)
        // North-south step: one degree of arc; east-west at 0.5° N: haversine of Δλ = 1°.
        #expect(abs(g.flowLength(row: 0, direction: .north) - r * rad) < 1e-6)
        let phi = 0.5 * rad
        let ew = 2 * r * asin((cos(phi) * cos(phi) * pow(sin(rad / 2), 2)).squareRoot())
        #expect(abs(g.flowLength(row: 0, direction: .east) - ew) < 1e-6)
    }
}
