import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

extension TrainCommand {
    /// `train` on a multi-case config: every case loaded, one joint objective (one network over
    /// all cases), the same training loop, one results subfolder per case plus network.json.
    func runMultiCase(_ url: URL, started: Date) throws {
        guard initial == nil else {
            throw ValidationError("--initial is for single-case configs; a multi-case run starts from each case config's initial values")
        }
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
            let backend: RunoffBackend
            switch try device.select().backend {
            case .reference: backend = .reference
            case .openCL(let info): backend = .openCL(OpenCLRunoffModel(device: try ComputeDevice(info)))
            }
            objective = try JointCalibrationObjective.from(config: multi, cases: loaded, backend: backend)
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
        let result = try train(Trainer(objective: objective, config: training, folder: folder), gaugeLabels: objective.gaugeLabels)
        for (name, metrics) in try JointRunResults.write(objective: objective, free: result.free, to: folder) {
            print("\(name):")
            print(RunResults.table(metrics))
        }
        print(String(format: "results: %@  (%d iterations, wall time %.1f s)", folder.path, result.iteration, Date().timeIntervalSince(started)))
    }
}
