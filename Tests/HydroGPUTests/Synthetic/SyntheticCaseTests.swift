import Foundation
import HydroGPU
import Testing

/// `SyntheticCatchment` and the case `hydrogpu synth` writes, read back through the io loader.
struct SyntheticCaseTests {
    static func options(seed: UInt64 = 7) -> SyntheticCatchment.Options {
        SyntheticCatchment.Options(rows: 9, columns: 8, days: 120, gauges: 3, seed: seed)
    }

    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appending(path: "hydrogpu-synth-\(UUID().uuidString)")
    }

    @Test func everyCellDrainsToTheSingleOutletAndGaugesAreNested() throws {
        let c = try SyntheticCatchment(Self.options())
        let n = c.cellCount
        #expect(n == 72)
        #expect(c.network.outlets.count == 1)
        let outlet = c.network.outlets[0]
        for start in 0..<n {
            var cell = start, hops = 0
            while c.network.downstream[cell] >= 0 && hops <= n { cell = Int(c.network.downstream[cell]); hops += 1 }
            #expect(cell == outlet, "cell \(start) ends at \(cell)")
        }
        // The first gauge is the outlet, the others have distinct, smaller upstream areas.
        #expect(c.gauges[0].cell == outlet)
        let areas = c.gauges.map(\.upstreamAreaKm2)
        #expect(areas[0] == Double(n) && Set(areas).count == areas.count && areas.dropFirst().allSatisfy { $0 < areas[0] })
    }

    @Test func trueMapsAreTheStatedFunctionsOfTheDescriptors() throws {
        let c = try SyntheticCatchment(Self.options())
        let fc = c.trueParameters[.fc]!, k1 = c.trueParameters[.k1]!, perc = c.trueParameters[.perc]!
        for cell in 0..<c.cellCount {
            let slope = c.descriptors[3 * cell + 1], soil = c.descriptors[3 * cell + 2]
            let index = 1 - exp(-slope / 0.02)
            #expect(abs(fc[cell] - (100 + 300 * soil)) < 1e-9)
            #expect(abs(k1[cell] - (0.05 + 0.2 * index)) < 1e-12)
            #expect(abs(perc[cell] - (0.5 + 2.5 * (1 - index))) < 1e-12)
            #expect((0...1).contains(soil))
        }
        #expect(Set(fc).count > c.cellCount / 2, "FC varies in space")
        #expect(c.trueParameters[.beta]!.allSatisfy { $0 == SyntheticCatchment.uniformTruth[.beta] })
    }

    @Test func writtenCaseValidatesAndHoldsTheCatchment() throws {
        let c = try SyntheticCatchment(Self.options())
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try SyntheticCaseWriter.write(c, to: folder)
        let url = folder.appending(path: "case.yaml")
        guard case .success = CaseValidation.validate(url) else {
            Issue.record("validate failed: \(CaseValidation.validate(url))"); return
        }
        let loaded = try HydroCase.load(url)
        #expect(loaded.grid.cellCount == c.cellCount)
        #expect(loaded.time.count == 120)
        #expect(loaded.gauges.map(\.id) == c.gauges.map(\.id))
        #expect(loaded.gauges.map(\.cell) == c.gauges.map(\.cell))
        let forcing: HBVForcing<Double> = try loaded.hbvForcing()
        #expect(forcing.precipitation == c.forcing.precipitation)
        #expect(forcing.temperature == c.forcing.temperature)
        #expect(forcing.pet == c.forcing.pet)
        for (g, gauge) in loaded.gauges.enumerated() { #expect(gauge.observed == c.discharge[g]) }
        // The twin calibration sections for `hydrogpu train`.
        #expect(loaded.config.parameters["FC"]?.spatial == .distributed)
        #expect(loaded.config.parameters["CFR"]?.fixed == SyntheticCatchment.uniformTruth[.cfr])
        #expect(loaded.config.parameters["velocity"]?.fixed == c.options.velocity)
        #expect(loaded.config.training.iterations == 300)
        let soil = try loaded.valuesOnCells("soil_index")
        #expect(zip(soil, (0..<c.cellCount).map { c.descriptors[3 * $0 + 2] }).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
    }

    @Test func storedDischargeEqualsAFreshSimulationOfTheStoredTruth() throws {
        let c = try SyntheticCatchment(Self.options())
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try SyntheticCaseWriter.write(c, to: folder)
        let loaded = try HydroCase.load(folder.appending(path: "case.yaml"))
        // Everything from the files: forcing (NetCDF), D8 (flwdir.asc), true maps (ASCII grids).
        var parameters: [HBVParameter: [Double]] = [:]
        for p in HBVParameter.onByDefault {
            let raster = try EsriAsciiGrid.read(folder.appending(path: "true_parameters/\(p.name).asc"))
            parameters[p] = loaded.grid.activeCells.map { raster.values[$0] }
        }
        let d8 = try EsriAsciiGrid.read(folder.appending(path: "flwdir.asc"))
        let network = try DrainageNetwork(flowDirections: d8, geographic: false)
        let runoff = try SyntheticCatchment.runoff(forcing: try loaded.hbvForcing(), parameters: parameters, configuration: HBVConfiguration())
        let gauges = loaded.gauges.map { Gauge(id: $0.id, cell: $0.cell, row: $0.row, column: $0.column, upstreamAreaKm2: 0) }
        let q = try SyntheticCatchment.route(runoff, network: network, gauges: gauges, steps: loaded.time.count, velocity: c.options.velocity)
        for (g, gauge) in loaded.gauges.enumerated() {
            let observed = gauge.observed!
            let worst = zip(q[g], observed).map { abs($0 - $1) / max(abs($1), 1e-9) }.max()!
            #expect(worst < 1e-12, "gauge \(gauge.id): relative difference \(worst)")
            #expect(observed.max()! > 0)
        }
    }

    @Test func sameSeedWritesIdenticalFilesOtherSeedDiffers() throws {
        let a = Self.folder(), b = Self.folder(), other = Self.folder()
        defer { for f in [a, b, other] { try? FileManager.default.removeItem(at: f) } }
        try SyntheticCaseWriter.write(try SyntheticCatchment(Self.options()), to: a)
        try SyntheticCaseWriter.write(try SyntheticCatchment(Self.options()), to: b)
        try SyntheticCaseWriter.write(try SyntheticCatchment(Self.options(seed: 8)), to: other)
        let files = ["case.yaml", "dem.asc", "flwdir.asc", "mask.asc", "descriptors/soil_index.asc", "descriptors/slope.asc",
                     "forcing.nc", "discharge.csv", "true_parameters/FC.asc", "true_parameters/K1.asc"]
        for f in files {
            let x = try Data(contentsOf: a.appending(path: f)), y = try Data(contentsOf: b.appending(path: f))
            #expect(x == y, "\(f) differs between two runs with the same seed")
        }
        #expect(try Data(contentsOf: a.appending(path: "dem.asc")) != Data(contentsOf: other.appending(path: "dem.asc")))
        #expect(try Data(contentsOf: a.appending(path: "discharge.csv")) != Data(contentsOf: other.appending(path: "discharge.csv")))
    }
}
