import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

extension TrainCommand {
    /// `train` on a multi-case config: every case loaded, one joint objective (one network over
    /// all cases), the same training loop, one results subfolder per case plus network.json.
    func runMultiCase(_ url: URL, started: Date) throws {
        let objective: JointCalibrationObjective
        let multi: MultiCaseConfig
        do {
            let loaded = try Self.loadMultiCase(url, solver: solver)
            multi = loaded.config
            let starts = try initialValues(for: multi.cases.map(\.name))
            objective = try JointCalibrationObjective.from(config: multi, cases: loaded.cases, backend: try device.select().runoffBackend(),
                                                           initialValues: starts)
        } catch let error as InputError {
            throw ValidationError("\(error)")
        }
        let training = try trainingConfig(multi.training)
        let folder = output.map { URL(fileURLWithPath: $0) } ?? multi.outputFolder
        for (k, c) in objective.cases.enumerated() {
            let d = c.data
            printToStandardError("\(d.caseName) (weight \(objective.caseWeights[k])): \(d.cells) cells, \(d.steps) steps of \(d.time.stepSeconds) s, calibration steps \(d.calibrationSteps), \(objective.ownCounts[k]) own free values")
        }
        let network = objective.cases[0].setup.network!
        printToStandardError("\(multi.name): \(objective.freeCount) free values, shared network \(network.layerSizes) over \(objective.normalisation.names.joined(separator: ", ")) (\(network.weightCount) weights), \(training.optimizer.rawValue), loss \(training.loss.rawValue), backend \(objective.cases[0].backend.name)")
        let runFolder = try openRunFolder(folder)
        defer { runFolder.abandon() }
        var trainer = Trainer(objective: objective, config: training, folder: folder)
        trainer.fingerprint = try CheckpointFingerprint.make(configFiles: [url] + multi.cases.map(\.file), data: objective.cases.map(\.data),
                                                             layout: (0..<objective.freeCount).map(objective.describe), optimizer: training.optimizer)
        let result = try trainStarts(trainer, gaugeLabels: objective.gaugeLabels)
        let written = try runFolder.writing { try JointRunResults.write(objective: objective, free: result.free, to: $0) }
        try runFolder.commit(command: "train", keep: Self.writtenWhileTraining)
        for (name, metrics) in written {
            print("\(name):")
            print(RunResults.table(metrics))
        }
        for line in try report(objective, result) { print(line) }
        print(String(format: "results: %@  (%d iterations, wall time %.1f s)", folder.path, result.iteration, Date().timeIntervalSince(started)))
    }

    /// A multi-case config and every case loaded for calibration (`solver` replaces the cases'
    /// own); the target checks' warnings go to standard error.
    static func loadMultiCase(_ url: URL, solver: HBVSolver?) throws -> (config: MultiCaseConfig, cases: [(config: CaseConfig, data: CalibrationData)]) {
        let multi = try MultiCaseConfig.load(url)
        var loaded: [(config: CaseConfig, data: CalibrationData)] = []
        for var config in multi.cases {
            if let solver { config.model.solver = solver }
            let hydroCase = try HydroCase.load(config)
            let data = try CalibrationData.from(hydroCase)
            for warning in try CalibrationTargets.check(data, config: hydroCase.config) { printToStandardError("warning: \(warning)") }
            loaded.append((hydroCase.config, data))
        }
        return (multi, loaded)
    }

    /// `--initial CASE=DIR,CASE=DIR`: each named case starts from that results folder's
    /// parameters.json (the shared network's output biases start at the cases' mean).
    func initialValues(for names: [String]) throws -> [[String: Double]] {
        var out = names.map { _ in [String: Double]() }
        guard let initial else { return out }
        for pair in initial.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let k = names.firstIndex(of: parts[0]) else {
                throw ValidationError("--initial for a multi-case config takes CASE=DIR[,CASE=DIR...] with CASE one of \(names.joined(separator: ", ")); found '\(pair)'")
            }
            out[k] = try CaseSession.initialValues(from: parts[1])
        }
        return out
    }
}
