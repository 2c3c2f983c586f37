import Foundation
import HydroDomain
import HydroIO

/// What a checkpoint holds: enough to continue a run bit for bit.
public struct TrainingCheckpoint: Codable, Sendable, Equatable {
    public enum OptimizerState: Codable, Sendable, Equatable {
        case lbfgs(BoundedLBFGS.State)
        case adam(Adam)
        case adadelta(AdaDelta)
    }
    public var caseName: String
    /// Iterations completed.
    public var iteration: Int
    /// The free vector after `iteration` iterations.
    public var free: [Double]
    public var optimizer: OptimizerState?
    public var lossHistory: [Double]
    public var parameterNames: [String]
    /// Format version (CheckpointFingerprint.swift); nil in checkpoints of older builds.
    public var version: Int?
    /// The case, layout and optimiser it belongs to.
    public var fingerprint: CheckpointFingerprint?
    /// FNV-1a of the canonical JSON without this field: an edited file is refused.
    public var checksum: String?
    /// Per free value: whether any evaluation so far gave it a non-zero gradient (nil in
    /// checkpoints written before this was recorded). A value that never had one never moved.
    public var nonZeroGradient: [Bool]?
    /// The free vector the run started from (nil in checkpoints written before it was kept).
    public var startFree: [Double]?

    public static let fileName = "checkpoint.json"

    /// Writes the checkpoint to `folder/checkpoint.json` atomically (temp file + rename), with
    /// its version and checksum.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var stamped = self
        stamped.version = Self.formatVersion
        stamped.checksum = try stamped.computedChecksum()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(stamped), to: folder.appending(path: Self.fileName))
    }

    /// Reads `folder/checkpoint.json`; a file that is not a checkpoint, or whose checksum does
    /// not match its content, is a `CheckpointError`.
    public static func read(from folder: URL) throws -> TrainingCheckpoint {
        let url = folder.appending(path: fileName)
        let checkpoint: TrainingCheckpoint
        do { checkpoint = try JSONDecoder().decode(TrainingCheckpoint.self, from: try InputFile.read(url)) } catch let error as InputError {
            throw CheckpointError(file: url.path, message: error.message)
        } catch {
            throw CheckpointError(file: url.path, message: "not a training checkpoint (\(error))")
        }
        if checkpoint.version != nil, checkpoint.checksum == nil {
            throw CheckpointError(file: url.path, message: "has no checksum (a versioned checkpoint always has one): it was edited")
        }
        if let stored = checkpoint.checksum, try checkpoint.computedChecksum() != stored {
            throw CheckpointError(file: url.path, message: "was edited or is corrupt: its checksum \(stored) does not match its content")
        }
        return checkpoint
    }
}

/// A run that stopped because the loss or gradient stopped being finite.
public struct TrainingDivergence: Error, CustomStringConvertible {
    public var iteration: Int
    public var diagnosis: String
    public var description: String { "training diverged at iteration \(iteration + 1): \(diagnosis)" }
}

/// One progress report per iteration.
public struct TrainingProgress: Sendable {
    public var iteration: Int
    public var iterations: Int
    public var loss: Double
    public var nse: [Double?]
    public var secondsPerIteration: Double
    public var converged: Bool
}

/// Runs the optimiser on a `TrainableObjective` (one case, or several sharing a network),
/// writing checkpoints.
public struct Trainer<Objective: TrainableObjective> {
    public var objective: Objective
    public var config: TrainingConfig
    /// Folder for checkpoint.json (nil: no checkpoints).
    public var folder: URL?
    /// Test hook: at this iteration (0-based) the precipitation of cell 0 at step 1 becomes NaN.
    public var nanAtIteration: Int?
    /// Stamped on every checkpoint written (CheckpointFingerprint).
    public var fingerprint: CheckpointFingerprint?
    /// Free vector to start from instead of the objective's initial values (`train --starts`).
    public var start: [Double]?

    public init(objective: Objective, config: TrainingConfig, folder: URL?) {
        self.objective = objective
        self.config = config
        self.folder = folder
    }

    /// Bounds of the raw values for L-BFGS (sigmoid(±9) is within 1.3e-4 of the bounds).
    static var rawBound: Double { 9 }

    /// Trains for `config.iterations` iterations in all, from `resume` when given.
    public func run(resume: TrainingCheckpoint? = nil, progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingCheckpoint {
        let n = objective.freeCount
        var checkpoint = resume ?? TrainingCheckpoint(caseName: objective.runName, iteration: 0, free: start ?? objective.initialFreeValues(),
                                                      optimizer: nil, lossHistory: [], parameterNames: objective.freeParameterNames)
        if resume == nil { checkpoint.startFree = checkpoint.free }
        guard checkpoint.free.count == n else {
            throw TrainingSetupError("checkpoint has \(checkpoint.free.count) free values but the case's parameters need \(n): the config changed since the run started")
        }
        try checkpoint.checkShapes(freeCount: n, file: folder?.appending(path: TrainingCheckpoint.fileName).path ?? TrainingCheckpoint.fileName)
        if let fingerprint { checkpoint.fingerprint = fingerprint }
        var lastNSE: [Double?] = []
        var nonZeroGradient = checkpoint.nonZeroGradient ?? [Bool](repeating: false, count: n)
        let lbfgs = BoundedLBFGS(lower: [Double](repeating: -Self.rawBound, count: n), upper: [Double](repeating: Self.rawBound, count: n))
        while checkpoint.iteration < config.iterations {
            let started = Date()
            let iteration = checkpoint.iteration
            let objective = nanAtIteration == iteration ? self.objective.injectingNaNIntoForcing() : self.objective
            var evaluations: [(x: [Double], e: Objective.Evaluation)] = []
            let evaluate: ([Double]) throws -> (loss: Double, gradient: [Double]) = { x in
                let e = try objective.trainingEvaluation(x)
                try Self.check(e, x: x, iteration: iteration, objective: objective)
                for (i, g) in e.gradient!.enumerated() where g != 0 { nonZeroGradient[i] = true }
                evaluations.append((x, e))
                return (e.loss, e.gradient!)
            }
            // L-BFGS trial points: the loss only; the gradient where the step is accepted reuses
            // the trial's forward run (the iterates are those of full evaluations at every trial).
            let evaluateLoss: ([Double]) throws -> Double = { x in
                let e = try objective.lossEvaluation(x)
                // A non-finite loss stops the run: evaluate the gradient too, so the diagnosis
                // names the non-finite gradients as it did when every trial had one.
                guard e.loss.isFinite else { return try evaluate(x).loss }
                evaluations.append((x, e))
                return e.loss
            }
            let gradientAtAccepted: ([Double]) throws -> [Double] = { x in try evaluate(x).gradient }
            var converged = false
            switch (config.optimizer, checkpoint.optimizer) {
            case (.lbfgs, .lbfgs(var state)?):
                try lbfgs.iterate(&state, loss: evaluateLoss, gradientAtAccepted: gradientAtAccepted)
                checkpoint.free = state.x
                converged = state.converged
                checkpoint.optimizer = .lbfgs(state)
                checkpoint.lossHistory.append(state.loss)
            case (.lbfgs, _):
                var state = try lbfgs.start(at: checkpoint.free, evaluate: evaluate)
                try lbfgs.iterate(&state, loss: evaluateLoss, gradientAtAccepted: gradientAtAccepted)
                checkpoint.free = state.x
                converged = state.converged
                checkpoint.optimizer = .lbfgs(state)
                checkpoint.lossHistory.append(state.loss)
            case (.adam, let saved):
                var adam: Adam
                if case .adam(let a)? = saved { adam = a } else { adam = Adam(schedule: schedule()) }
                let (loss, gradient) = try evaluate(checkpoint.free)
                adam.step(&checkpoint.free, gradient: gradient)
                checkpoint.optimizer = .adam(adam)
                checkpoint.lossHistory.append(loss)
            case (.adadelta, let saved):
                var optimizer: AdaDelta
                if case .adadelta(let a)? = saved { optimizer = a } else { optimizer = AdaDelta(scale: config.learningRate / 0.05) }
                let (loss, gradient) = try evaluate(checkpoint.free)
                optimizer.step(&checkpoint.free, gradient: gradient)
                checkpoint.optimizer = .adadelta(optimizer)
                checkpoint.lossHistory.append(loss)
            }
            checkpoint.iteration += 1
            checkpoint.nonZeroGradient = nonZeroGradient
            lastNSE = evaluations.last(where: { $0.x == checkpoint.free })?.e.nse ?? evaluations.last?.e.nse ?? lastNSE
            if let folder, checkpoint.iteration % config.checkpointInterval == 0 || checkpoint.iteration == config.iterations || converged {
                try checkpoint.write(to: folder)
            }
            progress(TrainingProgress(iteration: checkpoint.iteration, iterations: config.iterations, loss: checkpoint.lossHistory.last!,
                                      nse: lastNSE, secondsPerIteration: Date().timeIntervalSince(started), converged: converged))
            if converged { break }
        }
        return checkpoint
    }

    private func schedule() -> LearningRateSchedule {
        switch config.schedule {
        case .cosine: .cosine(initial: config.learningRate, final: config.learningRate / 100, iterations: config.iterations)
        case .step: .stepDecay(initial: config.learningRate, factor: 0.5, every: max(config.iterations / 4, 1))
        case .constant: .constant(config.learningRate)
        }
    }

    /// Throws `TrainingDivergence` naming where the first non-finite value appears.
    static func check(_ e: Objective.Evaluation, x: [Double], iteration: Int, objective: Objective) throws {
        let badGradient = e.gradient?.firstIndex { !$0.isFinite }
        guard !e.loss.isFinite || badGradient != nil else { return }
        var parts: [String] = []
        parts.append(e.loss.isFinite ? "loss \(e.loss)" : "loss is \(e.loss)")
        if let i = badGradient { parts.append("gradient of \(objective.describe(index: i)) is \(e.gradient![i])") }
        if let i = x.firstIndex(where: { !$0.isFinite }) { parts.append("parameter \(objective.describe(index: i)) is \(x[i])") }
        parts += objective.nonFiniteInputs(e)
        throw TrainingDivergence(iteration: iteration, diagnosis: parts.joined(separator: "; ") + "; the last checkpoint was left as it was")
    }
}

public struct TrainingSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
