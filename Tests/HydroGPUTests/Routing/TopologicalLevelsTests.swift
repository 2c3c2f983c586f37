import Foundation
import HydroGPU
import Testing

@Suite(.enabled(if: RoutingTestData.available, "needs ../shared/data"))
struct TopologicalLevelsTests {
    /// Network values on the raster, compared cell by cell with a reference grid.
    private func mismatches(_ values: [Double], _ network: DrainageNetwork, _ reference: Raster<Double>, tolerance: Double = 0) -> [String] {
        var bad: [String] = []
        for c in 0..<network.cellCount {
            let i = Int(network.rasterIndex[c])
            if !reference.hasData[i] || abs(reference.values[i] - values[c]) > tolerance {
                bad.append("(\(i / network.columns), \(i % network.columns)): \(values[c]) vs \(reference.values[i])")
            }
        }
        return bad
    }

    @Test(arguments: ["cance", "lez", "rhine"])
    func upstreamCellsEqualPyflwdir(catchment: String) throws {
        let network = try RoutingTestData.network(catchment)
        let reference = try RoutingTestData.grid("\(catchment)/upstream_cells_pyflwdir.asc")
        // Every cell with a reference value is in the network and vice versa.
        #expect(network.cellCount == reference.hasData.filter { $0 }.count)
        let bad = mismatches(network.upstreamArea().cells.map(Double.init), network, reference)
        #expect(bad.isEmpty, "\(bad.count) cells differ, first: \(bad.prefix(5).joined(separator: "; "))")
        if catchment == "rhine" {
            #expect(network.cellCount == 349_847 && network.outlets.count >= 1)
        }
    }

    @Test func rhineUpstreamAreaMatchesPyflwdirOnTheSphere() throws {
        // pyflwdir's cell areas use a sphere of radius 6,371,000 m (its gis_utils._R).
        let d8 = try RoutingTestData.grid("rhine/flwdir_esri.asc")
        let network = try DrainageNetwork(flowDirections: d8, earthRadius: 6_371_000)
        #expect(network.cellGeometry.geographic)
        let reference = try RoutingTestData.grid("rhine/upstream_area_pyflwdir_km2.asc")
        let area = network.upstreamArea().squareKilometres
        // The file rounds to 4 decimals (half a unit: 5e-5 km²) and pyflwdir sums in float32
        // (about 1e-8 relative on the main stem): allow 5e-5 km² + 1e-6 relative. A sphere of
        // R = 6,371,007.2 m would be 2.3e-6 relative off everywhere and fail.
        var bad = 0, worst = 0.0
        for c in 0..<network.cellCount {
            let r = reference.values[Int(network.rasterIndex[c])]
            let difference = abs(area[c] - r)
            if difference > 0.5e-4 + 1e-6 * r { bad += 1 }
            if r > 1000 { worst = max(worst, difference / r) }
        }
        print("rhine upstream area vs pyflwdir: largest relative difference above 1000 km²: \(worst)")
        #expect(bad == 0, "\(bad) cells differ; largest relative difference above 1000 km² \(worst)")
    }

    @Test(arguments: ["cance", "lez"])
    func upstreamAreaEqualsSmash(catchment: String) throws {
        let network = try RoutingTestData.network(catchment)
        let reference = try RoutingTestData.grid("\(catchment)/upstream_area_smash_km2.asc")
        // The file holds whole km² (1 km cells): "within rounding of the file" is half a unit.
        let bad = mismatches(network.upstreamArea().squareKilometres, network, reference, tolerance: 0.5)
        #expect(bad.isEmpty, "\(bad.count) cells differ, first: \(bad.prefix(5).joined(separator: "; "))")
    }

    @Test(arguments: ["cance", "lez"])
    func levelsPlusOneEqualSmashFlwpar(catchment: String) throws {
        let network = try RoutingTestData.network(catchment)
        let reference = try RoutingTestData.grid("\(catchment)/flwpar_smash.asc")
        let bad = mismatches(network.levels.level.map { Double($0) + 1 }, network, reference)
        #expect(bad.isEmpty, "\(bad.count) cells differ, first: \(bad.prefix(5).joined(separator: "; "))")
        // With the active mask, active cells keep their levels (the mask is closed upstream).
        let masked = try DrainageNetwork(flowDirections: RoutingTestData.grid("\(catchment)/flwdir_esri.asc"),
                                         mask: RoutingTestData.grid("\(catchment)/active_cell.asc"))
        let badMasked = mismatches(masked.levels.level.map { Double($0) + 1 }, masked, reference)
        #expect(badMasked.isEmpty, "\(badMasked.count) masked cells differ")
    }

    @Test func levelStructureIsConsistent() throws {
        let network = try RoutingTestData.network("rhine")
        let levels = network.levels
        #expect(Set(levels.order).count == network.cellCount)
        for l in 0..<levels.count {
            for c in levels.cells(ofLevel: l) { #expect(levels.level[Int(c)] == Int32(l)) }
        }
        // Level 0 iff no donors; otherwise 1 + max over donors; every donor strictly lower.
        var wrong = 0
        for c in 0..<network.cellCount {
            let ds = network.donors[Int(network.donorOffsets[c])..<Int(network.donorOffsets[c + 1])]
            let expected = ds.isEmpty ? 0 : 1 + ds.map { levels.level[Int($0)] }.max()!
            if levels.level[c] != expected { wrong += 1 }
        }
        #expect(wrong == 0)
    }
}
