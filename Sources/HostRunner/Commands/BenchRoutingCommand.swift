import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

/// `hydrogpu bench routing`: parsing, network + levels + upstream area, and routing forward and
/// forward + gradient on a D8 grid, with synthetic runoff.
struct BenchRoutingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routing",
        abstract: "Time D8 network building and linear-reservoir routing (forward, forward + gradient).",
        discussion: """
        Parse: reading the ESRI ASCII grid. Build: DrainageNetwork (active cells, downstream cells, \
        CSR donors, areas, lengths, topological levels) plus upstream area, from the parsed raster \
        (file parsing excluded), best of --repeat runs. Routing: --steps steps of synthetic runoff \
        on every cell, uniform velocity 1 m/s, daily steps; the gradient seeds dL/dQ = 1 at the \
        outlet with the largest upstream area. OpenCL timings exclude uploads and program builds \
        (a warm-up run comes first); reference timings are the plain-Swift backend, one thread.
        """
    )

    @Option(help: "D8 grid (ESRI ASCII, ESRI codes).") var grid: String
    @Option(help: "Flow-direction encoding: esri | smash | ldd.") var encoding: FlowDirectionEncoding = .esri
    @Option(help: "Routing steps.") var steps: Int = 365
    @Option(help: "Timed repetitions (the best is reported).") var `repeat`: Int = 3
    @Option(help: "Reference precision: float | double (OpenCL runs in float).") var precision: PrecisionChoice = .float
    @Option(help: "OpenCL work-group size for levels at least this large (0: the runtime chooses).") var workGroup: Int = 64
    @Flag(help: "Skip the routing timings (network only).") var networkOnly = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        var report = RoutingBenchReport(grid: grid, steps: steps)
        let parseStart = Date()
        let raster = try EsriAsciiGrid.read(URL(fileURLWithPath: grid))
        report.parseSeconds = Date().timeIntervalSince(parseStart)

        var network: DrainageNetwork?
        var build = [Double](), levelsOnly = [Double](), upstream = [Double]()
        for _ in 0..<max(1, `repeat`) {
            let t0 = Date()
            let built = try DrainageNetwork(flowDirections: raster, encoding: encoding, directionFile: grid)
            let t1 = Date()
            let area = built.upstreamArea()
            let t2 = Date()
            build.append(t2.timeIntervalSince(t0))
            upstream.append(t2.timeIntervalSince(t1))
            let t3 = Date()
            _ = try TopologicalLevels(downstream: built.downstream, donorOffsets: built.donorOffsets)
            levelsOnly.append(Date().timeIntervalSince(t3))
            precondition(area.cells.count == built.cellCount)
            network = built
        }
        let net = network!
        report.cells = net.cellCount
        report.levels = net.levels.count
        report.outlets = net.outlets.count
        report.networkBuildSeconds = build.min()!
        report.levelsOnlySeconds = levelsOnly.min()!
        report.upstreamAreaSeconds = upstream.min()!

        if !networkOnly {
            let selection = try deviceOptions.select(quiet: json)
            report.device = selection.reason
            if let device = try ComputeDevice.open(selection) {
                try benchOpenCL(device: device, network: net, report: &report)
            } else if precision == .double {
                try benchReference(Double.self, network: net, report: &report)
            } else {
                try benchReference(Float.self, network: net, report: &report)
            }
        }
        report.print(json: json)
    }

    /// Deterministic runoff with a storm every ten days (mm per day) and the outlet seed.
    private func inputs<Real: BinaryFloatingPoint>(_: Real.Type, network: DrainageNetwork) -> (runoff: [Real], outlet: Int) {
        let n = network.cellCount
        var runoff = [Real](repeating: 0, count: steps * n)
        for t in 0..<steps {
            let rate = Real(t % 10 == 0 ? 8.0 : 0.5)
            for c in 0..<n { runoff[t * n + c] = rate * Real(1 + (c % 7)) / 4 }
        }
        let area = network.upstreamArea().cells
        let outlet = network.outlets.max { area[$0] < area[$1] }!
        return (runoff, outlet)
    }

    private func benchReference<Real: Real_>(_: Real.Type, network: DrainageNetwork, report: inout RoutingBenchReport) throws {
        report.backend = "reference (\(Real.self))"
        let (runoff, outlet) = inputs(Real.self, network: network)
        let problem = RoutingProblem<Real>(steps: steps, stepSeconds: 86_400, localRunoff: runoff, velocity: [1], cells: network.cellCount)
        let router = LinearReservoirRouting<Real>(network: network)
        var forward = [Double](), total = [Double]()
        for _ in 0..<max(1, `repeat`) {
            let t0 = Date()
            let result = try router.forward(problem)
            let t1 = Date()
            _ = try router.adjoint(problem, discharge: result.discharge, seed: .gauges(cells: [outlet], adjoint: [Real](repeating: 1, count: steps)))
            let t2 = Date()
            forward.append(t1.timeIntervalSince(t0))
            total.append(t2.timeIntervalSince(t0))
            report.massBalanceRelativeError = result.massBalance.relativeError
            report.massBalanceMaxCellRelativeError = result.massBalance.maxCellRelativeError
        }
        report.forwardSeconds = forward.min()!
        report.forwardGradientSeconds = total.min()!
    }

    private func benchOpenCL(device: ComputeDevice, network: DrainageNetwork, report: inout RoutingBenchReport) throws {
        report.backend = "OpenCL float: \(device.info.name)"
        let n = network.cellCount
        let (runoff, outlet) = inputs(Float.self, network: network)
        let router = try OpenCLLinearReservoirRouting<Float>(device: device, network: network)
        router.workGroupSize = workGroup
        let runoffBuffer = try DeviceBuffer(device: device, values: runoff, shape: [steps, n])
        let velocity = try DeviceBuffer(device: device, values: [Float(1)])
        let initial = try DeviceBuffer(device: device, values: [Float](repeating: 0, count: n))
        let discharge = try DeviceBuffer<Float>(device: device, shape: [steps, n])
        let final = try DeviceBuffer<Float>(device: device, shape: [n])
        let seed = try DeviceBuffer(device: device, values: [Float](repeating: 1, count: steps))
        let runoffGradient = try DeviceBuffer<Float>(device: device, shape: [steps, n])
        let velocityGradient = try DeviceBuffer<Float>(device: device, shape: [n])
        let storageGradient = try DeviceBuffer<Float>(device: device, shape: [n])
        func forward() throws {
            try router.forward(steps: steps, stepSeconds: 86_400, runoff: runoffBuffer, velocity: velocity, initialStorage: initial,
                               discharge: discharge, finalStorage: final)
        }
        func adjoint() throws {
            try router.adjoint(steps: steps, stepSeconds: 86_400, velocity: velocity, discharge: discharge,
                               seed: .gauges(cells: [outlet], adjoint: seed), runoffGradient: runoffGradient,
                               velocityGradient: velocityGradient, initialStorageGradient: storageGradient)
        }
        try forward(); try adjoint(); try device.finish()   // warm-up: first launches, page faults
        var fwd = [Double](), total = [Double]()
        for _ in 0..<max(1, `repeat`) {
            let t0 = Date()
            try forward(); try device.finish()
            let t1 = Date()
            try adjoint(); try device.finish()
            let t2 = Date()
            fwd.append(t1.timeIntervalSince(t0))
            total.append(t2.timeIntervalSince(t0))
        }
        report.forwardSeconds = fwd.min()!
        report.forwardGradientSeconds = total.min()!
        let audit = RoutingMassBalance(network: network, stepSeconds: 86_400, steps: steps, localRunoff: runoff, discharge: try discharge.download(),
                                       initialStorage: [Float](repeating: 0, count: n), finalStorage: try final.download())
        report.massBalanceRelativeError = audit.relativeError
        report.massBalanceMaxCellRelativeError = audit.maxCellRelativeError
    }
}

/// What `bench routing` measured.
struct RoutingBenchReport: Encodable {
    var grid: String
    var steps: Int
    var cells = 0
    var levels = 0
    var outlets = 0
    var parseSeconds = 0.0
    var networkBuildSeconds = 0.0
    var levelsOnlySeconds = 0.0
    var upstreamAreaSeconds = 0.0
    var device: String?
    var backend: String?
    var forwardSeconds: Double?
    var forwardGradientSeconds: Double?
    var massBalanceRelativeError: Double?
    var massBalanceMaxCellRelativeError: Double?

    var forwardCellStepsPerSecond: Double? { forwardSeconds.map { Double(cells * steps) / $0 } }
    var forwardGradientCellStepsPerSecond: Double? { forwardGradientSeconds.map { Double(cells * steps) / $0 } }

    enum CodingKeys: String, CodingKey {
        case grid, steps, cells, levels, outlets, parseSeconds, networkBuildSeconds, levelsOnlySeconds, upstreamAreaSeconds
        case device, backend, forwardSeconds, forwardGradientSeconds, massBalanceRelativeError, massBalanceMaxCellRelativeError
        case forwardCellStepsPerSecond, forwardGradientCellStepsPerSecond
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(grid, forKey: .grid); try c.encode(steps, forKey: .steps); try c.encode(cells, forKey: .cells)
        try c.encode(levels, forKey: .levels); try c.encode(outlets, forKey: .outlets)
        try c.encode(parseSeconds, forKey: .parseSeconds); try c.encode(networkBuildSeconds, forKey: .networkBuildSeconds)
        try c.encode(levelsOnlySeconds, forKey: .levelsOnlySeconds); try c.encode(upstreamAreaSeconds, forKey: .upstreamAreaSeconds)
        try c.encodeIfPresent(device, forKey: .device); try c.encodeIfPresent(backend, forKey: .backend)
        try c.encodeIfPresent(forwardSeconds, forKey: .forwardSeconds); try c.encodeIfPresent(forwardGradientSeconds, forKey: .forwardGradientSeconds)
        try c.encodeIfPresent(massBalanceRelativeError, forKey: .massBalanceRelativeError)
        try c.encodeIfPresent(massBalanceMaxCellRelativeError, forKey: .massBalanceMaxCellRelativeError)
        try c.encodeIfPresent(forwardCellStepsPerSecond, forKey: .forwardCellStepsPerSecond)
        try c.encodeIfPresent(forwardGradientCellStepsPerSecond, forKey: .forwardGradientCellStepsPerSecond)
    }

    func print(json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self))
            return
        }
        Swift.print("grid              \(grid): \(cells) cells, \(levels) levels, \(outlets) outlets")
        Swift.print(String(format: "parse             %9.2f ms", parseSeconds * 1e3))
        Swift.print(String(format: "network + levels + upstream area %9.2f ms (levels alone %.2f ms, upstream area alone %.2f ms; parsing excluded)",
                           networkBuildSeconds * 1e3, levelsOnlySeconds * 1e3, upstreamAreaSeconds * 1e3))
        guard let backend, let forwardSeconds, let forwardGradientSeconds else { return }
        let cellSteps = Double(cells * steps)
        Swift.print("routing           \(backend), \(steps) steps")
        Swift.print(String(format: "  forward             %9.3f s  %8.1f M cell-steps/s  %6.2f ns per cell-step",
                           forwardSeconds, cellSteps / forwardSeconds / 1e6, forwardSeconds / cellSteps * 1e9))
        Swift.print(String(format: "  forward + gradient  %9.3f s  %8.1f M cell-steps/s  %6.2f ns per cell-step",
                           forwardGradientSeconds, cellSteps / forwardGradientSeconds / 1e6, forwardGradientSeconds / cellSteps * 1e9))
        if let massBalanceRelativeError {
            Swift.print(String(format: "  mass balance relative error %.2e (domain), %.2e (worst cell)", massBalanceRelativeError, massBalanceMaxCellRelativeError ?? .nan))
        }
    }
}
