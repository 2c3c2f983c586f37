import DeviceTensor
import Kernels
import HydroDomain

/// Where a loss depends on discharge, for the device-resident adjoint.
public enum DeviceRoutingSeed<Real: DeviceScalar> {
    /// dL/dQ `[steps][cells]` on the device.
    case field(DeviceBuffer<Real>)
    /// dL/dQ at gauge cells, `[steps][gauges]` on the device.
    case gauges(cells: [Int], adjoint: DeviceBuffer<Real>)
}

/// Linear-reservoir D8 routing on an OpenCL device (kernels/routing.cl): one launch per
/// topological level, each work-item one cell's whole time series, donors pulled through CSR
/// lists; the adjoint launches the levels in reverse.
///
/// The device-resident API takes and fills `DeviceBuffer`s (nothing returns to the host);
/// `forward(_:)` and `gradient(_:seed:)` wrap it for host arrays. Not thread-safe (it owns
/// kernel objects, whose arguments are state).
public final class OpenCLLinearReservoirRouting<Real: DeviceScalar & BinaryFloatingPoint & Sendable> {
    public let device: ComputeDevice
    public let network: DrainageNetwork
    /// Work-group size for levels with at least this many cells (smaller levels, or 0, let the
    /// runtime choose).
    public var workGroupSize = 64

    private let order: DeviceBuffer<Int32>
    private let donorOffsets: DeviceBuffer<Int32>
    private let donors: DeviceBuffer<Int32>
    private let downstream: DeviceBuffer<Int32>
    private let flowLength: DeviceBuffer<Real>
    private let forwardKernel: DeviceKernel
    private let adjointKernel: DeviceKernel
    private let scaleKernel: DeviceKernel
    private let gatherKernel: DeviceKernel
    private let sumKernel: DeviceKernel
    private let noGauges: DeviceBuffer<Int32>
    /// Bound to kernel arguments a launch does not use (OpenCL needs a valid buffer there).
    private let unusedArgumentBuffer: DeviceBuffer<Real>
    private var runoffToInflow: (stepSeconds: Double, buffer: DeviceBuffer<Real>)?
    private var gaugeMap: (cells: [Int], buffer: DeviceBuffer<Int32>)?
    private var columnMap: (cells: [Int], buffer: DeviceBuffer<Int32>)?

    /// Uploads the network (order, donors, downstream cells, lengths) and builds the kernels.
    public init(device: ComputeDevice, network: DrainageNetwork) throws(OpenCLError) {
        self.device = device
        self.network = network
        let n = network.cellCount
        order = try DeviceBuffer(device: device, values: network.levels.order)
        donorOffsets = try DeviceBuffer(device: device, values: network.donorOffsets)
        // OpenCL buffers cannot be empty: a network without donors gets one unused entry.
        donors = try DeviceBuffer(device: device, values: network.donors.isEmpty ? [0] : network.donors)
        downstream = try DeviceBuffer(device: device, values: network.downstream)
        flowLength = try DeviceBuffer(device: device, values: network.flowLength.map { Real($0) })
        noGauges = try DeviceBuffer(device: device, values: [Int32](repeating: -1, count: n))
        unusedArgumentBuffer = try DeviceBuffer(device: device, values: [Real(0)])
        let options = Real.self == Double.self ? "-DHYDRO_REAL=double -DHYDRO_FP64" : ""
        let program = try device.program(source: KernelSources.source(of: .routing), options: options)
        forwardKernel = try program.kernel("route_forward_level")
        adjointKernel = try program.kernel("route_adjoint_level")
        scaleKernel = try program.kernel("route_scale_runoff_adjoint")
        gatherKernel = try program.kernel("route_gather_cells")
        sumKernel = try program.kernel("route_sum")
    }

    private func inflowFactor(stepSeconds: Double) throws(OpenCLError) -> DeviceBuffer<Real> {
        if let cached = runoffToInflow, cached.stepSeconds == stepSeconds { return cached.buffer }
        let buffer = try DeviceBuffer(device: device, values: network.cellArea.map { Real($0 / (1000 * stepSeconds)) })
        runoffToInflow = (stepSeconds, buffer)
        return buffer
    }

    private func check(_ buffer: DeviceBuffer<Real>, _ count: Int, _ name: String) throws(RoutingError) {
        guard buffer.count == count else { throw RoutingError("\(name) buffer has \(buffer.count) values; expected \(count)") }
    }

    private func velocityStride(_ velocity: DeviceBuffer<Real>) throws(RoutingError) -> Int {
        guard velocity.count == 1 || velocity.count == network.cellCount else {
            throw RoutingError("velocity buffer has \(velocity.count) values; expected 1 (uniform) or \(network.cellCount)")
        }
        return velocity.count == 1 ? 0 : 1
    }

    /// Launches `kernel` once per topological level (in reverse for the adjoint), with the
    /// level's `first` and `count` set in `description`.
    private func launchLevels<A: KernelArguments>(_ kernel: DeviceKernel, _ description: A, reversed: Bool,
                                                  level: WritableKeyPath<A, UInt32>, count: WritableKeyPath<A, UInt32>) throws(OpenCLError) {
        let offsets = network.levels.levelOffsets
        let levels = network.levels.count
        var description = description
        for step in 0..<levels {
            let l = reversed ? levels - 1 - step : step
            let first = Int(offsets[l]), cells = Int(offsets[l + 1]) - first
            description[keyPath: level] = UInt32(first)
            description[keyPath: count] = UInt32(cells)
            try kernel.launch(global: [cells], local: workGroupSize > 0 && cells >= workGroupSize ? [workGroupSize] : nil, description)
        }
    }

    /// Enqueues the forward routing: `runoff` (mm/step) `[steps][cells]` -> `discharge` (m³/s)
    /// `[steps][cells]` and `finalStorage` (m³). Returns once enqueued; a download waits for it.
    /// Shapes are checked here; values stay on the device, so velocities must be positive by
    /// construction (e.g. a bounded parameter map), as the host wrapper checks.
    public func forward(steps: Int, stepSeconds: Double, runoff: DeviceBuffer<Real>, velocity: DeviceBuffer<Real>,
                        initialStorage: DeviceBuffer<Real>, discharge: DeviceBuffer<Real>, finalStorage: DeviceBuffer<Real>) throws {
        let n = network.cellCount
        guard steps > 0, stepSeconds > 0, steps * n < Int(UInt32.max) else {
            throw RoutingError("routing needs 0 < steps x cells < 2³² and a positive step (got \(steps) x \(n), \(stepSeconds) s)")
        }
        try check(runoff, steps * n, "runoff")
        try check(discharge, steps * n, "discharge")
        try check(initialStorage, n, "initial storage")
        try check(finalStorage, n, "final storage")
        let stride = try velocityStride(velocity)
        let factor = try inflowFactor(stepSeconds: stepSeconds)
        let arguments = RouteForwardLevel(
            first: 0, count: 0, cells: UInt32(n), steps: UInt32(steps), dt: Real(stepSeconds),
            order: order, donorOffsets: donorOffsets, donors: donors, flowLength: flowLength, runoffToInflow: factor,
            velocity: velocity, velocityStride: UInt32(stride), initialStorage: initialStorage, runoff: runoff,
            discharge: discharge, finalStorage: finalStorage)
        try launchLevels(forwardKernel, arguments, reversed: false, level: \.first, count: \.count)
    }

    /// Enqueues the adjoint given the forward `discharge`: fills `runoffGradient` `[steps][cells]`
    /// (per mm), `velocityGradient` (per m/s, one per cell) and `initialStorageGradient` (per m³).
    public func adjoint(steps: Int, stepSeconds: Double, velocity: DeviceBuffer<Real>, discharge: DeviceBuffer<Real>,
                        seed: DeviceRoutingSeed<Real>, runoffGradient: DeviceBuffer<Real>, velocityGradient: DeviceBuffer<Real>,
                        initialStorageGradient: DeviceBuffer<Real>) throws {
        let n = network.cellCount
        guard steps > 0, stepSeconds > 0, steps * n < Int(UInt32.max) else {
            throw RoutingError("routing needs 0 < steps x cells < 2³² and a positive step (got \(steps) x \(n), \(stepSeconds) s)")
        }
        try check(discharge, steps * n, "discharge")
        try check(runoffGradient, steps * n, "runoff gradient")
        try check(velocityGradient, n, "velocity gradient")
        try check(initialStorageGradient, n, "initial storage gradient")
        let stride = try velocityStride(velocity)
        let factor = try inflowFactor(stepSeconds: stepSeconds)
        var field = unusedArgumentBuffer, useField = 0, gaugeOfCell = noGauges, gaugeSeed = unusedArgumentBuffer, gauges = 0
        switch seed {
        case .field(let buffer):
            try check(buffer, steps * n, "discharge adjoint")
            field = buffer; useField = 1
        case .gauges(let cells, let adjoint):
            try check(adjoint, steps * cells.count, "gauge adjoint")
            gaugeOfCell = try gaugeIndex(cells)
            gaugeSeed = adjoint; gauges = cells.count
        }
        let arguments = RouteAdjointLevel(
            first: 0, count: 0, cells: UInt32(n), steps: UInt32(steps), dt: Real(stepSeconds),
            order: order, downstream: downstream, flowLength: flowLength, velocity: velocity, velocityStride: UInt32(stride),
            discharge: discharge, fieldSeed: field, useField: UInt32(useField), gaugeOfCell: gaugeOfCell, gaugeSeed: gaugeSeed,
            gauges: UInt32(gauges), inflowAdjoint: runoffGradient, velocityAdjoint: velocityGradient,
            initialStorageAdjoint: initialStorageGradient)
        try launchLevels(adjointKernel, arguments, reversed: true, level: \.first, count: \.count)
        let total = steps * n
        try scaleKernel.launch(global: [total], local: [256],
                               RouteScaleRunoffAdjoint(cells: UInt32(n), total: UInt32(total), runoffToInflow: factor, adjoint: runoffGradient))
    }

    /// Enqueues `gathered[t][j] = field[t][cells[j]]` for `t < steps`: the series of a few cells
    /// (gauges) out of a `[steps][cells]` field, e.g. to download only those.
    public func gather(steps: Int, field: DeviceBuffer<Real>, cells: [Int], into gathered: DeviceBuffer<Real>) throws {
        let n = network.cellCount
        try check(field, steps * n, "field")
        try check(gathered, steps * cells.count, "gathered")
        guard !cells.isEmpty else { return }
        let map: DeviceBuffer<Int32>
        if let cached = columnMap, cached.cells == cells {
            map = cached.buffer
        } else {
            guard cells.allSatisfy({ $0 >= 0 && $0 < n }) else { throw RoutingError("gathered cells \(cells) outside the network (0..<\(n))") }
            map = try DeviceBuffer(device: device, values: cells.map { Int32($0) })
            columnMap = (cells, map)
        }
        let total = steps * cells.count
        try gatherKernel.launch(global: [total], local: nil, RouteGatherCells(
            cells: UInt32(n), columns: UInt32(cells.count), total: UInt32(total), columnCell: map, field: field, gathered: gathered))
    }

    /// Enqueues `sum[0] = Σ values`, added in index order on one work-item (the same bits every
    /// run): e.g. a uniform velocity's gradient from `adjoint`'s per-cell `velocityGradient`.
    public func sum(_ values: DeviceBuffer<Real>, into sum: DeviceBuffer<Real>) throws {
        try check(sum, 1, "sum")
        try sumKernel.launch(global: [1], local: nil, RouteSum(count: UInt32(values.count), values: values, sum: sum))
    }

    private func gaugeIndex(_ cells: [Int]) throws -> DeviceBuffer<Int32> {
        if let cached = gaugeMap, cached.cells == cells { return cached.buffer }
        var map = [Int32](repeating: -1, count: network.cellCount)
        for (g, c) in cells.enumerated() {
            guard c >= 0, c < network.cellCount else { throw RoutingError("gauge cell \(c) is not a cell of the network (0..<\(network.cellCount))") }
            guard map[c] < 0 else { throw RoutingError("cell \(c) carries two gauges; merge their adjoints into one") }
            map[c] = Int32(g)
        }
        let buffer = try DeviceBuffer(device: device, values: map)
        gaugeMap = (cells, buffer)
        return buffer
    }

    // MARK: host-array wrappers (tests, small runs)

    /// Uploads `problem`, routes it on the device and downloads the discharge, with the audit.
    public func forward(_ problem: RoutingProblem<Real>) throws -> RoutingResult<Real> {
        let n = network.cellCount
        try problem.validate(cells: n)
        let (discharge, final) = try runForward(problem)
        let q = try discharge.download(), v = try final.download()
        let audit = RoutingMassBalance(network: network, stepSeconds: problem.stepSeconds, steps: problem.steps, localRunoff: problem.localRunoff,
                                       discharge: q, initialStorage: problem.initialStorage, finalStorage: v)
        return RoutingResult(discharge: q, finalStorage: v, massBalance: audit)
    }

    /// Forward then adjoint on the device for host arrays; `seed` is dL/dQ.
    public func gradient(_ problem: RoutingProblem<Real>, seed: RoutingSeed<Real>) throws -> (result: RoutingResult<Real>, gradient: RoutingGradient<Real>) {
        let n = network.cellCount, steps = problem.steps
        try problem.validate(cells: n)
        let (discharge, final) = try runForward(problem)
        let velocity = try DeviceBuffer(device: device, values: problem.velocity)
        let deviceSeed: DeviceRoutingSeed<Real>
        switch seed {
        case .field(let values):
            guard values.count == steps * n else { throw RoutingError("discharge adjoint has \(values.count) values; expected \(steps) x \(n)") }
            deviceSeed = .field(try DeviceBuffer(device: device, values: values))
        case .gauges(let cells, let adjoint):
            guard adjoint.count == steps * cells.count, !cells.isEmpty else { throw RoutingError("gauge adjoint has \(adjoint.count) values; expected \(steps) x \(cells.count)") }
            deviceSeed = .gauges(cells: cells, adjoint: try DeviceBuffer(device: device, values: adjoint))
        }
        let runoffGradient = try DeviceBuffer<Real>(device: device, shape: [steps, n])
        let velocityGradient = try DeviceBuffer<Real>(device: device, shape: [n])
        let storageGradient = try DeviceBuffer<Real>(device: device, shape: [n])
        try adjoint(steps: steps, stepSeconds: problem.stepSeconds, velocity: velocity, discharge: discharge, seed: deviceSeed,
                    runoffGradient: runoffGradient, velocityGradient: velocityGradient, initialStorageGradient: storageGradient)
        let q = try discharge.download(), v = try final.download()
        let audit = RoutingMassBalance(network: network, stepSeconds: problem.stepSeconds, steps: steps, localRunoff: problem.localRunoff,
                                       discharge: q, initialStorage: problem.initialStorage, finalStorage: v)
        let gradient = RoutingGradient(localRunoff: try runoffGradient.download(), velocity: try velocityGradient.download(),
                                       initialStorage: try storageGradient.download())
        return (RoutingResult(discharge: q, finalStorage: v, massBalance: audit), gradient)
    }

    private func runForward(_ problem: RoutingProblem<Real>) throws -> (discharge: DeviceBuffer<Real>, final: DeviceBuffer<Real>) {
        let n = network.cellCount
        let runoff = try DeviceBuffer(device: device, values: problem.localRunoff, shape: [problem.steps, n])
        let velocity = try DeviceBuffer(device: device, values: problem.velocity)
        let initial = try DeviceBuffer(device: device, values: problem.initialStorage)
        let discharge = try DeviceBuffer<Real>(device: device, shape: [problem.steps, n])
        let final = try DeviceBuffer<Real>(device: device, shape: [n])
        try forward(steps: problem.steps, stepSeconds: problem.stepSeconds, runoff: runoff, velocity: velocity,
                    initialStorage: initial, discharge: discharge, finalStorage: final)
        try device.finish()
        return (discharge, final)
    }
}
