import Foundation
import Testing
import HydroGPU
import TestSupport

/// A lumped basin given as elevation bands (docs/ELEVATION.md): one model cell per band reading
/// the basin's forcing corrected to its elevation, the bands' discharge summed by area. The
/// expectations are built independently of `ElevationCorrection`: one-cell runs of the same
/// basin whose forcing the test corrects by hand, summed by the bands' area shares (the gamma
/// routing and the m³/s conversion are linear).
@Suite("Elevation bands")
struct ElevationBandsTests {
    /// The synthetic CAMELS-format basin of `LumpedTrainingTests` (250 km²) with `domain` and
    /// `model` replaced.
    static func basin(domain: String, model: String, parameters: String = "") throws -> URL {
        let url = try LumpedTrainingTests.syntheticBasin(extra: parameters.isEmpty ? "" : "parameters:\n" + parameters + "\n")
        let text = try String(contentsOf: url, encoding: .utf8)
            .replacingOccurrences(of: "  lumped: {}", with: domain)
            .replacingOccurrences(of: "model: {solver: sequential, snow: true}", with: model)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func objective(_ url: URL, adjust: (inout CalibrationData) -> Void = { _ in }) throws -> CalibrationObjective {
        let hydroCase = try HydroCase.load(url)
        var data = try CalibrationData.from(hydroCase)
        adjust(&data)
        let setup = try TrainingSetup.from(config: hydroCase.config, data: data)
        return CalibrationObjective(data: data, setup: setup, loss: .oneMinusNSE)
    }

    static func twoBands(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> String {
        """
          lumped:
            bands:
              - {elevation: \(a.0), area: \(a.1), glacier: \(a.2)}
              - {elevation: \(b.0), area: \(b.1), glacier: \(b.2)}
        """
    }

    /// Bands at the forcing's own elevation change nothing: their discharge is the one-cell
    /// basin's, whatever the shares.
    @Test func bandsAtTheForcingsElevationAreTheBasin() throws {
        let one = try Self.objective(try Self.basin(domain: "  lumped: {}", model: "model: {solver: sequential, snow: true}"))
        let bands = try Self.objective(try Self.basin(domain: Self.twoBands((300, 0.3, 0), (300, 0.7, 0)),
                                                      model: "model: {solver: sequential, snow: true, elevation: {forcing: 300}}"))
        #expect(bands.data.cells == 2 && one.data.cells == 1)
        #expect(bands.data.elevationOffsets == [0, 0])
        #expect(abs(bands.data.grid.cellAreaSquareMetres[0] - 0.3 * 250e6) <= 1e-3 && abs(bands.data.grid.cellAreaSquareMetres[1] - 0.7 * 250e6) <= 1e-3)
        #expect(bands.setup.freeParameterNames == one.setup.freeParameterNames, "TLAPSE is fixed at -6.5 by default, PGRAD off")
        let x = one.setup.initialFreeValues()
        let q1 = try one.evaluate(x, gradient: false).discharge[0], q2 = try bands.evaluate(x, gradient: false).discharge[0]
        let scale = q1.map(abs).max()!
        #expect(zip(q1, q2).allSatisfy { abs($0 - $1) <= 1e-12 * scale }, "max difference \(zip(q1, q2).map { abs($0 - $1) }.max()!)")
    }

    /// Bands below and above the forcing's elevation, one of them glacierised: the basin's
    /// discharge is the area-weighted sum of one-cell runs whose temperature the test shifts by
    /// TLAPSE DZ / 1000 and whose precipitation it scales by 1 + PGRAD DZ / 100. Both solvers.
    @Test(arguments: ["sequential", "implicit"])
    func bandsAreTheBasinRunAtEachBandsElevation(solver: String) throws {
        let (lapse, gradient) = (-6.5, 0.08)
        let low = (elevation: 1000.0, share: 0.4, glacier: 0.0), high = (elevation: 2200.0, share: 0.6, glacier: 0.3)
        let forcingElevation = 1500.0
        let parameters = "  PGRAD: \(gradient)\n  TT: 0.5"
        let bands = try Self.objective(try Self.basin(domain: Self.twoBands((low.elevation, low.share, low.glacier), (high.elevation, high.share, high.glacier)),
                                                      model: "model: {solver: \(solver), snow: true, glacier: {}, elevation: {forcing: \(forcingElevation)}}",
                                                      parameters: parameters))
        #expect(bands.data.elevationOffsets == [-500, 700])
        #expect(bands.data.glacier?.fraction == [0, 0.3])
        var expected: [Double]?
        var x: [Double] = []
        for band in [low, high] {
            let dz = band.elevation - forcingElevation
            let one = try Self.objective(try Self.basin(domain: "  lumped: {}", model: "model: {solver: \(solver), snow: true, glacier: {fraction: \(band.glacier)}}",
                                                        parameters: "  TT: 0.5\n  RFCF: 1\n  SFCF: 1")) { data in
                data.forcing.temperature = data.forcing.temperature.map { $0 + lapse * dz / 1000 }
                data.forcing.precipitation = data.forcing.precipitation.map { $0 * (1 + gradient * dz / 100) }
            }
            #expect(one.setup.freeParameterNames == bands.setup.freeParameterNames)
            x = one.setup.initialFreeValues()
            // Away from the middle of the bounds, so that the glacier melts at a distinct rate.
            x[one.setup.space.offsets[.cfice]!] = 0.8
            let q = try one.evaluate(x, gradient: false).discharge[0].map { $0 * band.share }
            expected = expected.map { zip($0, q).map(+) } ?? q
        }
        let got = try bands.evaluate(x, gradient: false).discharge[0]
        let want = try #require(expected)
        let scale = want.map(abs).max()!
        #expect(scale > 0)
        let worst = zip(got, want).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-9 * scale, "\(solver): worst difference \(worst) of \(scale) m³/s")
    }

    /// TLAPSE and PGRAD calibrated on glacierised bands: the chain's gradient (the solvers' TT,
    /// TTG, RFCF, SFCF gradients chained by `ElevationCorrection`) against central differences
    /// of the loss, both solvers; TT's and TTG's too.
    @Test(arguments: ["sequential", "implicit"])
    func lapseRateAndPrecipitationGradientMatchDifferences(solver: String) throws {
        let objective = try Self.objective(try Self.basin(domain: Self.twoBands((1100, 0.5, 0), (2400, 0.5, 0.4)),
                                                          model: "model: {solver: \(solver), snow: true, glacier: {}, elevation: {forcing: 1400}}",
                                                          parameters: "  TLAPSE: {initial: -5}\n  PGRAD: {initial: 0.05}\n  RFCF: {initial: 1.1}\n  SFCF: {initial: 1.2}"))
        let space = objective.setup.space
        var x = objective.setup.initialFreeValues()
        x[space.offsets[.cfice]!] = 0.5
        try Self.expectChainGradient(objective, at: x, of: [.tlapse, .pgrad, .tt, .ttg, .rfcf, .sfcf], label: solver)
    }

    /// The training chain's gradient of each of `parameters` (uniform, calibrated) at `x` against
    /// central differences of the loss; each must move the loss.
    static func expectChainGradient(_ objective: CalibrationObjective, at x: [Double], of parameters: [HBVParameter], label: String) throws {
        let g = try #require(try objective.evaluate(x, gradient: true).gradient)
        for p in parameters {
            let i = try #require(objective.setup.space.offsets[p], "\(p.name) is calibrated")
            let h = 1e-5
            var plus = x, minus = x
            plus[i] += h; minus[i] -= h
            let fd = (try objective.evaluate(plus, gradient: false).loss - objective.evaluate(minus, gradient: false).loss) / (2 * h)
            #expect(abs(fd) > 1e-7, "\(label) \(p.name) moves the loss (\(fd))")
            #expect(abs(g[i] - fd) <= 2e-4 * abs(fd) + 1e-9, "\(label) \(p.name): adjoint \(g[i]) fd \(fd)")
        }
    }

    /// The cryosphere parameters by month (CFMAX, TT, CFICE, TTG with the monthly layout) on
    /// glacierised bands with the lapse rate: the chain's gradient of every month against central
    /// differences, both solvers; the ice melt of May (in the calibration window) moves the loss.
    @Test(arguments: ["sequential", "implicit"])
    func monthlyCryosphereParametersOnGlacierisedBands(solver: String) throws {
        let monthly = ["CFMAX", "TT", "CFICE", "TTG"].map { "  \($0): {temporal: monthly}" }.joined(separator: "\n")
        let objective = try Self.objective(try Self.basin(domain: Self.twoBands((1100, 0.5, 0.1), (2400, 0.5, 0.6)),
                                                          model: "model: {solver: \(solver), snow: true, glacier: {}, elevation: {forcing: 1400}}",
                                                          parameters: monthly + "\n  TLAPSE: {initial: -5}"))
        let names = (0..<objective.setup.freeCount).map { objective.setup.describe(index: $0) }
        for name in ["CFMAX, month 1", "TT, month 12", "CFICE, month 6", "TTG, month 7"] { #expect(names.contains(name), "\(name) in \(names)") }
        var x = objective.setup.initialFreeValues()
        var generator = SeededGenerator(seed: 4)
        for i in x.indices { x[i] += Double.random(in: -0.3...0.3, using: &generator) }
        let g = try #require(try objective.evaluate(x, gradient: true).gradient)
        let indices = names.indices.filter { ["CFMAX", "TT,", "CFICE", "TTG"].contains(where: names[$0].hasPrefix) }
        #expect(indices.count == 48)
        _ = try expectAdjointMatchesCentralDifferences(g, at: x, indices: indices, tolerance: 1e-5, describe: { names[$0] }) {
            try objective.evaluate($0, gradient: false).loss
        }
        let scale = g.map(abs).max()!
        for name in ["CFICE, month 5", "TTG, month 5", "CFMAX, month 4"] { #expect(abs(g[names.firstIndex(of: name)!]) > 1e-6 * scale, "\(name) moves the loss") }
    }

    /// Inputs that cannot be meant are refused, naming the place.
    @Test func badBandsAndElevationsAreRefused() throws {
        func message(domain: String = "  lumped: {}", model: String, parameters: String = "") throws -> String? {
            let url = try Self.basin(domain: domain, model: model, parameters: parameters)
            if case .failure(let e) = CaseValidation.validate(url) { return e.description }
            return nil
        }
        let snow = "model: {solver: sequential, snow: true}"
        let sum = try message(domain: Self.twoBands((1000, 0.4, 0), (2000, 0.5, 0)), model: snow)
        #expect(sum?.contains("sum to 0.9") == true, "\(String(describing: sum))")
        let ice = try message(domain: Self.twoBands((1000, 0.4, 0), (2000, 0.6, 0.2)), model: snow)
        #expect(ice?.contains("model.glacier") == true, "\(String(describing: ice))")
        let noSnow = try message(domain: Self.twoBands((1000, 0.4, 0), (2000, 0.6, 0)), model: "model: {solver: sequential, snow: false}")
        #expect(noSnow?.contains("model.snow: true") == true, "\(String(describing: noSnow))")
        let fraction = try message(domain: Self.twoBands((1000, 0.4, 0), (2000, 0.6, 0.2)), model: "model: {snow: true, glacier: {fraction: 0.1}}")
        #expect(fraction?.contains("each band's glacier") == true, "\(String(describing: fraction))")
        let cells = try message(domain: Self.twoBands((1000, 0.4, 0), (2000, 0.6, 0)), model: "model: {snow: true, elevation: {cells: 1200, forcing: 1000}}")
        #expect(cells?.contains("remove model.elevation.cells") == true, "\(String(describing: cells))")
        let stray = try message(model: snow, parameters: "  TLAPSE: -6")
        #expect(stray?.contains("no elevations") == true, "\(String(describing: stray))")
        let monthly = try message(domain: Self.twoBands((1000, 0.4, 0), (2000, 0.6, 0)), model: snow, parameters: "  TLAPSE: {temporal: monthly}")
        #expect(monthly?.contains("constant in time") == true, "\(String(describing: monthly))")
        let noForcing = try message(model: "model: {snow: true, elevation: {cells: 1200}}")
        #expect(noForcing?.contains("needs forcing") == true, "\(String(describing: noForcing))")
        let percent = try message(domain: Self.twoBands((1000, 40, 0), (2000, 60, 0)), model: snow)
        #expect(percent?.contains("band 1: area 40.0 is not a share") == true && percent?.contains("give 0.4") == true, "\(String(describing: percent))")
        let high = try message(domain: Self.twoBands((1000, 0.4, 0), (9500, 0.6, 0)), model: snow)
        #expect(high?.contains("band 2") == true, "\(String(describing: high))")
    }
}

/// `model.elevation` on a gridded case: the synthetic glacierised catchment's DEM against one
/// forcing elevation, the offsets on the cells, and the D8 chain's TLAPSE and PGRAD gradients
/// against central differences; OpenCL against the reference where a device is present.
@Suite("Elevation on a grid")
struct GriddedElevationTests {
    static func objective(backend: RunoffBackend = .reference) throws -> (CalibrationObjective, HydroCase, URL) {
        let c = try GlacierCaseTests.catchment(days: 150)
        let (folder, config, text) = try GlacierCaseTests.written(c)
        let glacierLine = "glacier: {fraction: glacier_fraction.asc}"
        try text.replacingOccurrences(of: glacierLine, with: glacierLine + "\n  elevation: {forcing: 250}")
            .replacingOccurrences(of: "parameters:\n", with: "parameters:\n  TLAPSE: {initial: -5}\n  PGRAD: {initial: 0.05}\n")
            .write(to: config, atomically: true, encoding: .utf8)
        let hydroCase = try HydroCase.load(config)
        let data = try CalibrationData.from(hydroCase)
        let setup = try TrainingSetup.from(config: hydroCase.config, data: data)
        return (CalibrationObjective(data: data, setup: setup, loss: .oneMinusNSE, backend: backend), hydroCase, folder)
    }

    @Test func offsetsAndGradientsOnTheGrid() throws {
        let (objective, hydroCase, folder) = try Self.objective()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dem = try #require(hydroCase.dem)
        let offsets = try #require(objective.data.elevationOffsets)
        #expect(offsets == hydroCase.grid.activeCells.map { dem.values[$0] - 250 })
        #expect(offsets.contains { $0 > 0 } || offsets.contains { $0 < 0 })
        try ElevationBandsTests.expectChainGradient(objective, at: objective.setup.initialFreeValues(), of: [.tlapse, .pgrad], label: "grid")
    }

    /// The OpenCL chain (its runoff kernels read the effective parameters; the correction runs on
    /// the host) against the reference: loss within 1e-5 relative, gradient within 1e-3 of its largest entry.
    @Test(.enabled(if: TestDevice.available, "needs an OpenCL device"))
    func openCLAgreesWithTheReference() throws {
        let (reference, _, folder) = try Self.objective()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (device, _, folder2) = try Self.objective(backend: .openCL(OpenCLRunoffModel(device: TestDevice.shared!)))
        defer { try? FileManager.default.removeItem(at: folder2) }
        let x = reference.setup.initialFreeValues()
        let r = try reference.evaluate(x, gradient: true), d = try device.evaluate(x, gradient: true)
        #expect(abs(r.loss - d.loss) <= 1e-5 * abs(r.loss), "loss \(r.loss) vs \(d.loss)")
        let gr = try #require(r.gradient), gd = try #require(d.gradient)
        let scale = gr.map(abs).max()!
        for p in [HBVParameter.tlapse, .pgrad, .ttg, .tt] {
            guard let i = reference.setup.space.offsets[p] else { continue }
            #expect(abs(gr[i] - gd[i]) <= 1e-3 * scale, "\(p.name): reference \(gr[i]) OpenCL \(gd[i])")
        }
    }
}

/// docs/examples/glacier-basin-bands.yaml, the template a new user copies for a glacierised
/// basin, read as shipped next to a synthetic CAMELS-CH style CSV with its column names: it
/// validates, its bands, glacier shares and elevation offsets reach the model as its comments
/// say, and one training evaluation runs.
@Suite("Glacier basin template")
struct GlacierBasinTemplateTests {
    @Test func templateRunsAsDocumented() throws {
        let template = CalibrationPipelineTests.repository.appending(path: "docs/examples/glacier-basin-bands.yaml")
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appending(path: "glacier-basin.yaml")
        try FileManager.default.copyItem(at: template, to: config)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: 2000, month: 10, day: 1))!
        var generator = SeededGenerator(seed: 11)
        var csv = "date,precipitation(mm/d),temperature_mean(degC),pet_sim(mm/d),discharge_vol(m3/s)\n"
        for day in 0..<3652 {
            let d = calendar.dateComponents([.year, .month, .day], from: start.addingTimeInterval(Double(day) * 86_400))
            let season = cos(2 * Double.pi * Double(day - 100) / 365.25)
            let rain = Double.random(in: 0...1, using: &generator) < 0.4 ? Double.random(in: 1...25, using: &generator) : 0
            let q = 1.5 + 1.2 * max(0, -season) + 0.05 * rain
            csv += String(format: "%04d-%02d-%02d,%.2f,%.2f,%.2f,%.3f\n", d.year!, d.month!, d.day!, rain, 2 - 9 * season, max(0, 2 - 2 * season), q)
        }
        try csv.write(to: folder.appending(path: "basin.csv"), atomically: true, encoding: .utf8)
        guard case .success(let summary) = CaseValidation.validate(config) else { Issue.record("\(CaseValidation.validate(config))"); return }
        #expect(summary.lines.contains { $0.hasPrefix("domain     lumped, 4 cells (elevation bands), 38.9 km²") }, "\(summary.lines.prefix(4))")
        let hydroCase = try HydroCase.load(config)
        let data = try CalibrationData.from(hydroCase)
        #expect(data.cells == 4)
        #expect(data.elevationOffsets == [-450, -50, 350, 750])
        #expect(data.glacier?.fraction == [0, 0.05, 0.35, 0.8])
        let setup = try TrainingSetup.from(config: hydroCase.config, data: data)
        for p in [HBVParameter.tlapse, .pgrad, .sfcf, .rfcf, .cfice, .ttg] { #expect(setup.space.offsets[p] != nil, "\(p.name) is calibrated") }
        let objective = CalibrationObjective(data: data, setup: setup, loss: .oneMinusNSE)
        let e = try objective.evaluate(setup.initialFreeValues(), gradient: true)
        #expect(e.loss.isFinite && e.gradient!.allSatisfy(\.isFinite))
    }
}
