import DeviceTensor

/// δHBV's sequential HBV model on an OpenCL device, resident there across calls.
///
/// Inputs live in `data`; outputs, checkpoints and gradients stay in this object's buffers.
/// Inside a training iteration nothing but scalars needs to reach the host: the loss kernel
/// writes `reverse.runoffAdjoint` on the device, `adjoint()` fills `reverse.parameterGradient`,
/// and `audit()` returns seven numbers.
///
/// Runoff: the forward kernel writes runoff per unit `[steps][units]` (`unitRunoff`); with
/// more than one component a second kernel averages it per cell into `cellRunoff`
/// `[steps][cells]` (with one component the two are the same buffer).
public final class SequentialRunoffSolver {
    public let data: RunoffDeviceData
    public let vectorWidth: Int
    /// How the reverse sweep gets its storages (whole record).
    public let plan: CheckpointPlan

    /// Storages at the end of the run, `[5][units]`.
    public let finalStates: DeviceBuffer<Float>
    /// Runoff per unit, `[steps][units]` (mm per step).
    public let unitRunoff: DeviceBuffer<Float>
    /// Runoff per cell (mean over components), `[steps][cells]`.
    public let cellRunoff: DeviceBuffer<Float>
    /// Per-unit totals of P, ET, Q, storage change and numerical inflow, `[5][units]`.
    public let balance: DeviceBuffer<Float>
    private let summary: DeviceBuffer<Float>
    private let kernels: SequentialRunoffKernels
    private var reverseBuffers: ReverseSweepBuffers?
    private var recorded = false

    /// Buffers of the reverse sweep, allocated on the first run that records for it.
    public struct ReverseSweepBuffers {
        /// dL/d(cell runoff) `[steps][cells]`: written by the caller before `adjoint()`.
        public let runoffAdjoint: DeviceBuffer<Float>
        /// dL/d(final storages) `[5][units]`: zeros unless the caller writes it.
        public let finalStateAdjoint: DeviceBuffer<Float>
        /// dL/d(physical parameter values), laid out like `RunoffDeviceData.parameterValues`.
        public let parameterGradient: DeviceBuffer<Float>
        /// dL/d(initial storages) `[5][units]`.
        public let initialStateGradient: DeviceBuffer<Float>
        let checkpoints: DeviceBuffer<Float>
        let scratch: DeviceBuffer<Float>
    }

    /// - Parameters:
    ///   - vectorWidth: units per work-item; default `RunoffVectorWidth.preferred(for:)`.
    ///   - memoryBudgetBytes: bytes the reverse sweep's stored storages may take; chooses the
    ///     checkpoint interval (`CheckpointPlan.choose`).
    ///   - checkpointInterval: a fixed interval instead (tests, benchmarks).
    public init(data: RunoffDeviceData, vectorWidth: Int? = nil, memoryBudgetBytes: Int = 1 << 30,
                checkpointInterval: Int? = nil) throws(OpenCLRunoffError) {
        guard data.configuration.solver == .sequential else { throw .invalidProblem("SequentialRunoffSolver runs the sequential solver; the problem asks for \(data.configuration.solver.rawValue)") }
        let width = vectorWidth ?? RunoffVectorWidth.preferred(for: data.device.info)
        self.data = data
        self.vectorWidth = width
        self.kernels = try SequentialRunoffKernels(device: data.device, vectorWidth: width)
        if let checkpointInterval {
            plan = CheckpointPlan(interval: checkpointInterval, steps: data.steps, units: data.units)
        } else {
            plan = try CheckpointPlan.choose(steps: data.steps, units: data.units, budgetBytes: memoryBudgetBytes)
        }
        let device = data.device, units = data.units, cells = data.cells, steps = data.steps
        let nmul = data.components
        (finalStates, unitRunoff, cellRunoff, balance, summary) = try onDevice { () throws(OpenCLError) in
            let unitRunoff = try DeviceBuffer<Float>(device: device, shape: [steps, units])
            return (try DeviceBuffer<Float>(device: device, shape: [5, units]),
                    unitRunoff,
                    nmul == 1 ? unitRunoff : try DeviceBuffer<Float>(device: device, shape: [steps, cells]),
                    try DeviceBuffer<Float>(device: device, shape: [5, units]),
                    try DeviceBuffer<Float>(device: device, shape: [7]))
        }
    }

    /// The reverse-sweep buffers, allocating them on first use.
    public func reverse() throws(OpenCLRunoffError) -> ReverseSweepBuffers {
        if let reverseBuffers { return reverseBuffers }
        let device = data.device, units = data.units
        let made = try onDevice { () throws(OpenCLError) in
            let runoffAdjoint = try DeviceBuffer<Float>(device: device, shape: [data.steps, data.cells])
            try runoffAdjoint.fill(0)
            let finalStateAdjoint = try DeviceBuffer<Float>(device: device, shape: [5, units])
            try finalStateAdjoint.fill(0)
            return ReverseSweepBuffers(
                runoffAdjoint: runoffAdjoint,
                finalStateAdjoint: finalStateAdjoint,
                parameterGradient: try DeviceBuffer<Float>(device: device, shape: [data.parameterValues.count]),
                initialStateGradient: try DeviceBuffer<Float>(device: device, shape: [5, units]),
                checkpoints: try DeviceBuffer<Float>(device: device, shape: [plan.checkpoints, 5, units]),
                scratch: try DeviceBuffer<Float>(device: device, shape: [max(plan.scratchRows, 1) * 5 * units]))
        }
        reverseBuffers = made
        return made
    }

    private var workItems: Int { (data.units + vectorWidth - 1) / vectorWidth }

    private var commonArguments: [KernelArgument] {
        [.uint(data.units), .uint(data.cells), .uint(data.components), .uint(data.steps), .uint(0), .uint(data.steps),
         .float(Float(data.configuration.stepDays)), .float(Float(data.configuration.nearZero)),
         .int32(data.configuration.usesETExponent ? 1 : 0),
         .buffer(data.precipitation), .buffer(data.temperature), .buffer(data.pet),
         .buffer(data.parameterValues), .buffer(data.parameterOffsets), .buffer(data.slotOfStep)]
    }

    /// Enqueues a forward run over the whole record; with `recordForAdjoint` it also keeps
    /// the checkpoints `adjoint()` needs.
    @discardableResult
    public func forward(recordForAdjoint: Bool) throws(OpenCLRunoffError) -> RunoffLaunches {
        let checkpoints: DeviceBuffer<Float>
        let interval: Int
        if recordForAdjoint {
            checkpoints = try reverse().checkpoints
            interval = plan.interval
        } else {
            checkpoints = summary  // never written when the interval is 0
            interval = 0
        }
        var events: [DeviceEvent] = []
        try onDevice { () throws(OpenCLError) in
            events.append(try kernels.forward.launch(global: [workItems], arguments: commonArguments + [
                .buffer(data.initialStates), .buffer(finalStates), .buffer(unitRunoff),
                .buffer(checkpoints), .uint(interval), .buffer(balance)]))
            if data.components > 1 {
                let values = data.steps * data.cells
                events.append(try kernels.componentMean.launch(global: [values], arguments: [
                    .uint(values), .uint(data.components), .buffer(unitRunoff), .buffer(cellRunoff)]))
            }
        }
        recorded = recordForAdjoint
        return RunoffLaunches(events: events)
    }

    /// Enqueues the reverse sweep: `reverse().parameterGradient` and `.initialStateGradient`
    /// become the gradient of the loss whose adjoint is in `.runoffAdjoint` (and
    /// `.finalStateAdjoint`). Needs a forward run with `recordForAdjoint` since the last
    /// change of the inputs.
    @discardableResult
    public func adjoint() throws(OpenCLRunoffError) -> RunoffLaunches {
        guard recorded else { throw .adjointWithoutForward }
        let buffers = try reverse()
        var events: [DeviceEvent] = []
        try onDevice { () throws(OpenCLError) in
            try buffers.parameterGradient.fill(0)
            events.append(try kernels.adjoint.launch(global: [workItems], arguments: commonArguments + [
                .buffer(buffers.runoffAdjoint), .buffer(buffers.finalStateAdjoint),
                .buffer(buffers.checkpoints), .uint(plan.interval), .buffer(buffers.scratch),
                .buffer(buffers.parameterGradient), .buffer(buffers.initialStateGradient)]))
        }
        return RunoffLaunches(events: events)
    }

    /// Reduces the per-unit water balance of the last forward run on the device and returns
    /// the audit (seven scalars cross to the host).
    public func audit() throws(OpenCLRunoffError) -> WaterBalanceAudit {
        let local = Self.reductionWidth(data.device.info.maxWorkGroupSize)
        let s = try onDevice { () throws(OpenCLError) in
            try kernels.balanceReduce.launch(global: [local], local: [local], arguments: [
                .uint(data.units), .buffer(balance), .buffer(summary), .local(bytes: 7 * local * MemoryLayout<Float>.stride)])
            return try summary.download()
        }
        return WaterBalanceAudit(maxAbsoluteError: Double(s[5]), maxRelativeError: Double(s[6]),
                                 totalPrecipitation: Double(s[0]), totalEvapotranspiration: Double(s[1]),
                                 totalRunoff: Double(s[2]), storageChange: Double(s[3]), numericalInflow: Double(s[4]))
    }

    /// The largest power of two <= min(256, the device's work-group limit).
    static func reductionWidth(_ maxWorkGroup: Int) -> Int {
        var width = 1
        while width * 2 <= min(256, max(maxWorkGroup, 1)) { width *= 2 }
        return width
    }
}
