import ArgumentParser
import Foundation
import HydroGPU

extension TrainCommand {
    /// `--starts N`: N calibrations of the same objective, each in `<output>/starts/start-<k>`
    /// (its own checkpoint, so `--resume` continues each), the first from the config's starting
    /// values, start k > 1 from values drawn with seed k: one raw value per calibrated quantity,
    /// uniform in [-2.5, 2.5] (7.6 % to 92.4 % of its bounds' width), network weights kept.
    /// The start with the lowest final loss is kept (its checkpoint copied to `<output>`); all
    /// are listed in `<output>/starts.csv` and on standard error. One start: plain `train`.
    func trainStarts<Objective: TrainableObjective>(_ trainer: Trainer<Objective>, gaugeLabels: [String],
                                                    values: ([Double]) -> [(String, Double)] = { _ in [] }) throws -> TrainingCheckpoint {
        guard starts >= 1 else { throw ValidationError("--starts must be at least 1 (found \(starts))") }
        guard starts > 1 else { return try train(trainer, gaugeLabels: gaugeLabels) }
        let base = trainer.folder!
        let objective = trainer.objective
        var finished: [(start: Int, seed: Int?, result: TrainingCheckpoint)] = []
        for k in 1...starts {
            var t = trainer
            t.folder = base.appending(path: "starts/start-\(k)")
            t.start = k == 1 ? nil : Self.randomStart(objective, seed: UInt64(k))
            var command = self
            command.resume = resume && FileManager.default.fileExists(atPath: t.folder!.appending(path: TrainingCheckpoint.fileName).path)
            printToStandardError("start \(k)/\(starts): \(k == 1 ? "the config's starting values" : "random values, seed \(k)")")
            let result = try command.train(t, gaugeLabels: gaugeLabels, label: "start \(k)/\(starts)  ")
            finished.append((k, k == 1 ? nil : k, result))
        }
        let best = finished.min { ($0.result.lossHistory.last ?? .infinity) < ($1.result.lossHistory.last ?? .infinity) }!
        try best.result.write(to: base)
        let names = values(best.result.free).map(\.0)
        var csv = "start,seed,iterations,final_loss,kept" + names.map { ",\($0)" }.joined() + "\n"
        printToStandardError("starts (lowest final loss kept):")
        for f in finished {
            let loss = f.result.lossHistory.last ?? .nan
            let v = values(f.result.free)
            csv += "\(f.start),\(f.seed.map(String.init) ?? ""),\(f.result.iteration),\(loss),\(f.start == best.start ? "yes" : "no")" + v.map { ",\($0.1)" }.joined() + "\n"
            printToStandardError(String(format: "  start %d%@  %d iterations  loss %.5f%@  %@", f.start, f.seed.map { " (seed \($0))" } ?? " (config)", f.result.iteration, loss,
                                        f.start == best.start ? "  kept" : "", v.map { "\($0.0) \(String(format: "%.4g", $0.1))" }.joined(separator: " ")))
        }
        try Data(csv.utf8).write(to: base.appending(path: "starts.csv"), options: .atomic)
        return best.result
    }

    /// One raw value per calibrated quantity (seeded), the network's weights as initialised.
    static func randomStart<Objective: TrainableObjective>(_ objective: Objective, seed: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var x = objective.initialFreeValues()
        var drawn: [String: Double] = [:]
        var order: [String] = []
        for i in x.indices {
            let description = objective.describe(index: i)
            if description.contains("network weight") { continue }
            let name = CalibrationReport.quantity(description)
            if drawn[name] == nil { order.append(name); drawn[name] = .nan }
        }
        for name in order { drawn[name] = generator.uniform(-2.5, 2.5) }
        for i in x.indices {
            let description = objective.describe(index: i)
            if let v = drawn[CalibrationReport.quantity(description)], !description.contains("network weight") { x[i] = v }
        }
        return x
    }

    /// The end-of-training report of one case: parameters on a bound, parameters never moved.
    func report(_ objective: CalibrationObjective, _ result: TrainingCheckpoint) throws -> [String] {
        CalibrationReport.lines(bounds: CalibrationReport.nearBounds(try RunResults.parameterValues(objective: objective, free: result.free)),
                                gradients: result.nonZeroGradient.map { CalibrationReport.unmoved(nonZero: $0, start: result.startFree, final: result.free, describe: objective.describe(index:)) } ?? [])
    }

    /// The same for a multi-case run: each case's bounds, the joint gradient record.
    func report(_ objective: JointCalibrationObjective, _ result: TrainingCheckpoint) throws -> [String] {
        var bounds: [String] = []
        for (k, c) in objective.cases.enumerated() {
            bounds += CalibrationReport.nearBounds(try RunResults.parameterValues(objective: c, free: objective.caseFree(result.free, case: k)), prefix: "\(c.data.caseName): ")
        }
        return CalibrationReport.lines(bounds: bounds,
                                       gradients: result.nonZeroGradient.map { CalibrationReport.unmoved(nonZero: $0, start: result.startFree, final: result.free, describe: objective.describe(index:)) } ?? [])
    }
}
