import Foundation
import HydroGPU
import Testing

@Suite(.enabled(if: RoutingTestData.available, "needs ../shared/data"))
struct GaugeTests {
    @Test(arguments: ["cance", "lez"])
    func snappingByAreaFindsSmashCells(catchment: String) throws {
        let network = try RoutingTestData.network(catchment)
        let upstream = network.upstreamArea()
        for g in try RoutingTestData.gauges(catchment) {
            let gauge = try GaugeLocator.snapped(id: g.id, x: g.x, y: g.y, declaredAreaKm2: g.area, network: network, upstream: upstream)
            #expect(gauge.row == g.row && gauge.column == g.column, "\(g.id): got (\(gauge.row), \(gauge.column))")
            #expect(abs(gauge.upstreamAreaKm2 - g.delineated) < 0.5, "\(g.id): \(gauge.upstreamAreaKm2) km² vs \(g.delineated)")
        }
    }

    @Test func byRowAndColumn() throws {
        let network = try RoutingTestData.network("cance")
        let upstream = network.upstreamArea()
        for g in try RoutingTestData.gauges("cance") {
            let gauge = try GaugeLocator.at(id: g.id, row: g.row, column: g.column, network: network, upstream: upstream)
            #expect(abs(gauge.upstreamAreaKm2 - g.delineated) < 0.5)
            #expect(network.position(of: gauge.cell) == (g.row, g.column))
        }
        let error = #expect(throws: InputError.self) { try GaugeLocator.at(id: "X", row: 40, column: 2, network: network, upstream: upstream, file: "gauges.csv") }
        #expect(error?.description == "gauges.csv, row 40, column 2, gauge X: not an active cell of the network")
    }

    @Test func byIdGridOnMoselle() throws {
        let d8 = try RoutingTestData.grid("moselle/morph/fdir.asc")
        let network = try DrainageNetwork(flowDirections: d8, directionFile: "fdir.asc")
        let upstream = network.upstreamArea()
        let gauges = try GaugeLocator.fromIdGrid(RoutingTestData.grid("moselle/morph/idgauges.asc"), network: network, upstream: upstream, file: "idgauges.asc")
        #expect(gauges.map(\.id) == ["333", "398"])
        // Gauge 398 is the outlet at Perl (about 11,636 km² of 500 m cells per the data README).
        let outlet = gauges[1]
        #expect(network.downstream[outlet.cell] == -1 || upstream.cells[outlet.cell] == upstream.cells.max())
        #expect(abs(outlet.upstreamAreaKm2 - 11_636) / 11_636 < 0.01, "\(outlet.upstreamAreaKm2) km²")
        let facc = try RoutingTestData.grid("moselle/morph/facc.asc")
        for g in gauges {
            // mHM's facc counts upstream cells (with or without the cell itself).
            let reference = facc[g.row, g.column]
            let cells = Double(upstream.cells[g.cell])
            #expect(reference == cells || reference == cells - 1, "gauge \(g.id): \(cells) cells vs facc \(reference)")
        }
    }

    @Test func duplicateIdIsAnError() throws {
        let network = try DrainageNetwork(flowDirections: smallRaster([[1, 1, 0]]))
        let ids = smallRaster([[7, -9999, 7]])
        let error = #expect(throws: InputError.self) { try GaugeLocator.fromIdGrid(ids, network: network, upstream: network.upstreamArea(), file: "ids.asc") }
        #expect(error?.row == 0 && error?.column == 2 && error?.message.contains("also marks row 0, column 0") == true)
    }
}
