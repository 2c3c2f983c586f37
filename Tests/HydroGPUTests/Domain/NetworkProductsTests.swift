import Foundation
import HydroGPU
import Testing

/// `NetworkProducts` and `hydrogpu network`'s files against independent computations: every
/// quantity recomputed by walking each cell's D8 path to its outlet (no levels, no ordering),
/// and against smash's and pyflwdir's rasters for the Cance.
@Suite("Network products")
struct NetworkProductsTests {
    /// 4 x 5 ESRI D8 grid, 1 km cells: a pit at (3, 2) draining 17 cells, and (3, 4) stepping
    /// south off the grid, draining itself and (2, 4). (3, 0) has no data.
    static let codes: [[Double]] = [
        [2, 4, 4, 8, 8],
        [1, 2, 4, 8, 16],
        [1, 1, 4, 16, 4],
        [-9999, 1, 0, 16, 4],
    ]

    /// Brute force: for each cell, the walk to its outlet with the number of steps and metres
    /// travelled to each cell on the way.
    static func walks(_ network: DrainageNetwork) -> [[(cell: Int, steps: Int, metres: Double)]] {
        (0..<network.cellCount).map { start in
            var path = [(cell: start, steps: 0, metres: 0.0)]
            var c = start
            while network.downstream[c] >= 0 {
                let (r0, c0) = network.position(of: c)
                c = Int(network.downstream[c])
                let (r1, c1) = network.position(of: c)
                let step = (r1 != r0 && c1 != c0) ? 1000 * 2.0.squareRoot() : 1000
                path.append((c, path.last!.steps + 1, path.last!.metres + step))
            }
            return path
        }
    }

    @Test func handMadeGridMatchesWalkingEveryPath() throws {
        let network = try DrainageNetwork(flowDirections: smallRaster(Self.codes))
        let products = NetworkProducts(network: network)
        let walks = Self.walks(network)
        var cells = [Int32](repeating: 0, count: network.cellCount), level = [Int32](repeating: 0, count: network.cellCount)
        for w in walks {
            for (k, p) in w.enumerated() { cells[p.cell] += 1; level[p.cell] = max(level[p.cell], Int32(k)) }
        }
        #expect(products.upstreamCells == cells)
        #expect(products.upstreamAreaKm2 == cells.map { Double($0) })
        #expect(products.level == level)
        for (c, w) in walks.enumerated() {
            #expect(abs(products.flowDistanceMetres[c] - w.last!.metres) < 1e-9, "cell \(network.position(of: c))")
            #expect(products.basin[c] == Int32(products.outlets.firstIndex(of: w.last!.cell)! + 1))
        }
        // By hand: the pit drains 17 cells, the other outlet 2; (1, 0) is 1 + √2 + 1 km from the pit.
        let pit = network.cell(row: 3, column: 2)!, edge = network.cell(row: 3, column: 4)!
        #expect(products.outlets == [pit, edge])
        #expect(products.upstreamCells[pit] == 17 && products.upstreamCells[edge] == 2)
        #expect(abs(products.flowDistanceMetres[network.cell(row: 1, column: 0)!] - (2000 + 1000 * 2.0.squareRoot())) < 1e-9)
        #expect(products.level[pit] == 3)   // (0,0) -> (1,1) -> (2,2) -> (3,2)
    }

    @Test func gaugeSubBasinsStopAtTheFirstGaugeDownstream() throws {
        let network = try DrainageNetwork(flowDirections: smallRaster(Self.codes))
        let inner = network.cell(row: 1, column: 1)!, pit = network.cell(row: 3, column: 2)!
        let basins = NetworkProducts.gaugeBasins(network: network, gaugeCells: [pit, inner])
        for (c, w) in Self.walks(network).enumerated() {
            let first = w.first { $0.cell == inner || $0.cell == pit }?.cell
            #expect(basins[c] == first.map { $0 == pit ? 0 : 1 }, "cell \(network.position(of: c))")
        }
        #expect(basins.filter { $0 == 1 }.count == 4)   // (1,1) and (0,0), (0,1), (1,0)
    }

    /// The command's files: a case config on the hand-made grid, written and read back through GDAL.
    @Test func networkFilesHoldTheProductsOnTheGrid() throws {
        let folder = IOTestData.temporaryFolder()
        let header = "ncols 5\nnrows 4\nxllcorner 700000\nyllcorner 6400000\ncellsize 1000\nNODATA_value -9999\n"
        let grid = header + Self.codes.map { $0.map { String(Int($0)) }.joined(separator: " ") }.joined(separator: "\n") + "\n"
        try grid.write(to: folder.appending(path: "d8.asc"), atomically: true, encoding: .utf8)
        // Forcing and observations are never opened by `network`.
        let config = """
        name: tiny
        domain: {flow_direction: d8.asc, encoding: esri}
        time: {step: 1d, start: 2000-01-01, end: 2000-01-10}
        forcing:
          precipitation: {file: absent.nc, variable: p}
          pet: {file: absent.nc, variable: e}
        gauges:
          - {id: A, row: 3, col: 2, area_km2: 15}
          - {id: B, x: 701500, y: 6402500, area_km2: 4}
        output: {folder: out}
        """
        try config.write(to: folder.appending(path: "case.yaml"), atomically: true, encoding: .utf8)
        let domain = try CaseDomain.load(folder.appending(path: "case.yaml"))
        #expect(domain.gauges.map(\.cell) == [domain.network.cell(row: 3, column: 2)!, domain.network.cell(row: 1, column: 1)!])
        let out = folder.appending(path: "network")
        try NetworkOutputs.write(domain, to: out)
        let products = NetworkProducts(network: domain.network)
        let area = try GDALRaster.read(out.appending(path: "upstream_area_km2.tif"))
        #expect(area.geometry.xLowerLeft == 700000 && area.geometry.yLowerLeft == 6400000 && area.geometry.cellSize == 1000)
        #expect(!area.hasData[3 * 5 + 0])
        let files = ["upstream_cells": products.upstreamCells.map(Double.init), "level": products.level.map(Double.init),
                     "basin": products.basin.map(Double.init), "flow_distance_m": products.flowDistanceMetres, "upstream_area_km2": products.upstreamAreaKm2]
        for (name, expected) in files {
            let r = try GDALRaster.read(out.appending(path: "\(name).tif"))
            for c in 0..<domain.network.cellCount {
                #expect(r.values[Int(domain.network.rasterIndex[c])] == expected[c], "\(name) at \(domain.network.position(of: c))")
            }
        }
        let gauges = try GDALRaster.read(out.appending(path: "gauges.tif"))
        #expect(gauges[3, 2] == 1 && gauges[1, 1] == 2 && gauges.hasData.filter { $0 }.count == 2)
        let table = try String(contentsOf: out.appending(path: "gauges.csv"), encoding: .utf8).split(separator: "\n")
        #expect(table[1].hasPrefix("1,A,3,2,702500.0,6400500.0,15.0,17,17.0,"))
        #expect(table[2].hasPrefix("2,B,1,1,701500.0,6402500.0,4.0,4,4.0,1.0,"))
        let outlets = try String(contentsOf: out.appending(path: "outlets.csv"), encoding: .utf8).split(separator: "\n")
        #expect(outlets.count == 3 && outlets[1] == "1,3,2,702500.0,6400500.0,17,17.0")
    }

    /// The Cance: upstream cells against pyflwdir, areas against smash (with the case's cell
    /// areas), levels against smash's flwpar (= level + 1), flow distance against smash's.
    @Test func canceMatchesSmashAndPyflwdir() throws {
        guard RoutingTestData.available else {
            print("skipped: ../shared/data (cance) not found"); return
        }
        let network = try RoutingTestData.network("cance")
        let areas = try RoutingTestData.grid("cance/cell_area_m2.asc")
        let products = NetworkProducts(network: network, cellAreaSquareMetres: network.rasterIndex.map { areas.values[Int($0)] })
        let cells = try RoutingTestData.grid("cance/upstream_cells_pyflwdir.asc")
        let smashArea = try RoutingTestData.grid("cance/upstream_area_smash_km2.asc")
        let flwpar = try RoutingTestData.grid("cance/flwpar_smash.asc")
        let distance = try RoutingTestData.grid("cance/flow_distance_smash_m.asc")
        var worstDistance = 0.0
        for c in 0..<network.cellCount {
            let i = Int(network.rasterIndex[c])
            #expect(Double(products.upstreamCells[c]) == cells.values[i])
            #expect(abs(products.upstreamAreaKm2[c] - smashArea.values[i]) <= 1e-6 * max(1, smashArea.values[i]))
            #expect(Double(products.level[c] + 1) == flwpar.values[i])
            if distance.hasData[i] { worstDistance = max(worstDistance, abs(products.flowDistanceMetres[c] - distance.values[i])) }
        }
        #expect(worstDistance < 0.01, "largest flow-distance difference from smash \(worstDistance) m")
    }

    /// A geographic grid: the files carry EPSG:4326 and the Rhine's upstream cells are pyflwdir's.
    @Test func rhineFilesCarryTheCRSAndPyflwdirsAccumulation() throws {
        let d8 = RoutingTestData.url("rhine/rhine_d8.tif")
        guard FileManager.default.fileExists(atPath: d8.path) else { print("skipped: \(d8.path) not found"); return }
        let folder = IOTestData.temporaryFolder()
        let config = """
        name: rhine
        domain: {flow_direction: {file: \(d8.path), nodata: 247}, encoding: esri}
        time: {step: 1d, start: 2000-01-01, end: 2000-01-10}
        forcing:
          precipitation: {file: absent.nc, variable: p}
          pet: {file: absent.nc, variable: e}
        gauges: []
        output: {folder: out}
        """
        try config.write(to: folder.appending(path: "case.yaml"), atomically: true, encoding: .utf8)
        try NetworkOutputs.write(try CaseDomain.load(folder.appending(path: "case.yaml")), to: folder.appending(path: "network"))
        let cells = try GDALRaster.read(folder.appending(path: "network/upstream_cells.tif"))
        #expect(cells.geometry.crs == "EPSG:4326" && cells.geometry.isGeographic)
        let reference = try RoutingTestData.grid("rhine/upstream_cells_pyflwdir.asc")
        var mismatches = 0
        for i in cells.values.indices where cells.hasData[i] && cells.values[i] != reference.values[i] { mismatches += 1 }
        #expect(mismatches == 0)
        #expect(cells.hasData.filter { $0 }.count == 349_847)
    }
}
