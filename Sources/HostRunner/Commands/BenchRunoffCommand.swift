import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

/// `hydrogpu bench runoff`: forward and forward+gradient cell-steps per second of the HBV
/// runoff model on synthetic forcing (seasons, dry spells, storms).
struct BenchRunoffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runoff",
        abstract: "Time the HBV runoff model forward and forward+gradient on synthetic forcing.",
        discussion: """
        Reports the median over --repeats of wall time and, on OpenCL devices, device time from \
        profiling events; peak device memory (OpenCL) or the process's peak resident memory \
        (reference); the vector width and checkpoint interval used. One untimed run comes first \
        (kernel builds, first touches).
        """
    )

    @Option(help: "Solver: sequential | implicit.")
    var solver: HBVSolver = .sequential
    @Option(parsing: .unconditional, help: "Number of cells.")
    var cells: Int = 10_000
    @Option(parsing: .unconditional, help: "Number of daily steps.")
    var steps: Int = 365
    @Option(parsing: .unconditional, help: "HBV components per cell (δHBV's nmul).")
    var components: Int = 1
    @Option(parsing: .unconditional, help: "Timed repetitions; the median is reported.")
    var repeats: Int = 3
    @Option(name: .customLong("vector-width"), help: "OpenCL units per work-item (default: 8 on CPUs, 1 on GPUs).")
    var vectorWidth: Int?
    @Option(name: .customLong("checkpoint-interval"), help: "Fixed checkpoint interval K (default: chosen by --memory-budget-mb; 1 = whole trajectory).")
    var checkpointInterval: Int?
    @Option(name: .customLong("memory-budget-mb"), help: "Device memory for the reverse sweep's stored storages, MiB.")
    var memoryBudgetMB: Int = 1024
    @Flag(name: .customLong("no-snow"), help: "A problem without snow: the snow's parameters left out (its null operator; no snow storages in the sequential solver's step records).")
    var noSnow = false
    @OptionGroup var deviceOptions: DeviceOptions
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard cells > 0, steps > 0, components > 0, repeats > 0 else {
            throw ValidationError("--cells, --steps, --components and --repeats must be positive")
        }
    }

    func run() throws {
        let solverKind = solver
        let selection = try deviceOptions.select(quiet: json)
        let report: RunoffBenchReport
        if let device = try ComputeDevice.open(selection) {
            report = try benchOpenCL(device, solver: solverKind)
        } else if solverKind == .implicit {
            report = try benchReference(ImplicitReferenceModel<Float>(), solver: solverKind)
        } else {
            report = try benchReference(SequentialReferenceModel<Float>(), solver: solverKind)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }

    private var cellSteps: Double { Double(cells) * Double(steps) }

    private func problem<Real: Real_>(_ solver: HBVSolver) -> RunoffProblem<Real> {
        var problem: RunoffProblem<Real> = SyntheticRunoff.problem(cells: cells, steps: steps, components: components)
        problem.configuration.solver = solver
        if noSnow { for parameter in HBVParameter.allCases where parameter.process == .snow { problem.parameters[parameter] = nil } }
        return problem
    }

    private func benchOpenCL(_ device: ComputeDevice, solver kind: HBVSolver) throws -> RunoffBenchReport {
        let problem: RunoffProblem<Float> = problem(kind)
        device.resetPeakAllocation()
        let base = device.allocatedBytes.current
        let data = try RunoffDeviceData(device: device, problem: problem)
        let solver: any RunoffDeviceSolver = kind == .implicit
            ? try ImplicitRunoffSolver(data: data, vectorWidth: vectorWidth, memoryBudgetBytes: memoryBudgetMB << 20,
                                       checkpointInterval: checkpointInterval)
            : try SequentialRunoffSolver(data: data, vectorWidth: vectorWidth, memoryBudgetBytes: memoryBudgetMB << 20,
                                         checkpointInterval: checkpointInterval)
        // Forward only (no reverse-sweep buffers yet).
        try solver.forward(recordForAdjoint: false)
        try device.finish()
        var forwardWall: [Double] = [], forwardDevice: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            let launches = try solver.forward(recordForAdjoint: false)
            try device.finish()
            forwardWall.append(seconds(ContinuousClock.now - start))
            forwardDevice.append(try launches.deviceSeconds())
        }
        let forwardPeak = device.allocatedBytes.peak - base
        // Forward + gradient: the loss adjoint is a uniform weight (a mean of runoff).
        let reverse = try solver.reverse()
        try reverse.runoffAdjoint.fill(1 / Float(cells * steps))
        try solver.forward(recordForAdjoint: true)
        try solver.adjoint()
        _ = try solver.audit()
        var gradientWall: [Double] = [], gradientDevice: [Double] = []
        var adjointDevice: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            let forward = try solver.forward(recordForAdjoint: true)
            let adjoint = try solver.adjoint()
            try device.finish()
            gradientWall.append(seconds(ContinuousClock.now - start))
            let a = try adjoint.deviceSeconds()
            gradientDevice.append(try forward.deviceSeconds() + a)
            adjointDevice.append(a)
        }
        let audit = try solver.audit()
        return RunoffBenchReport(
            solver: solver.data.configuration.solver.rawValue, backend: "opencl", device: device.info.name,
            platform: device.info.platformName, cells: cells, steps: steps, components: components, repeats: repeats,
            vectorWidth: solver.vectorWidth, checkpointInterval: solver.plan.interval,
            forwardWallSeconds: median(forwardWall), forwardDeviceSeconds: median(forwardDevice),
            gradientWallSeconds: median(gradientWall), gradientDeviceSeconds: median(gradientDevice),
            adjointDeviceSeconds: median(adjointDevice),
            forwardPeakBytes: forwardPeak, gradientPeakBytes: device.allocatedBytes.peak - base, peakKind: "device buffers",
            waterBalanceRelativeError: audit.maxRelativeError, cellSteps: cellSteps)
    }

    private func benchReference<Model: RunoffModel>(_ model: Model, solver kind: HBVSolver) throws -> RunoffBenchReport where Model.Real == Float {
        let problem: RunoffProblem<Float> = problem(kind)
        let adjoint = [Float](repeating: 1 / Float(cells * steps), count: cells * steps)
        _ = try model.forward(problem)
        var forwardWall: [Double] = [], gradientWall: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            _ = try model.forward(problem)
            forwardWall.append(seconds(ContinuousClock.now - start))
        }
        let forwardPeak = peakResidentBytes()
        var audit: WaterBalanceAudit?
        _ = try model.gradient(problem, runoffAdjoint: adjoint)
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            audit = try model.gradient(problem, runoffAdjoint: adjoint).result.audit
            gradientWall.append(seconds(ContinuousClock.now - start))
        }
        return RunoffBenchReport(
            solver: kind.rawValue, backend: "reference", device: "Swift (Float), \(ProcessInfo.processInfo.activeProcessorCount) threads",
            platform: "host", cells: cells, steps: steps, components: components, repeats: repeats,
            vectorWidth: nil, checkpointInterval: nil,
            forwardWallSeconds: median(forwardWall), forwardDeviceSeconds: nil,
            gradientWallSeconds: median(gradientWall), gradientDeviceSeconds: nil, adjointDeviceSeconds: nil,
            forwardPeakBytes: forwardPeak, gradientPeakBytes: peakResidentBytes(), peakKind: "process peak RSS",
            waterBalanceRelativeError: audit?.maxRelativeError ?? 0, cellSteps: cellSteps)
    }
}

/// What `bench runoff` measured.
struct RunoffBenchReport: Codable {
    var solver: String
    var backend: String
    var device: String
    var platform: String
    var cells: Int
    var steps: Int
    var components: Int
    var repeats: Int
    var vectorWidth: Int?
    var checkpointInterval: Int?
    var forwardWallSeconds: Double
    var forwardDeviceSeconds: Double?
    var gradientWallSeconds: Double
    var gradientDeviceSeconds: Double?
    var adjointDeviceSeconds: Double?
    var forwardPeakBytes: Int
    var gradientPeakBytes: Int
    var peakKind: String
    var waterBalanceRelativeError: Double
    var forwardCellStepsPerSecond: Double
    var gradientCellStepsPerSecond: Double
    /// Forward+gradient time over forward time (wall).
    var gradientCostRatio: Double

    init(solver: String, backend: String, device: String, platform: String, cells: Int, steps: Int, components: Int, repeats: Int,
         vectorWidth: Int?, checkpointInterval: Int?, forwardWallSeconds: Double, forwardDeviceSeconds: Double?,
         gradientWallSeconds: Double, gradientDeviceSeconds: Double?, adjointDeviceSeconds: Double?,
         forwardPeakBytes: Int, gradientPeakBytes: Int, peakKind: String, waterBalanceRelativeError: Double, cellSteps: Double) {
        self.solver = solver; self.backend = backend; self.device = device; self.platform = platform
        self.cells = cells; self.steps = steps; self.components = components; self.repeats = repeats
        self.vectorWidth = vectorWidth; self.checkpointInterval = checkpointInterval
        self.forwardWallSeconds = forwardWallSeconds; self.forwardDeviceSeconds = forwardDeviceSeconds
        self.gradientWallSeconds = gradientWallSeconds; self.gradientDeviceSeconds = gradientDeviceSeconds
        self.adjointDeviceSeconds = adjointDeviceSeconds
        self.forwardPeakBytes = forwardPeakBytes; self.gradientPeakBytes = gradientPeakBytes; self.peakKind = peakKind
        self.waterBalanceRelativeError = waterBalanceRelativeError
        self.forwardCellStepsPerSecond = cellSteps / forwardWallSeconds
        self.gradientCellStepsPerSecond = cellSteps / gradientWallSeconds
        self.gradientCostRatio = gradientWallSeconds / forwardWallSeconds
    }

    var text: String {
        func rate(_ seconds: Double?) -> String {
            guard let seconds else { return "-" }
            return String(format: "%.3g cell-steps/s (%.4f s)", Double(cells) * Double(steps) / seconds, seconds)
        }
        var lines = [
            "bench runoff: \(solver) solver, \(backend) backend on \(device) (\(platform))",
            "  \(cells) cells x \(steps) steps x \(components) component(s), median of \(repeats)",
        ]
        if let vectorWidth { lines.append("  vector width \(vectorWidth), checkpoint interval \(checkpointInterval ?? 0)") }
        lines += [
            "  forward           wall \(rate(forwardWallSeconds))   device \(rate(forwardDeviceSeconds))",
            "  forward+gradient  wall \(rate(gradientWallSeconds))   device \(rate(gradientDeviceSeconds))",
            String(format: "  gradient cost     %.2f x forward (wall)", gradientCostRatio),
            "  peak memory (\(peakKind)): forward \(megabytes(forwardPeakBytes)), forward+gradient \(megabytes(gradientPeakBytes))",
            String(format: "  water balance: largest unit closure error %.2e relative", waterBalanceRelativeError),
        ]
        return lines.joined(separator: "\n")
    }
}

private func megabytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

private func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The process's peak resident set (VmHWM), bytes.
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
    let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    return kilobytes * 1024
}
