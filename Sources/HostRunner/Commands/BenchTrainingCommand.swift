import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

/// `hydrogpu bench training CONFIG`: what one training evaluation of a case costs, stage by
/// stage, and what crosses between host and device.
struct BenchTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training",
        abstract: "Time one training evaluation of a case: seconds per stage, host<->device bytes, peak memory.",
        discussion: """
        Loads CONFIG (read), makes the runoff session with one untimed evaluation with gradient \
        (forcing upload, kernel builds), then --repeats times at points moved slightly from the \
        config's start: (a) an evaluation with gradient from scratch (forward + adjoint), \
        (b) a loss-only evaluation (an L-BFGS trial point) and (c) the gradient at the same point \
        reusing (b)'s forward run (an accepted step). Reports the median seconds per stage \
        (expansion, runoff, routing, loss, routing adjoint, runoff adjoint, parameter adjoint), \
        host<->device bytes per evaluation (OpenCL; DeviceBuffer uploads and downloads), the \
        process's peak RSS and the device's peak buffer bytes. The issue-12 bound on bytes is \
        64 x (free values + gauges x calibration steps) plus a constant: printed alongside.
        """
    )

    @Argument(help: "Case config (YAML). Default: configs/lez.yaml, the built-in case.")
    var config: String?
    @OptionGroup var device: DeviceOptions
    @Option(parsing: .unconditional, help: "Timed repetitions of each evaluation kind; the median is reported.")
    var repeats: Int = 3
    @Option(help: "HBV solver, replacing the config's model.solver: sequential | implicit.")
    var solver: HBVSolver?
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
    }

    func run() throws {
        let url = try config.map { URL(fileURLWithPath: $0) } ?? BuiltInCase.locate()
        defer { BuiltInCase.removeExtracted() }
        let readStart = Date()
        let session: CaseSession
        do { session = try CaseSession.open(url, device: device, solver: solver, outputGiven: true) } catch let error as InputError {
            throw ValidationError("\(error)")
        }
        var objective = session.objective
        let clock = EvaluationStageClock()
        objective.stageClock = clock
        let data = objective.data
        var report = TrainingBenchReport(config: url.path, backend: objective.backend.name, cells: data.cells,
                                         steps: data.calibrationSteps.upperBound, calibrationSteps: data.calibrationSteps.count,
                                         gauges: data.gauges.count, freeValues: objective.freeCount,
                                         readSeconds: Date().timeIntervalSince(readStart))
        let deviceHandle: ComputeDevice? = if case .openCL(let model) = objective.backend { model.device } else { nil }

        let x0 = objective.initialFreeValues()
        deviceHandle?.resetTransfers()
        let setupStart = Date()
        _ = try objective.evaluate(x0, gradient: true)
        report.setupSeconds = Date().timeIntervalSince(setupStart)
        report.setupTransfers = deviceHandle.map { TransferFigures($0.transferred) }
        deviceHandle?.resetPeakAllocation()

        var full: [Measured] = [], lossOnly: [Measured] = [], completing: [Measured] = []
        for k in 0..<repeats {
            // Points apart from each other and from x0 (so nothing of an earlier run is reused).
            let x = x0.enumerated().map { $0.element + 1e-3 * Double(k + 1) * (($0.offset % 2 == 0) ? 1 : -1) }
            let y = x.map { $0 + 5e-4 }
            full.append(try measure(clock, deviceHandle) { try objective.evaluate(x, gradient: true) })
            lossOnly.append(try measure(clock, deviceHandle) { try objective.lossEvaluation(y) })
            completing.append(try measure(clock, deviceHandle) { try objective.evaluate(y, gradient: true) })
        }
        report.withGradient = Measured.median(full)
        report.lossOnly = Measured.median(lossOnly)
        report.gradientAfterLoss = Measured.median(completing)
        report.peakResidentBytes = peakResidentBytes()
        report.devicePeakBytes = deviceHandle?.allocatedBytes.peak
        report.transferBound = 64 * (objective.freeCount + data.gauges.count * data.calibrationSteps.count)
        report.print(json: json)
    }

    private func measure(_ clock: EvaluationStageClock, _ device: ComputeDevice?, _ body: () throws -> CalibrationObjective.Evaluation) throws -> Measured {
        clock.reset()
        device?.resetTransfers()
        let start = Date()
        let e = try body()
        let seconds = Date().timeIntervalSince(start)
        guard e.loss.isFinite else { throw ValidationError("bench training: the loss is \(e.loss) at the benchmark point") }
        return Measured(seconds: seconds, stages: Dictionary(uniqueKeysWithValues: clock.totals.map { ($0.key.rawValue, $0.value) }),
                        transfers: device.map { TransferFigures($0.transferred) })
    }
}

/// Host<->device copies of one evaluation.
struct TransferFigures: Codable {
    var toDeviceBytes: Int
    var toHostBytes: Int
    var uploads: Int
    var downloads: Int
    var totalBytes: Int { toDeviceBytes + toHostBytes }

    init(_ t: HostDeviceTransfers) {
        toDeviceBytes = t.toDevice
        toHostBytes = t.toHost
        uploads = t.uploads
        downloads = t.downloads
    }
}

/// One kind of evaluation: wall seconds, seconds per stage, transfers.
struct Measured: Codable {
    var seconds: Double
    var stages: [String: Double]
    var transfers: TransferFigures?

    /// Median seconds (overall and per stage) over `runs`; the transfers of the median run
    /// (they do not change from run to run).
    static func median(_ runs: [Measured]) -> Measured {
        let sorted = runs.sorted { $0.seconds < $1.seconds }
        let middle = sorted[sorted.count / 2]
        var stages: [String: Double] = [:]
        for key in Set(runs.flatMap(\.stages.keys)) {
            let values = runs.map { $0.stages[key] ?? 0 }.sorted()
            stages[key] = values[values.count / 2]
        }
        return Measured(seconds: middle.seconds, stages: stages, transfers: middle.transfers)
    }
}

struct TrainingBenchReport: Codable {
    var config: String
    var backend: String
    var cells: Int
    var steps: Int
    var calibrationSteps: Int
    var gauges: Int
    var freeValues: Int
    var readSeconds: Double
    var setupSeconds = 0.0
    var setupTransfers: TransferFigures?
    var withGradient: Measured?
    var lossOnly: Measured?
    var gradientAfterLoss: Measured?
    var peakResidentBytes = 0
    var devicePeakBytes: Int?
    /// 64 x (free values + gauges x calibration steps), bytes.
    var transferBound = 0

    func print(json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: try! encoder.encode(self), as: UTF8.self))
            return
        }
        Swift.print("bench training: \(config)")
        Swift.print("  backend \(backend); \(cells) cells, \(steps) steps run, \(calibrationSteps) calibration steps, \(gauges) gauges, \(freeValues) free values")
        Swift.print("  read (load + checks): \(seconds(readSeconds)); first evaluation (session, uploads, kernel builds): \(seconds(setupSeconds))\(setupTransfers.map { ", \(bytes($0.totalBytes)) host<->device" } ?? "")")
        let order = EvaluationStageClock.Stage.allCases.map(\.rawValue)
        for (name, m) in [("with gradient (forward + adjoint)", withGradient), ("loss only (line-search trial)", lossOnly), ("gradient after loss-only (accepted step)", gradientAfterLoss)] {
            guard let m else { continue }
            Swift.print("  \(name): \(seconds(m.seconds))")
            Swift.print("    " + order.compactMap { key in m.stages[key].map { "\(key) \(seconds($0))" } }.joined(separator: ", "))
            if let t = m.transfers {
                Swift.print("    host<->device: \(bytes(t.toDeviceBytes)) up in \(t.uploads) writes, \(bytes(t.toHostBytes)) down in \(t.downloads) reads (total \(bytes(t.totalBytes)); bound 64 x (free + gauges x calibration steps) = \(bytes(transferBound)) + constant)")
            }
        }
        Swift.print("  peak RSS \(bytes(peakResidentBytes))\(devicePeakBytes.map { ", device buffers peak \(bytes($0))" } ?? "")")
    }

    private func seconds(_ s: Double) -> String { String(format: "%.4f s", s) }
    private func bytes(_ b: Int) -> String {
        b >= 1 << 20 ? String(format: "%.2f MiB", Double(b) / Double(1 << 20)) : b >= 1 << 10 ? String(format: "%.1f KiB", Double(b) / 1024) : "\(b) B"
    }
}
