import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

/// Loads a case and its calibration objective on the chosen backend.
///
/// Keeps the case's config, not the loaded `HydroCase`: its forcing fields are a second full
/// copy of the forcing (Double, steps x cells; 2 GB for Moselle) that `CalibrationData` has
/// already taken, so the case is dropped once the objective is built.
struct CaseSession {
    var config: CaseConfig
    var objective: CalibrationObjective

    /// `simulation` (simulate) reads the forcing a window at a time where the case allows
    /// (`CaseForcingWindows`).
    static func open(_ url: URL, device: DeviceOptions, initialFrom: String? = nil, solver: HBVSolver? = nil, outputGiven: Bool = false, simulation: Bool = false) throws -> CaseSession {
        var config = try CaseConfig.load(url)
        if let solver { config.model.solver = solver }
        let hydroCase = try HydroCase.load(config, windowedForcing: simulation)
        for warning in hydroCase.warnings { printToStandardError("warning: \(warning)") }
        let initialValues = try initialFrom.map(Self.initialValues) ?? [:]
        // The checks `validate` runs too (CalibrationPreparation), then the backend.
        let prepared = try CalibrationPreparation.prepare(hydroCase, initialValues: initialValues, simulation: simulation)
        if !outputGiven { try CalibrationPreparation.checkOutputFolder(config) }
        for warning in prepared.warnings { printToStandardError("warning: \(warning)") }
        let (data, setup) = (prepared.data, prepared.setup)
        let backend = try device.select().runoffBackend()
        let t = hydroCase.config.training
        var objective = CalibrationObjective(data: data, setup: setup, loss: t.loss, backend: backend, gaugeWeights: t.gaugeWeights,
                                             priorWeight: t.priorWeight, smoothnessWeight: t.smoothnessWeight)
        objective.pseudoObserved = prepared.pseudoObserved
        return CaseSession(config: hydroCase.config, objective: objective)
    }

    /// Physical starting values (mean of each parameter and of the velocity) from a results
    /// folder's parameters.json, for `--initial`.
    static func initialValues(from folder: String) throws -> [String: Double] {
        let file = URL(fileURLWithPath: folder).appending(path: "parameters.json")
        guard let json = FileManager.default.contents(atPath: file.path),
              let summary = try? JSONDecoder().decode([String: [String: Double]].self, from: json) else {
            throw ValidationError("--initial: cannot read \(file.path)")
        }
        var values: [String: Double] = [:]
        // Runoff-model parameters by their table name, whatever the file's case: a folder written
        // before the runoff exchange was the parameter EXCHANGE names it `exchange`.
        for (name, v) in summary { values[HBVParameter(name: name)?.name ?? name] = v["mean"] ?? v["value"] }
        return values
    }
}

/// `hydrogpu train`: calibrates a case's parameters against its observed discharge.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Calibrate a case (default: the built-in lez case), or several sharing one network, and write the results.")

    @Argument(help: "Case config (YAML), or a multi-case config (top-level cases:) training one regionalisation network on several catchments. Default: configs/lez.yaml, the built-in case.")
    var config: String?
    @OptionGroup var device: DeviceOptions
    @Option(parsing: .unconditional, help: "Iterations in all, at least 0 (default: the config's training.iterations).")
    var iterations: Int?
    @Option(help: "Optimiser: adam | lbfgs | adadelta (default: the config's).")
    var optimizer: OptimizerKind?
    @Flag(help: "Continue from the checkpoint in the output folder.")
    var resume = false
    @Option(help: "Results folder (default: the config's output.folder).")
    var output: String?
    @Option(help: "HBV solver, replacing the config's model.solver: sequential | implicit.")
    var solver: HBVSolver?
    @Option(help: "Start from the parameters of another run's results folder (its parameters.json), e.g. a uniform calibration before a distributed one. Multi-case configs: CASE=DIR[,CASE=DIR...] by case name.")
    var initial: String?
    @Option(parsing: .unconditional, help: "Calibrations from N starts (the config's, then seeded random ones: start k uses seed k); the lowest final loss is kept, all are summarised in starts.csv and on standard error.")
    var starts: Int = 1

    func validate() throws { try validateArguments() }

    func run() throws {
        let started = Date()
        let url = try config.map { URL(fileURLWithPath: $0) } ?? BuiltInCase.locate()
        defer { BuiltInCase.removeExtracted() }
        printToStandardError("case: \(url.path)\(BuiltInCase.isExtracted(url) ? " (the built-in case carried by the binary; hydrogpu init DIR writes it out)" : "")")
        if MultiCaseConfig.declaresCases(url) { return try runMultiCase(url, started: started) }
        let session: CaseSession
        do { session = try CaseSession.open(url, device: device, initialFrom: initial, solver: solver, outputGiven: output != nil) } catch let error as InputError {
            throw ValidationError("\(error)")
        }
        let training = try trainingConfig(session.config.training)
        let folder = output.map { URL(fileURLWithPath: $0) } ?? BuiltInCase.defaultOutput(for: url) ?? session.config.output.folder
        let data = session.objective.data
        printToStandardError("\(data.caseName): \(data.cells) cells, \(data.steps) steps of \(data.time.stepSeconds) s, calibration steps \(data.calibrationSteps), \(session.objective.setup.freeCount) free values (\(session.objective.setup.freeParameterNames.joined(separator: " "))), \(training.optimizer.rawValue), loss \(training.loss.rawValue), backend \(session.objective.backend.name)")
        if let p = session.objective.pseudoObserved {
            printToStandardError("pseudo-observed discharge: \(p.cells.count) ungauged cells scaled from gauge \(data.gauges[p.gauge].id), weight \(p.weight)")
        }
        let runFolder = try openRunFolder(folder)
        defer { runFolder.abandon() }
        var trainer = Trainer(objective: session.objective, config: training, folder: folder)
        trainer.fingerprint = try CheckpointFingerprint.make(configFiles: [session.config.file], data: [data],
                                                             layout: (0..<session.objective.freeCount).map(session.objective.describe), optimizer: training.optimizer)
        let result = try trainStarts(trainer, gaugeLabels: data.gauges.map(\.id)) { x in
            ((try? RunResults.parameterValues(objective: session.objective, free: x)) ?? []).filter { !$0.fixed }.map { ($0.name, $0.mean) }
        }
        let metrics = try runFolder.writing { try RunResults.write(objective: session.objective, free: result.free, to: $0) }
        try runFolder.commit(command: "train", keep: Self.writtenWhileTraining)
        print(RunResults.table(metrics))
        for line in try report(session.objective, result) { print(line) }
        print(String(format: "results: %@  (%d iterations, wall time %.1f s)", folder.path, result.iteration, Date().timeIntervalSince(started)))
    }

    /// The config's training section with the command line's replacements.
    func trainingConfig(_ configured: TrainingConfig) throws -> TrainingConfig {
        var training = configured
        if let iterations { training.iterations = iterations }
        if let optimizer { training.optimizer = optimizer }
        return training
    }

    /// Runs `trainer` (from the checkpoint in its folder with --resume), printing a progress
    /// line per iteration, and writes the final checkpoint. One case or several: the same loop.
    func train<Objective: TrainableObjective>(_ trainer: Trainer<Objective>, gaugeLabels: [String], label: String = "") throws -> TrainingCheckpoint {
        var trainer = trainer
        let folder = trainer.folder!
        if let k = ProcessInfo.processInfo.environment["HYDROGPU_TEST_NAN_AT_ITERATION"].flatMap(Int.init) { trainer.nanAtIteration = k }
        var checkpoint: TrainingCheckpoint?
        if resume {
            do { checkpoint = try TrainingCheckpoint.read(from: folder) } catch {
                throw ValidationError("--resume: cannot read \(folder.appending(path: TrainingCheckpoint.fileName).path): \(error)")
            }
            if let expected = trainer.fingerprint {
                do { try checkpoint!.verify(against: expected, file: folder.appending(path: TrainingCheckpoint.fileName).path) } catch { throw ValidationError("--resume: \(error)") }
            }
            printToStandardError("resuming from iteration \(checkpoint!.iteration)")
        }
        var elapsed: [Double] = []
        var line = ProgressLine()
        defer { line.finish() }
        let result: TrainingCheckpoint
        do {
            result = try trainer.run(resume: checkpoint) { p in
                elapsed.append(p.secondsPerIteration)
                let mean = elapsed.reduce(0, +) / Double(elapsed.count)
                let nse = zip(gaugeLabels, p.nse).map { id, v in "\(id) \(v.map { String(format: "%.3f", $0) } ?? "-")" }.joined(separator: " ")
                line.show(label + String(format: "iter %d/%d  loss %.5f  NSE %@  %.2f s/it  ETA %.0f s%@", p.iteration, p.iterations, p.loss, nse,
                                         p.secondsPerIteration, mean * Double(p.iterations - p.iteration), p.converged ? "  (converged)" : ""))
            }
        } catch let error as TrainingDivergence {
            line.finish()
            throw ValidationError("\(error)")
        }
        try result.write(to: folder)
        return result
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
    @Option(help: "Memory the run may hold for its time windows, e.g. 8GB or 512MB (default: the config's model.memory_budget, else a quarter of the physical memory). The record is simulated in windows of as many steps as fit.")
    var memoryBudget: String?

    func validate() throws {
        try validateArguments()
        if let memoryBudget, MemorySize.parse(memoryBudget) == nil {
            throw ValidationError("--memory-budget: '\(memoryBudget)' is not a memory size (bytes, or a number with KB, MB, GB or TB, e.g. 8GB)")
        }
    }

    func run() throws {
        guard !MultiCaseConfig.declaresCases(URL(fileURLWithPath: config)) else {
            throw ValidationError("\(config) is a multi-case config: simulate takes one case config (a multi-case train writes each case's results in its own subfolder)")
        }
        let session = try CaseSession.open(URL(fileURLWithPath: config), device: device, outputGiven: output != nil, simulation: true)
        var x = session.objective.setup.initialFreeValues()
        if let parameters {
            let checkpoint = try TrainingCheckpoint.read(from: URL(fileURLWithPath: parameters))
            guard checkpoint.free.count == x.count else {
                throw ValidationError("\(parameters): checkpoint has \(checkpoint.free.count) free values, this config's parameters need \(x.count)")
            }
            try checkpoint.checkShapes(freeCount: x.count, file: URL(fileURLWithPath: parameters).appending(path: TrainingCheckpoint.fileName).path)
            x = checkpoint.free
        }
        let budget = memoryBudget.flatMap(MemorySize.parse) ?? session.config.model.memoryBudgetBytes
        let source = memoryBudget != nil ? "--memory-budget" : session.config.model.memoryBudgetBytes != nil ? "model.memory_budget" : "default: a quarter of the memory"
        // A budget too small for one step is refused here, before the results folder is touched.
        _ = try WindowedSimulation(objective: session.objective, budgetBytes: budget)
        let folder = output.map { URL(fileURLWithPath: $0) } ?? session.config.output.folder.appending(path: "simulate")
        let runFolder = try RunFolder(folder)
        defer { runFolder.abandon() }
        // Progress: a line per window ended (rewritten in place on a terminal), with the time
        // so far and, from the mean window so far, the time left.
        var progress = ProgressLine()
        var windows = 0
        let start = Date()
        let metrics = try runFolder.writing {
            try RunResults.write(objective: session.objective, free: x, to: $0, memoryBudgetBytes: budget, onPlan: { plan in
                windows = plan.windows
                printToStandardError("time windows: \(plan.windows) of \(plan.windowSteps) steps (\(plan.steps) steps in all; memory budget \(MemorySize.format(plan.budgetBytes)), \(source); about \(MemorySize.format(plan.windowBytes)) per window)")
            }, onWindow: { k, range in
                let elapsed = Date().timeIntervalSince(start)
                let left = elapsed / Double(k) * Double(windows - k)
                progress.show(String(format: "window %d of %d (steps %d-%d) done, %.0f s so far, about %.0f s left",
                                     k, windows, range.lowerBound, range.upperBound - 1, elapsed, left))
            })
        }
        progress.finish()
        try runFolder.commit(command: "simulate")
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

    func validate() throws { try validateArguments() }

    func run() throws {
        // A folder whose files are not all of one run (run.json) is refused, naming the file.
        let manifest = try RunFolder.verify(URL(fileURLWithPath: runDirectory))
        let url = URL(fileURLWithPath: runDirectory).appending(path: "metrics.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ValidationError("\(url.path): no such file (is \(runDirectory) a results folder?)") }
        if json { print(String(decoding: data, as: UTF8.self)); return }
        guard let metrics = try? JSONDecoder().decode([GaugePeriodMetrics].self, from: data) else {
            throw ValidationError("\(url.path): not the metrics of a results folder (unreadable JSON)")
        }
        print(RunResults.table(metrics))
        if let manifest { print("run: \(manifest.runID) (\(manifest.command), finished \(manifest.finished))") }
        if let checkpoint = try? TrainingCheckpoint.read(from: URL(fileURLWithPath: runDirectory)) {
            print("iterations: \(checkpoint.iteration), final loss: \(checkpoint.lossHistory.last.map { String($0) } ?? "-")")
        }
    }
}
