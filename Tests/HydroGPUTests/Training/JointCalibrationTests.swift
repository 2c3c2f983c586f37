import Foundation
import Testing
import HydroGPU
import TestSupport

/// Several cases sharing one regionalisation network (`JointCalibrationObjective`), on two
/// sub-basins of the Lez (data/lez ships with the repo).
@Suite("Joint calibration")
struct JointCalibrationTests {
    static let repository = CalibrationPipelineTests.repository

    /// The Lez upstream of Y3204010 ("upper", one gauge) and of Y3204030 ("middle", two gauges),
    /// first `steps` days; FC, K0 and BETA from the network of slope and drainage density.
    /// "middle" also calibrates a uniform exchange factor, so the cases' own blocks differ.
    static func cases(steps: Int = 90) throws -> (MultiCaseConfig, [(config: CaseConfig, data: CalibrationData)]) {
        let hydroCase = try HydroCase.load(repository.appending(path: "configs/lez.yaml"))
        let full = try CalibrationData.from(hydroCase)
        var loaded: [(config: CaseConfig, data: CalibrationData)] = []
        for (name, gauge) in [("upper", 2), ("middle", 1)] {
            var data = try full.subBasin(gauge: gauge, steps: steps)
            data.caseName = name
            data.calibrationSteps = min(40, steps / 2)..<steps
            var config = hydroCase.config
            config.name = name
            config.parameters = [:]
            config.parameters["FC"] = ParameterConfig(spatial: .network, initial: gauge == 2 ? 300 : 200)
            config.parameters["K0"] = ParameterConfig(spatial: .network)
            config.parameters["BETA"] = ParameterConfig(spatial: .network)
            if name == "middle" { config.parameters["EXCHANGE"] = ParameterConfig(initial: 1.2) }
            config.training.priorWeight = name == "upper" ? 0.01 : 0
            loaded.append((config, data))
        }
        var r = RegionalisationConfig()
        r.descriptors = ["slope", "drainage_density"]
        r.hidden = [4]
        r.seed = 3
        let multi = MultiCaseConfig(file: URL(fileURLWithPath: "/tmp/joint.yaml"), name: "joint", cases: loaded.map(\.config), caseWeights: [1, 3],
                                    regionalisation: r, outputFolder: FileManager.default.temporaryDirectory)
        return (multi, loaded)
    }

    static func objective(steps: Int = 90) throws -> JointCalibrationObjective {
        let (multi, loaded) = try cases(steps: steps)
        return try JointCalibrationObjective.from(config: multi, cases: loaded)
    }

    /// dL/dx of the joint cost (both cases' own values and the shared weights) against central
    /// differences in Double.
    @Test func jointGradientMatchesFiniteDifferences() throws {
        let objective = try Self.objective()
        #expect(objective.cases[0].data.cells < objective.cases[1].data.cells)
        var x = objective.initialFreeValues()
        var generator = SeededGenerator(seed: 11)
        for i in x.indices { x[i] += Double.random(in: -0.3...0.3, using: &generator) }
        let g = try objective.evaluate(x, gradient: true).gradient!
        // Every own value of both cases, and every third weight (each touches both cases).
        let indices = Array(0..<objective.networkOffset) + Array(stride(from: objective.networkOffset, to: x.count, by: 3))
        let worst = try expectAdjointMatchesCentralDifferences(g, at: x, indices: indices, describe: { objective.describe(index: $0) }) {
            try objective.evaluate($0, gradient: false).loss
        }
        print("joint FD check: \(indices.count) directions, worst relative error \(worst)")
    }

    /// The joint cost is the weighted sum (weights 1:3, normalised) of each case's own
    /// objective, built independently from its config with the same weights and with the
    /// descriptors normalised on both cases' cells together; its gradient is their weighted
    /// concatenation with the weight gradients summed. ("upper" has a prior term, anchored at the
    /// joint starting point.)
    @Test func jointLossIsTheWeightedSumOfTheCases() throws {
        let (multi, loaded) = try Self.cases()
        let joint = try JointCalibrationObjective.from(config: multi, cases: loaded)
        #expect(joint.caseWeights == [0.25, 0.75])
        var x = joint.initialFreeValues()
        var generator = SeededGenerator(seed: 5)
        for i in x.indices { x[i] += Double.random(in: -0.3...0.3, using: &generator) }
        let weights = Array(x[joint.networkOffset...])

        // Min-max statistics over the concatenated cells, computed here from the raw descriptors.
        let names = multi.regionalisation.descriptors
        let columns = names.map { name in loaded.flatMap { $0.data.descriptors[name]! } }
        var total = 0.0
        var gradient = [Double](repeating: 0, count: x.count)
        var own = 0
        for (k, c) in loaded.enumerated() {
            var config = c.config
            config.regionalisation = multi.regionalisation
            var setup = try TrainingSetup.from(config: config, data: c.data)
            let alone = setup.networkInputs
            var inputs = [Double](repeating: 0, count: c.data.cells * names.count)
            for (j, name) in names.enumerated() {
                let lo = columns[j].min()!, hi = columns[j].max()!
                for cell in 0..<c.data.cells { inputs[cell * names.count + j] = (c.data.descriptors[name]![cell] - lo) / (hi - lo) }
            }
            for i in inputs.indices { #expect(abs(inputs[i] - joint.cases[k].setup.networkInputs[i]) <= 1e-15) }
            if k == 0 { #expect(alone != inputs, "the upper sub-basin's own min-max differs from the joint one, or this test checks nothing") }
            setup.networkInputs = inputs
            var objective = CalibrationObjective(data: c.data, setup: setup, loss: multi.training.loss, priorWeight: config.training.priorWeight)
            // The prior pulls towards the joint starting point, whose output biases are the mean
            // of both cases' initial raw values (a lone case starts at its own).
            #expect(objective.prior != joint.caseFree(joint.initialFreeValues(), case: k) || k == 1)
            objective.prior = joint.caseFree(joint.initialFreeValues(), case: k)
            let count = setup.freeCount - weights.count
            let e = try objective.evaluate(Array(x[own..<own + count]) + weights, gradient: true)
            let w = [1.0, 3.0][k] / 4
            total += w * e.loss
            for i in 0..<count { gradient[own + i] = w * e.gradient![i] }
            for i in weights.indices { gradient[joint.networkOffset + i] += w * e.gradient![count + i] }
            own += count
        }
        #expect(own == joint.networkOffset)
        let e = try joint.evaluate(x, gradient: true)
        #expect(abs(e.loss - total) <= 1e-14 * abs(total), "joint \(e.loss), weighted sum \(total)")
        for i in x.indices { #expect(abs(e.gradient![i] - gradient[i]) <= 1e-14 * max(abs(gradient[i]), 1e-300), "\(joint.describe(index: i))") }
        #expect(e.nse.count == 3)
    }

    /// A few L-BFGS iterations lower the joint loss; a run stopped after 2 and resumed equals the
    /// uninterrupted one bit for bit; the results folder has one subfolder per case and the network.
    @Test func shortJointTrainingLowersTheLossAndResumes() throws {
        let objective = try Self.objective(steps: 80)
        var training = TrainingConfig()
        training.iterations = 4
        training.checkpointInterval = 2
        let whole = try Trainer(objective: objective, config: training, folder: nil).run()
        #expect(whole.lossHistory.last! < whole.lossHistory.first!, "\(whole.lossHistory)")
        #expect(whole.caseName == "joint")
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-joint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var first = training
        first.iterations = 2
        _ = try Trainer(objective: objective, config: first, folder: folder).run()
        let resumed = try Trainer(objective: objective, config: training, folder: folder).run(resume: try TrainingCheckpoint.read(from: folder))
        #expect(resumed.free == whole.free)
        #expect(resumed.lossHistory == whole.lossHistory)

        let written = try JointRunResults.write(objective: objective, free: whole.free, to: folder)
        #expect(written.map(\.name) == ["upper", "middle"])
        for name in ["upper", "middle"] {
            #expect(FileManager.default.fileExists(atPath: folder.appending(path: "\(name)/metrics.json").path))
        }
        let record = try JSONDecoder().decode(SharedNetworkRecord.self, from: Data(contentsOf: folder.appending(path: SharedNetworkRecord.fileName)))
        #expect(record.network.weights == Array(whole.free[objective.networkOffset...]))
        #expect(record.parameters == ["BETA", "FC", "K0"])
        #expect(record.normalisation == objective.normalisation)
    }

    /// A NaN in the first case's forcing stops joint training with the case named.
    @Test func nanInOneCaseIsDiagnosedWithItsName() throws {
        let objective = try Self.objective(steps: 60)
        var training = TrainingConfig()
        training.iterations = 3
        var trainer = Trainer(objective: objective, config: training, folder: nil)
        trainer.nanAtIteration = 1
        #expect {
            _ = try trainer.run()
        } throws: { error in
            let text = "\(error)"
            return text.contains("iteration 2") && text.contains("case upper: forcing precipitation is nan at step 1") && text.contains("gradient of")
        }
    }

    /// A descriptor one case lacks is refused, naming that case and the joint config's line.
    @Test func missingDescriptorNamesTheCase() throws {
        var (multi, loaded) = try Self.cases(steps: 30)
        multi.descriptorsLine = 7
        loaded[1].data.descriptors["drainage_density"] = nil
        loaded[1].data.descriptorOrder.removeAll { $0 == "drainage_density" }
        #expect {
            _ = try JointCalibrationObjective.from(config: multi, cases: loaded)
        } throws: { error in
            let text = "\(error)"
            return text.contains("/tmp/joint.yaml, line 7") && text.contains("case 'middle'") && text.contains("no descriptor 'drainage_density'")
        }
        // Cases feeding different parameters from the network cannot share it.
        (multi, loaded) = try Self.cases(steps: 30)
        loaded[1].config.parameters["BETA"] = ParameterConfig()
        #expect {
            _ = try JointCalibrationObjective.from(config: multi, cases: loaded)
        } throws: { error in "\(error)".contains("case 'middle' feeds FC, K0 from the network") }
    }
}

/// `check-gradient` on a multi-case config: the joint objective's reference adjoint against
/// central differences, and the OpenCL (Float) evaluation of the same joint objective against
/// the Double one (issue 12's device/reference agreement for a multi-case config).
@Suite("Joint gradient check")
struct JointGradientCheckTests {
    @Test func jointCheckMatchesFiniteDifferencesAndTheDevice() throws {
        let (multi, loaded) = try JointCalibrationTests.cases(steps: 90)
        let reference = try JointCalibrationObjective.from(config: multi, cases: loaded, backend: .reference)
        let openCL = try TestDevice.shared.map { device in
            try JointCalibrationObjective.from(config: multi, cases: loaded, backend: .openCL(OpenCLRunoffModel(device: device)))
        }
        let indices = Array(0..<reference.networkOffset) + Array(stride(from: reference.networkOffset, to: reference.freeCount, by: 5))
        let report = try CaseGradientCheck.run(reference: reference, openCL: openCL, indices: indices)
        #expect(report.caseName == "joint" && report.freeValues == reference.freeCount)
        #expect(report.worstRelativeError < 1e-5, "\(report.rows.map { ($0.name, $0.relativeError) })")
        #expect(report.rows.contains { abs($0.finiteDifference) > 1e-6 })
        if openCL != nil {
            #expect(report.lossDrift! < 1e-5, "loss drift \(report.lossDrift!)")
            #expect(report.gradientDrift! < 1e-3, "gradient drift \(report.gradientDrift!)")
        }
    }
}
