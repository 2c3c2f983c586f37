import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

/// Finds the built-in lez case: `configs/lez.yaml` under the working directory, or next to
/// the repository the binary was built in (walking up from the executable).
enum BuiltInCase {
    static func locate() throws -> URL {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appending(path: "configs/lez.yaml")]
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.appending(path: "configs/lez.yaml"))
            folder = folder.deletingLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found.standardized }
        throw ValidationError("no CONFIG given and the built-in case configs/lez.yaml was not found in the working directory or next to the binary (looked at: \(candidates.map(\.path).joined(separator: ", "))); run from the repository root or give a config")
    }
}

/// Loads a case and its calibration objective on the chosen backend.
///
/// Keeps the case's config, not the loaded `HydroCase`: its forcing fields are a second full
/// copy of the forcing (Double, steps x cells; 2 GB for Moselle) that `CalibrationData` has
/// already taken, so the case is dropped once the objective is built.
struct CaseSession {
    var config: CaseConfig
    var objective: CalibrationObjective

    static func open(_ url: URL, device: DeviceOptions, initialFrom: String? = nil, solver: String? = nil) throws -> CaseSession {
        var config = try CaseConfig.load(url)
        if let solver {
            guard let s = HBVSolver(rawValue: solver) else { throw ValidationError("unknown solver '\(solver)' (sequential, implicit)") }
            config.model.solver = s
        }
        let hydroCase = try HydroCase.load(config)
        let data = try CalibrationData.from(hydroCase)
        var initialValues: [String: Double] = [:]
        if let initialFrom {
            let file = URL(fileURLWithPath: initialFrom).appending(path: "parameters.json")
            guard let json = FileManager.default.contents(atPath: file.path),
                  let summary = try? JSONDecoder().decode([String: [String: Double]].self, from: json) else {
                throw ValidationError("--initial: cannot read \(file.path)")
            }
            for (name, values) in summary { initialValues[name] = values["mean"] ?? values["value"] }
        }
        let setup = try TrainingSetup.from(config: hydroCase.config, data: data, initialValues: initialValues)
        let selection = try device.select()
        let backend: RunoffBackend
        switch selection.backend {
        case .reference: backend = .reference
        case .openCL(let info): backend = .openCL(OpenCLRunoffModel(device: try ComputeDevice(info)))
        }
        let t = hydroCase.config.training
        let objective = CalibrationObjective(data: data, setup: setup, loss: t.loss, backend: backend, gaugeWeights: t.gaugeWeights,
                                             priorWeight: t.priorWeight, smoothnessWeight: t.smoothnessWeight)
        return CaseSession(config: hydroCase.config, objective: objective)
    }
}

/// `hydrogpu train`: calibrates a case's parameters against its observed discharge.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Calibrate a case (default: the built-in lez case) and write its results.")

    @Argument(help: "Case config (YAML). Default: configs/lez.yaml, the built-in case.")
    var config: String?
    @OptionGroup var device: DeviceOptions
    @Option(help: "Iterations in all (default: the config's training.iterations).")
    var iterations: Int?
    @Option(help: "Optimiser: adam | lbfgs | adadelta (default: the config's).")
    var optimizer: String?
    @Flag(help: "Continue from the checkpoint in the output folder.")
    var resume = false
    @Option(help: "Results folder (default: the config's output.folder).")
    var output: String?
    @Option(help: "HBV solver, replacing the config's model.solver: sequential | implicit.")
    var solver: String?
    @Option(help: "Start from the parameters of another run's results folder (its parameters.json), e.g. a uniform calibration before a distributed one.")
    var initial: String?

    func run() throws {
        let started = Date()
        let url = try config.map { URL(fileURLWithPath: $0) } ?? BuiltInCase.locate()
        printToStandardError("case: \(url.path)")
        let session: CaseSession
        do { session = try CaseSession.open(url, device: device, initialFrom: initial, solver: solver) } catch let error as InputError {
            throw ValidationError("\(error)")
        }
        var training = session.config.training
        if let iterations { training.iterations = iterations }
        if let optimizer {
            guard let kind = OptimizerKind(rawValue: optimizer) else { throw ValidationError("unknown optimizer '\(optimizer)' (adam, lbfgs, adadelta)") }
            training.optimizer = kind
        }
        let folder = output.map { URL(fileURLWithPath: $0) } ?? session.config.output.folder
        var trainer = Trainer(objective: session.objective, config: training, folder: folder)
        if let k = ProcessInfo.processInfo.environment["HYDROGPU_TEST_NAN_AT_ITERATION"].flatMap(Int.init) { trainer.nanAtIteration = k }
        var checkpoint: TrainingCheckpoint?
        if resume {
            do { checkpoint = try TrainingCheckpoint.read(from: folder) } catch {
                throw ValidationError("--resume: cannot read \(folder.appending(path: TrainingCheckpoint.fileName).path): \(error)")
            }
            printToStandardError("resuming from iteration \(checkpoint!.iteration)")
        }
        let data = session.objective.data
        printToStandardError("\(data.caseName): \(data.cells) cells, \(data.steps) steps of \(data.time.stepSeconds) s, calibration steps \(data.calibrationSteps), \(session.objective.setup.freeCount) free values (\(session.objective.setup.freeParameterNames.joined(separator: " "))), \(training.optimizer.rawValue), loss \(training.loss.rawValue), backend \(session.objective.backend.name)")
        let gaugeIds = data.gauges.map(\.id)
        var elapsed: [Double] = []
        let result: TrainingCheckpoint
        do {
            result = try trainer.run(resume: checkpoint) { p in
                elapsed.append(p.secondsPerIteration)
                let mean = elapsed.reduce(0, +) / Double(elapsed.count)
                let nse = zip(gaugeIds, p.nse).map { id, v in "\(id) \(v.map { String(format: "%.3f", $0) } ?? "-")" }.joined(separator: " ")
                printToStandardError(String(format: "iter %d/%d  loss %.5f  NSE %@  %.2f s/it  ETA %.0f s%@", p.iteration, p.iterations, p.loss, nse,
                                            p.secondsPerIteration, mean * Double(p.iterations - p.iteration), p.converged ? "  (converged)" : ""))
            }
        } catch let error as TrainingDivergence {
            throw ValidationError("\(error)")
        }
        try result.write(to: folder)
        let metrics = try RunResults.write(objective: session.objective, free: result.free, to: folder)
        print(RunResults.table(metrics))
        print(String(format: "results: %@  (%d iterations, wall time %.1f s)", folder.path, result.iteration, Date().timeIntervalSince(started)))
    }
}

/// `hydrogpu simulate`: one forward run with given or default parameters.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a case forward (parameters from a training run, or the defaults) and write discharge and metrics.")

    @Argument(help: "Case config (YAML).")
    var config: String
    @OptionGroup var device: DeviceOptions
    @Option(help: "A train results folder whose checkpoint.json gives the parameters.")
    var parameters: String?
    @Option(help: "Results folder (default: the config's output.folder + /simulate).")
    var output: String?

    func run() throws {
        let session = try CaseSession.open(URL(fileURLWithPath: config), device: device)
        var x = session.objective.setup.initialFreeValues()
        if let parameters {
            let checkpoint = try TrainingCheckpoint.read(from: URL(fileURLWithPath: parameters))
            guard checkpoint.free.count == x.count else {
                throw ValidationError("\(parameters): checkpoint has \(checkpoint.free.count) free values, this config's parameters need \(x.count)")
            }
            x = checkpoint.free
        }
        let folder = output.map { URL(fileURLWithPath: $0) } ?? session.config.output.folder.appending(path: "simulate")
        let metrics = try RunResults.write(objective: session.objective, free: x, to: folder)
        print(RunResults.table(metrics))
        print("results: \(folder.path)")
    }
}

/// `hydrogpu evaluate`: prints the metrics of a finished run.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Print the metrics of a train or simulate results folder.")

    @Argument(help: "Results folder (holds metrics.json).")
    var runDirectory: String
    @Flag(help: "Print the JSON instead of a table.")
    var json = false

    func run() throws {
        let url = URL(fileURLWithPath: runDirectory).appending(path: "metrics.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ValidationError("\(url.path): no such file (is \(runDirectory) a results folder?)") }
        if json { print(String(decoding: data, as: UTF8.self)); return }
        let metrics = try JSONDecoder().decode([GaugePeriodMetrics].self, from: data)
        print(RunResults.table(metrics))
        if let checkpoint = try? TrainingCheckpoint.read(from: URL(fileURLWithPath: runDirectory)) {
            print("iterations: \(checkpoint.iteration), final loss: \(checkpoint.lossHistory.last.map { String($0) } ?? "-")")
        }
    }
}
