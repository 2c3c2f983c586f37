import Foundation
import HydroGPU
import Testing

/// `model.glacier` from a case config to the model (docs/GLACIER.md): a glacierised synthetic
/// case written as `hydrogpu synth --glacier` writes it, read back, its fraction map and ice
/// store on the cells, CFICE and TTG calibrated, the truth fitting its own discharge, and the
/// refusals naming file and place.
struct GlacierCaseTests {
    static func catchment(days: Int = 200) throws -> SyntheticCatchment {
        var o = SyntheticCatchment.Options(rows: 6, columns: 6, days: days, gauges: 2, seed: 3)
        o.truth = .uniform
        o.glacier = true
        return try SyntheticCatchment(o)
    }

    /// The case folder and its config text.
    static func written(_ c: SyntheticCatchment) throws -> (folder: URL, config: URL, text: String) {
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-glacier-\(UUID().uuidString)")
        try SyntheticCaseWriter.write(c, to: folder)
        let config = folder.appending(path: "case.yaml")
        return (folder, config, try String(contentsOf: config, encoding: .utf8))
    }

    @Test func glacierFractionAndIceReachTheModel() throws {
        let c = try Self.catchment()
        let truth = c.trueParameters[.gfrac]!
        #expect(truth.contains(0) && truth.contains { $0 > 0.5 }, "part of the catchment is glacierised")
        let (folder, config, text) = try Self.written(c)
        defer { try? FileManager.default.removeItem(at: folder) }
        guard case .success(let summary) = CaseValidation.validate(config) else { Issue.record("validate: \(CaseValidation.validate(config))"); return }
        // validate reports the glacier: glacierised cells and ice area (1 km² cells here).
        let cells = truth.filter { $0 > 0 }.count, area = truth.reduce(0, +)
        #expect(summary.lines.contains("glacier    \(cells) of \(c.cellCount) cells glacierised, \(String(format: "%.2f", area)) km² of ice (\(String(format: "%.1f", 100 * area / Double(c.cellCount))) % of the domain), unlimited ice (no model.glacier.ice)"),
                "\(summary.lines.filter { $0.hasPrefix("glacier") })")
        let loaded = try HydroCase.load(config)
        let fraction = try #require(loaded.glacier?.fraction)
        #expect(zip(fraction, truth).allSatisfy { abs($0 - $1) <= 1e-6 })
        let data = try CalibrationData.from(loaded)
        #expect(!data.configuration.limitsIceMelt, "no ice given: unlimited")
        let setup = try TrainingSetup.from(config: loaded.config, data: data)
        #expect(setup.space.layouts[.gfrac]?.fixedPerCell == fraction)
        #expect(setup.space.offsets[.cfice] != nil && setup.space.offsets[.ttg] != nil, "CFICE and TTG are calibrated")
        #expect(setup.space.offsets[.gfrac] == nil)
        // With the ice known (mm w.e. over the glacier part), it limits the melt and fills ICE.
        try text.replacingOccurrences(of: "glacier: {fraction: glacier_fraction.asc}", with: "glacier: {fraction: glacier_fraction.asc, ice: 1500}")
            .write(to: config, atomically: true, encoding: .utf8)
        let limited = try CalibrationData.from(try HydroCase.load(config))
        #expect(limited.configuration.limitsIceMelt)
        let states: [Double] = limited.initialStates()
        let row = HBVStorage.ice.rawValue * limited.cells
        #expect((0..<limited.cells).allSatisfy { abs(states[row + $0] - 1500 * fraction[$0]) <= 1e-9 })
        #expect(states[HBVStorage.soilMoisture.rawValue * limited.cells] == HBVStorage.defaultInitial)
    }

    /// The case's discharge is the truth's own (unlimited ice): evaluated at the true values, the
    /// training objective's 1 - NSE is 0 to the routing's rounding, and the gradient of CFICE and
    /// TTG against central differences through the whole chain (map, layout, routing, loss).
    @Test func truthFitsAndGradientMatchesDifferences() throws {
        let c = try Self.catchment()
        let (folder, config, _) = try Self.written(c)
        defer { try? FileManager.default.removeItem(at: folder) }
        let loaded = try HydroCase.load(config)
        let data = try CalibrationData.from(loaded)
        let truth = SyntheticCatchment.uniformTruth
        let names = HBVParameter.allCases.filter { $0 != .gfrac }.map { ($0.name, truth[$0]!) }
        let setup = try TrainingSetup.from(config: loaded.config, data: data, initialValues: Dictionary(uniqueKeysWithValues: names))
        let objective = CalibrationObjective(data: data, setup: setup, loss: .oneMinusNSE, backend: .reference)
        let x = setup.initialFreeValues()
        let e = try objective.evaluate(x, gradient: true)
        #expect(e.loss <= 1e-5, "1 - NSE at the truth: \(e.loss)")
        // Away from the truth (the loss's minimum) so the gradient is not ~0.
        var y = x
        for p in [HBVParameter.cfice, .ttg] { y[setup.space.offsets[p]!] += 0.3 }
        let g = try #require(try objective.evaluate(y, gradient: true).gradient)
        for p in [HBVParameter.cfice, .ttg] {
            let i = setup.space.offsets[p]!, h = 1e-5
            var plus = y, minus = y
            plus[i] += h; minus[i] -= h
            let fd = (try objective.evaluate(plus, gradient: false).loss - objective.evaluate(minus, gradient: false).loss) / (2 * h)
            #expect(abs(fd) > 1e-6, "\(p.name) moves the loss")
            #expect(abs(g[i] - fd) <= 1e-5 * abs(fd) + 1e-9, "\(p.name): adjoint \(g[i]) fd \(fd)")
        }
    }

    @Test func badGlacierInputsAreRefusedNamingThePlace() throws {
        let c = try Self.catchment(days: 60)
        let (folder, config, text) = try Self.written(c)
        defer { try? FileManager.default.removeItem(at: folder) }
        func error(_ edited: String) throws -> InputError? {
            try edited.write(to: config, atomically: true, encoding: .utf8)
            if case .failure(let e) = CaseValidation.validate(config) { return e }
            return nil
        }
        let glacierLine = "glacier: {fraction: glacier_fraction.asc}"
        // The glacier needs its snow.
        let noSnow = try error(text.replacingOccurrences(of: "snow: true", with: "snow: false"))
        #expect(noSnow?.description.contains("model.snow: true") == true, "\(String(describing: noSnow))")
        // A fraction outside 0-1, as a number and in the raster (file, row, column).
        #expect(try error(text.replacingOccurrences(of: glacierLine, with: "glacier: {fraction: 1.2}"))?.description.contains("outside 0-1") == true)
        let grid = folder.appending(path: "glacier_fraction.asc")
        var lines = try String(contentsOf: grid, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cells = lines[6 + 2].split(separator: " ").map(String.init)
        cells[3] = "1.5"
        lines[6 + 2] = cells.joined(separator: " ")
        try lines.joined(separator: "\n").write(to: grid, atomically: true, encoding: .utf8)
        let raster = try error(text)
        #expect(raster?.file.hasSuffix("glacier_fraction.asc") == true && raster?.row == 2 && raster?.column == 3, "\(String(describing: raster))")
        // Negative ice; the fraction map is not a calibrated parameter; glacier parameters and
        // fields without a glacier.
        #expect(try error(text.replacingOccurrences(of: glacierLine, with: "glacier: {fraction: 0.3, ice: -5}"))?.description.contains("ice") == true)
        let gfrac = try error(text.replacingOccurrences(of: glacierLine, with: "glacier: {fraction: 0.3}")
            .replacingOccurrences(of: "parameters:\n", with: "parameters:\n  GFRAC: 0.5\n"))
        #expect(gfrac?.description.contains("model.glacier.fraction") == true, "\(String(describing: gfrac))")
        let without = text.replacingOccurrences(of: "\n  " + glacierLine, with: "")
        #expect(!without.contains("glacier:"))
        let stray = try error(without.replacingOccurrences(of: "parameters:\n", with: "parameters:\n  CFICE: 2\n"))
        #expect(stray?.description.contains("no glacier") == true, "\(String(describing: stray))")
        let field = try error(without.replacingOccurrences(of: "folder: results", with: "folder: results\n  fields: [ice_melt]"))
        #expect(field?.description.contains("glacier field") == true, "\(String(describing: field))")
    }
}
