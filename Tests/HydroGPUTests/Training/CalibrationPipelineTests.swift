import Foundation
import Testing
import DeviceTensor
import HydroGPU
import TestSupport

/// The whole calibration chain on a real sub-basin of the Lez (data/lez ships with the repo).
@Suite("Calibration pipeline")
struct CalibrationPipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Lez upstream of Y3204010 (113 km²), first `steps` days.
    static func lezSubBasin(steps: Int = 100) throws -> (CaseConfig, CalibrationData) {
        let hydroCase = try HydroCase.load(repository.appending(path: "configs/lez.yaml"))
        let data = try CalibrationData.from(hydroCase).subBasin(gauge: 2, steps: steps)
        // The tests choose their own parameter layouts; start from none.
        var config = hydroCase.config
        config.parameters = [:]
        return (config, data)
    }

    /// Uniform HBV parameters (UZL within custom bounds), FC and K1 distributed, velocity calibrated.
    static func objective(_ config: CaseConfig, _ data: CalibrationData, loss: DischargeLoss = .oneMinusNSE, backend: RunoffBackend = .reference,
                          distributedVelocity: Bool = false) throws -> CalibrationObjective {
        var config = config
        config.parameters["FC"] = ParameterConfig(spatial: .distributed, initial: 300)
        config.parameters["K1"] = ParameterConfig(spatial: .distributed)
        config.parameters["UZL"] = ParameterConfig()
        config.parameters["UZL"]!.bounds = ParameterBounds(lower: 5, upper: 60)
        if distributedVelocity { config.parameters["velocity"] = ParameterConfig(spatial: .distributed, initial: 0.5) }
        let setup = try TrainingSetup.from(config: config, data: data)
        return CalibrationObjective(data: data, setup: setup, loss: loss, backend: backend, priorWeight: 0.01, smoothnessWeight: 0.01)
    }

    @Test func subBasinKeepsTheUpstreamCellsAndGauge() throws {
        let (_, data) = try Self.lezSubBasin()
        #expect(data.gauges.map(\.id) == ["Y3204010"])
        // The delineated area of the sub-basin equals the gauge's upstream area in the full network.
        let hydroCase = try HydroCase.load(Self.repository.appending(path: "configs/lez.yaml"))
        let full = try CalibrationData.from(hydroCase)
        let upstream = full.network.upstreamArea()
        let area = data.network.cellArea.reduce(0, +) / 1e6
        #expect(abs(area - upstream.squareKilometres[full.gauges[2].cell]) < 1e-6 * area)
        #expect(data.network.outlets == [data.gauges[0].cell])
    }

    /// Bounds that break the equations at the case's step are refused, naming the config key.
    @Test func customBoundsTooFastForTheStepAreRefused() throws {
        var (config, data) = try Self.lezSubBasin(steps: 30)
        config.parameters["K1"] = ParameterConfig()
        config.parameters["K1"]!.bounds = ParameterBounds(lower: 0.01, upper: 2)  // 2/day on daily steps
        #expect {
            _ = try TrainingSetup.from(config: config, data: data)
        } throws: { error in
            "\(error)".contains("parameters.K1.bounds") && "\(error)".contains("at most 1.0/day")
        }
        config.parameters["K1"]!.bounds = ParameterBounds(lower: 0.01, upper: 0.9)
        let setup = try TrainingSetup.from(config: config, data: data)
        let series: [HBVParameter: ParameterSeries<Double>] = setup.space.expand(free: setup.space.initialFreeValues())
        #expect(abs(series[.k1]!.values[0] - 0.455) < 1e-12)
    }

    /// dL/dx of the whole chain against central differences in Double.
    @Test(arguments: [(DischargeLoss.oneMinusNSE, false), (.rmse, false), (.oneMinusNSE, true)])
    func gradientMatchesFiniteDifferences(loss: DischargeLoss, distributedVelocity: Bool) throws {
        let (config, data) = try Self.lezSubBasin(steps: 90)
        let objective = try Self.objective(config, data, loss: loss, distributedVelocity: distributedVelocity)
        try Self.expectAdjointMatchesFiniteDifferences(objective, label: loss.rawValue)
    }

    /// The runoff exchange factor EXCHANGE (uniform, then one per cell; the runoff model's
    /// `RunoffExchangeProcess`) in the chain, against central differences.
    @Test(arguments: [ParameterConfig.Spatial.uniform, .distributed])
    func exchangeGradientMatchesFiniteDifferences(spatial: ParameterConfig.Spatial) throws {
        var (config, data) = try Self.lezSubBasin(steps: 90)
        config.parameters["EXCHANGE"] = ParameterConfig(spatial: spatial, initial: 1.4)
        let objective = try Self.objective(config, data)
        #expect(objective.setup.freeParameterNames.contains("EXCHANGE"))
        try Self.expectAdjointMatchesFiniteDifferences(objective, label: "exchange \(spatial)")
    }

    /// Every uniform free value, the velocity, the exchange factor and a few cells of the
    /// distributed parameters: adjoint against central differences (relative 1e-6).
    static func expectAdjointMatchesFiniteDifferences(_ objective: CalibrationObjective, label: String) throws {
        var x = objective.setup.initialFreeValues()
        var generator = SeededGenerator(seed: 7)
        for i in x.indices { x[i] += Double.random(in: -0.5...0.5, using: &generator) }
        let g = try objective.evaluate(x, gradient: true).gradient!
        let fc = objective.setup.space.offsets[.fc]!
        let indices = Array(0..<x.count).filter { i in
            let name = objective.setup.describe(index: i)
            return !name.contains("cell") || i == fc || i == fc + 5 || i == objective.setup.space.offsets[.k1]! + 3
                || i == objective.setup.space.freeCount || i == x.count - 1 || name == "EXCHANGE at cell 4"
        }
        let worst = try expectAdjointMatchesCentralDifferences(g, at: x, indices: indices, describe: { objective.setup.describe(index: $0) }) {
            try objective.evaluate($0, gradient: false).loss
        }
        print("pipeline FD check (\(label)): \(indices.count) directions, worst relative error \(worst)")
    }

    /// A fixed exchange factor f scales every cell's runoff: with a linear routing, the discharge
    /// at the gauge is f times that without exchange.
    @Test func fixedExchangeScalesTheDischarge() throws {
        var (config, data) = try Self.lezSubBasin(steps: 60)
        let plain = try Self.objective(config, data)
        config.parameters["EXCHANGE"] = ParameterConfig(fixed: 1.7)
        let scaled = try Self.objective(config, data)
        #expect(scaled.setup.freeCount == plain.setup.freeCount)
        let x = plain.setup.initialFreeValues()
        let a = try plain.evaluate(x, gradient: false).discharge[0], b = try scaled.evaluate(x, gradient: false).discharge[0]
        #expect(a.max()! > 0)
        for t in a.indices { #expect(abs(b[t] - 1.7 * a[t]) <= 1e-12 * max(1, a[t])) }
    }

    /// FC, K0 and BETA fed by a tanh network of the six Lez descriptors: dL/d(weights) and the
    /// other free values against central differences.
    @Test func networkGradientMatchesFiniteDifferences() throws {
        var (config, data) = try Self.lezSubBasin(steps: 90)
        config.parameters["FC"] = ParameterConfig(spatial: .network, initial: 300)
        config.parameters["K0"] = ParameterConfig(spatial: .network)
        config.parameters["BETA"] = ParameterConfig(spatial: .network)
        var r = RegionalisationConfig()
        r.hidden = [5]
        r.seed = 3
        config.regionalisation = r
        data.calibrationSteps = 40..<90
        let setup = try TrainingSetup.from(config: config, data: data)
        #expect(setup.network?.layerSizes == [6, 5, 3])
        let objective = CalibrationObjective(data: data, setup: setup, loss: .oneMinusNSE)
        let x = setup.initialFreeValues()
        // The untrained network starts every network-fed parameter near its initial value.
        let fc = setup.space.expand(free: setup.parameterPart(x), networkRaw: try setup.network(x)!.forward(setup.networkInputs, cells: data.cells), as: Double.self)[.fc]!
        #expect(fc.values.allSatisfy { $0 > 50 && $0 < 1000 })
        let g = try objective.evaluate(x, gradient: true).gradient!
        let worst = try expectAdjointMatchesCentralDifferences(g, at: x, indices: Array(stride(from: 0, to: x.count, by: 3)), describe: { setup.describe(index: $0) }) {
            try objective.evaluate($0, gradient: false).loss
        }
        print("network pipeline FD check: worst relative error \(worst)")
    }

    @Test func openCLBackendMatchesReference() throws {
        guard let device = TrainingDevice.shared else {
            print("skipped: no OpenCL device")
            return
        }
        let (config, data) = try Self.lezSubBasin(steps: 90)
        let reference = try Self.objective(config, data)
        let opencl = try Self.objective(config, data, backend: .openCL(OpenCLRunoffModel(device: device)))
        let x = reference.setup.initialFreeValues().map { $0 + 0.3 }
        let a = try reference.evaluate(x, gradient: true), b = try opencl.evaluate(x, gradient: true)
        #expect(abs(a.loss - b.loss) <= 1e-3 * abs(a.loss))
        let scale = a.gradient!.map(abs).max()!
        for i in x.indices {
            #expect(abs(a.gradient![i] - b.gradient![i]) <= 1e-3 * scale, "\(reference.setup.describe(index: i)): reference \(a.gradient![i]), OpenCL \(b.gradient![i])")
        }
    }

    /// With the OpenCL backend the regionalisation network runs in its OpenCL kernels (Float):
    /// the loss and gradient agree with the reference chain within MODEL.md's 1e-3.
    @Test func networkOnOpenCLMatchesReference() throws {
        guard let device = TrainingDevice.shared else {
            print("skipped: no OpenCL device")
            return
        }
        var (config, data) = try Self.lezSubBasin(steps: 90)
        config.parameters["FC"] = ParameterConfig(spatial: .network, initial: 300)
        config.parameters["K1"] = ParameterConfig(spatial: .network)
        var r = RegionalisationConfig()
        r.hidden = [5]
        config.regionalisation = r
        let setup = try TrainingSetup.from(config: config, data: data)
        let reference = CalibrationObjective(data: data, setup: setup)
        let opencl = CalibrationObjective(data: data, setup: setup, backend: .openCL(OpenCLRunoffModel(device: device)))
        var x = setup.initialFreeValues()
        var generator = SeededGenerator(seed: 11)
        for i in x.indices { x[i] += Double.random(in: -0.3...0.3, using: &generator) }
        // The device outputs are Float values (the kernels ran), within Float rounding of Double's.
        let hostRaw = try reference.networkOutputs(x)!, deviceRaw = try opencl.networkOutputs(x)!
        #expect(deviceRaw.allSatisfy { Double(Float($0)) == $0 })
        #expect(zip(hostRaw, deviceRaw).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        let a = try reference.evaluate(x, gradient: true), b = try opencl.evaluate(x, gradient: true)
        #expect(abs(a.loss - b.loss) <= 1e-3 * abs(a.loss))
        let scale = a.gradient!.map(abs).max()!
        let weights = setup.freeCount - setup.network!.weightCount
        #expect(a.gradient![weights...].contains { abs($0) > 1e-3 * scale }, "the network weights matter")
        for i in x.indices {
            #expect(abs(a.gradient![i] - b.gradient![i]) <= 1e-3 * scale, "\(setup.describe(index: i)): reference \(a.gradient![i]), OpenCL \(b.gradient![i])")
        }
    }

    @Test func resumedTrainingEqualsUninterruptedTraining() throws {
        let (config, data) = try Self.lezSubBasin(steps: 90)
        let objective = try Self.objective(config, data)
        for optimizer in [OptimizerKind.lbfgs, .adam] {
            var training = TrainingConfig()
            training.optimizer = optimizer
            training.iterations = 4
            training.checkpointInterval = 2
            let whole = try Trainer(objective: objective, config: training, folder: nil).run()
            let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-train-\(UUID().uuidString)")
            var first = training
            first.iterations = 2
            _ = try Trainer(objective: objective, config: first, folder: folder).run()
            let saved = try TrainingCheckpoint.read(from: folder)
            #expect(saved.iteration == 2)
            let resumed = try Trainer(objective: objective, config: training, folder: folder).run(resume: saved)
            #expect(resumed.free == whole.free, "\(optimizer)")
            #expect(resumed.lossHistory == whole.lossHistory)
            #expect(whole.lossHistory.last! < whole.lossHistory.first!)
        }
    }

    @Test func nanStopsTrainingWithDiagnosisAndKeepsCheckpoint() throws {
        let (config, data) = try Self.lezSubBasin(steps: 90)
        let objective = try Self.objective(config, data)
        var training = TrainingConfig()
        training.iterations = 5
        training.checkpointInterval = 1
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-nan-\(UUID().uuidString)")
        var trainer = Trainer(objective: objective, config: training, folder: folder)
        trainer.nanAtIteration = 2
        #expect {
            _ = try trainer.run()
        } throws: { error in
            let text = "\(error)"
            return text.contains("iteration 3") && text.contains("forcing precipitation is nan at step 1") && text.contains("cell 0 (row")
                && text.contains("gradient of")
        }
        let saved = try TrainingCheckpoint.read(from: folder)
        #expect(saved.iteration == 2)
        #expect(saved.free.allSatisfy { $0.isFinite })
    }
}

/// One OpenCL device for the training suites, opened once.
enum TrainingDevice {
    static let shared: ComputeDevice? = TestDevice.shared
}
