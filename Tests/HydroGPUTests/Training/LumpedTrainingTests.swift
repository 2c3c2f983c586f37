import Foundation
import Testing
import HydroGPU
import TestSupport

/// Lumped cases in training: one cell, HBV with snow, the gamma unit hydrograph's route_a and
/// route_b calibrated with the HBV parameters, discharge in m³/s from the basin area.
@Suite("Lumped training")
struct LumpedTrainingTests {
    static let camelsConfig = CalibrationPipelineTests.repository.appending(path: "configs/camels-01022500.yaml")
    static var camelsAvailable: Bool {
        FileManager.default.fileExists(atPath: CalibrationPipelineTests.repository.deletingLastPathComponent()
            .appending(path: "shared/data/camels-us/usgs_streamflow/01022500_streamflow_qc.txt").path)
    }

    /// A synthetic CAMELS-format basin of 250 km² over 200 days from 2000-01-01 (cold start,
    /// so snow accumulates and melts), with USGS-format observations (cubic feet per second;
    /// two days missing), written to a temporary folder. Returns its config.
    static func syntheticBasin(extra: String = "") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-lumped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: 5)
        var forcing = "  45.00\n 300.00\n 250000000\nYear Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)\n"
        var flow = ""
        var q = 4.0
        let start = Date(timeIntervalSince1970: 946_684_800)   // 2000-01-01 UTC
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in 0..<200 {
            let d = calendar.dateComponents([.year, .month, .day], from: start.addingTimeInterval(Double(day) * 86_400))
            let rain = Double.random(in: 0...1, using: &generator) < 0.3 ? Double.random(in: 1...30, using: &generator) : 0
            let mean = -4 + 22 * Double(day) / 200 + Double.random(in: -3...3, using: &generator)
            forcing += String(format: "%04d %02d %02d 12\t40000.00\t%.2f\t200.00\t0.00\t%.2f\t%.2f\t800.00\n", d.year!, d.month!, d.day!, rain, mean + 5, mean - 5)
            q = 0.85 * q + 0.25 * rain
            let missing = day == 120 || day == 121
            flow += String(format: "99999999 %04d %02d %02d %9.2f A\n", d.year!, d.month!, d.day!, missing ? -999 : q * 35.3147)
        }
        try forcing.write(to: folder.appending(path: "forcing.txt"), atomically: true, encoding: .utf8)
        try flow.write(to: folder.appending(path: "flow.txt"), atomically: true, encoding: .utf8)
        let config = """
        name: synthetic-lumped
        domain:
          lumped: {}
        time: {step: 1d, start: 2000-01-01, end: 2000-07-18}
        periods:
          warmup: [2000-01-01, 2000-02-29]
          calibration: [2000-03-01, 2000-05-31]
          validation: [2000-06-01, 2000-07-18]
        forcing:
          precipitation: {file: forcing.txt, format: camels, variable: prcp}
          tmin: {file: forcing.txt, format: camels, variable: tmin}
          tmax: {file: forcing.txt, format: camels, variable: tmax}
          pet_method: hargreaves
        gauges:
          - id: "99999999"
            observed: {file: flow.txt, format: usgs}
        model: {solver: sequential, snow: true}
        output: {folder: results}

        """ + extra
        let url = folder.appending(path: "case.yaml")
        try config.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func objective(_ url: URL, loss: DischargeLoss = .oneMinusNSE) throws -> CalibrationObjective {
        let hydroCase = try HydroCase.load(url)
        let data = try CalibrationData.from(hydroCase)
        let setup = try TrainingSetup.from(config: hydroCase.config, data: data)
        return CalibrationObjective(data: data, setup: setup, loss: loss, priorWeight: 0.01)
    }

    /// The lumped chain's discharge is the gamma-routed reference runoff times area / (1000 dt).
    @Test func dischargeIsRoutedRunoffTimesArea() throws {
        let objective = try Self.objective(try Self.syntheticBasin())
        #expect(objective.data.routing == .gamma && objective.data.cells == 1)
        #expect(objective.setup.freeParameterNames.suffix(2) == ["route_a", "route_b"])
        var x = objective.setup.initialFreeValues()
        let n = objective.setup.space.freeCount
        x[n] = 0.7
        x[n + 1] = -1.2
        let run = try objective.evaluate(x, gradient: false, steps: objective.data.steps)
        let runoff = try SequentialReferenceModel<Double>().forward(objective.runoffProblem(x, steps: objective.data.steps)).runoff
        let a = 2.9 / (1 + Foundation.exp(-0.7)), b = 6.5 / (1 + Foundation.exp(1.2))
        let routed = GammaUnitHydrograph<Double>(routeA: a, routeB: b, steps: runoff.count).route(runoff)
        let area = 250e6
        for t in runoff.indices {
            let want = routed[t] * area / (1000 * 86_400)
            #expect(abs(run.discharge[0][t] - want) <= 1e-12 * max(abs(want), 1e-9), "step \(t): \(run.discharge[0][t]) vs \(want)")
        }
        #expect(runoff.contains { $0 > 0.1 })
        // Snow is on: some precipitation fell as snow (it came out later than it fell).
        let snow = try SequentialReferenceModel<Double>().trace(objective.runoffProblem(x, steps: 60)).states.map { $0[.snowpack] }
        #expect(snow.max()! > 1)
    }

    /// dL/dx of the whole lumped chain (HBV with snow, gamma routing, loss) against central
    /// differences in Double, for every free value.
    @Test(arguments: [DischargeLoss.oneMinusNSE, .oneMinusKGE, .rmseLogCombination])
    func gradientMatchesFiniteDifferences(loss: DischargeLoss) throws {
        let objective = try Self.objective(try Self.syntheticBasin(), loss: loss)
        var x = objective.setup.initialFreeValues()
        var generator = SeededGenerator(seed: 3)
        for i in x.indices { x[i] += Double.random(in: -0.5...0.5, using: &generator) }
        let g = try objective.evaluate(x, gradient: true).gradient!
        #expect(g.count == x.count)
        let scale = g.map(abs).max()!
        #expect(scale > 0)
        let worst = try expectAdjointMatchesCentralDifferences(g, at: x, indices: Array(x.indices), describe: { objective.setup.describe(index: $0) }) {
            try objective.evaluate($0, gradient: false).loss
        }
        // The routing parameters matter to the loss.
        let n = objective.setup.space.freeCount
        #expect(abs(g[n]) > 1e-6 * scale && abs(g[n + 1]) > 1e-6 * scale)
        print("lumped FD check (\(loss.rawValue)): \(x.count) directions, worst relative error \(worst)")
    }

    /// Cryosphere parameters by month (TT, CFMAX with the monthly layout) and the precipitation
    /// corrections RFCF, SFCF, listed in the config, are calibrated: the chain's gradient of each
    /// against central differences in Double (the objective's prior term gives every value a
    /// gradient; the snow months, the corrections' and the melt factor's are well above it).
    @Test func monthlyCryosphereAndCorrectionsGradient() throws {
        let extra = "parameters:\n  TT: {temporal: monthly}\n  CFMAX: {temporal: monthly}\n  RFCF: {initial: 1.1}\n  SFCF: {initial: 1.2}\n"
        let objective = try Self.objective(try Self.syntheticBasin(extra: extra))
        let names = (0..<objective.setup.freeCount).map { objective.setup.describe(index: $0) }
        #expect(names.contains("RFCF") && names.contains("SFCF") && names.contains("TT, month 3") && names.contains("CFMAX, month 12"))
        var x = objective.setup.initialFreeValues()
        var generator = SeededGenerator(seed: 9)
        for i in x.indices { x[i] += Double.random(in: -0.3...0.3, using: &generator) }
        let g = try objective.evaluate(x, gradient: true).gradient!
        let indices = names.indices.filter { ["TT", "CFMAX", "RFCF", "SFCF"].contains(where: names[$0].hasPrefix) }
        _ = try expectAdjointMatchesCentralDifferences(g, at: x, indices: indices, describe: { names[$0] }) {
            try objective.evaluate($0, gradient: false).loss
        }
        let scale = g.map(abs).max()!
        for name in ["RFCF", "SFCF", "CFMAX, month 3"] { #expect(abs(g[names.firstIndex(of: name)!]) > 1e-6 * scale, "\(name)") }
    }

    /// `parameters:` fixes route_a / route_b; velocity and out-of-bounds values are refused
    /// naming the key and line.
    @Test func routingParametersFromConfig() throws {
        let fixed = try Self.objective(try Self.syntheticBasin(extra: "parameters:\n  route_a: 1.5\n  route_b: {initial: 2}\n"))
        #expect(fixed.setup.freeParameterNames.last == "route_b" && !fixed.setup.freeParameterNames.contains("route_a"))
        let p = fixed.setup.gamma!.parameters(fixed.setup.routingPart(fixed.setup.initialFreeValues()))
        #expect(p.routeA == 1.5 && abs(p.routeB - 2) < 1e-12)
        // The config has 18 lines: `parameters:` is line 19, its entry line 20.
        for (extra, words) in [("parameters:\n  velocity: 2\n", "velocity is the D8 routing celerity"),
                               ("parameters:\n  route_a: 3.5\n", "outside [0.0, 2.9]"),
                               ("parameters:\n  route_b: {initial: 0}\n", "outside (0.0, 6.5)")] {
            do {
                _ = try Self.objective(try Self.syntheticBasin(extra: extra))
                Issue.record("accepted \(extra)")
            } catch {
                #expect("\(error)".contains("line 20") && "\(error)".contains("parameters.") && "\(error)".contains(words), "\(error)")
            }
        }
    }

    /// Pseudo observations need a network to scale along: a lumped case refuses them, naming
    /// the key and line.
    @Test func pseudoObservationsAreRefusedForLumpedCases() throws {
        let url = try Self.syntheticBasin(extra: "training:\n  pseudo_observed: {weight: 0.2}\n")
        let hydroCase = try HydroCase.load(url)
        let data = try CalibrationData.from(hydroCase)
        let config = try #require(hydroCase.config.training.pseudoObserved)
        #expect {
            _ = try PseudoObservations.select(config, data: data, file: url.path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("line 20") && text.contains("training.pseudo_observed") && text.contains("lumped")
        }
    }

    /// A short L-BFGS run on a CAMELS basin lowers the loss, keeps the routing inside its bounds,
    /// and writes results with route_a and route_b.
    @Test(.enabled(if: camelsAvailable, "needs ../shared/data (CAMELS-US)"))
    func shortTrainingOnCamelsImprovesTheLoss() throws {
        let objective = try Self.objective(Self.camelsConfig)
        #expect(objective.setup.space.offsets[.cfmax] != nil, "snow parameters are calibrated (snow on)")
        var training = TrainingConfig()
        training.iterations = 8
        let result = try Trainer(objective: objective, config: training, folder: nil).run()
        #expect(result.lossHistory.last! < result.lossHistory.first! - 0.01, "\(result.lossHistory)")
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-camels-\(UUID().uuidString)")
        let metrics = try RunResults.write(objective: objective, free: result.free, to: folder)
        #expect(metrics.map(\.period) == ["calibration", "validation"])
        let summary = try JSONDecoder().decode([String: [String: Double]].self, from: Data(contentsOf: folder.appending(path: "parameters.json")))
        let a = try #require(summary["route_a"]?["value"]), b = try #require(summary["route_b"]?["value"])
        #expect(a > 0 && a < 2.9 && b > 0 && b < 6.5)
        #expect(summary["velocity"] == nil)
    }
}
