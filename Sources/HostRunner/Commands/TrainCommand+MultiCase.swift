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
            multi = try MultiCaseConfig.load(url)
            var loaded: [(config: CaseConfig, data: CalibrationData)] = []
            for var config in multi.cases {
                if let solver {
                    guard let s = HBVSolver(rawValue: solver) else { throw ValidationError("unknown solver '\(solver)' (sequential, implicit)") }
                    config.model.solver = s
                }
                let hydroCase = try HydroCase.load(config)
                loaded.append((hydroCase.config, try CalibrationData.from(hydroCase)))
            }
            let starts = try initialValues(for: multi.cases.map(\.name))
            let backend: RunoffBackend
            switch try device.select().backend {
            case .reference: backend = .reference
            case .openCL(let info): backend = .openCL(OpenCLRunoffModel(device: try ComputeDevice(info)))
            }
            objective = try JointCalibrationObjective.from(config: multi, cases: loaded, backend: backend, initialValues: starts)
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
        let result = try trainStarts(Trainer(objective: objective, config: training, folder: folder), gaugeLabels: objective.gaugeLabels)
        for (name, metrics) in try JointRunResults.write(objective: objective, free: result.free, to: folder) {
            print("\(name):")
            print(RunResults.table(metrics))
        }
        for line in try report(objective, result) { print(line) }
        print(String(format: "results: %@  (%d iterations, wall time %.1f s)", folder.path, result.iteration, Date().timeIntervalSince(started)))
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
