import DeviceTensor

/// The implicit HBV model (backward Euler + Newton, MODEL.md 3.2) on an OpenCL device, resident
/// there across calls. Same buffers, layout and life cycle as `SequentialRunoffSolver`; in
/// addition the forward run counts, per unit, the steps whose Newton iteration did not reach
/// `tolerance` (`nonConverged`, summed by `nonConvergedSteps()`).
///
/// On a CPU (PoCL) a work-item runs its `vectorWidth` units one after the other: Newton's
/// iteration count differs per unit, so the implicit kernels are not vectorised across lanes.
public final class ImplicitRunoffSolver {
    public let data: RunoffDeviceData
    public let vectorWidth: Int
    /// How the reverse sweep gets its storages (whole record).
    public let plan: CheckpointPlan
    /// Newton tolerance |F|_inf (mm) and iteration cap.
    public let tolerance: Float
    public let maxIterations: Int
    /// Newton steps after convergence, kept only if |F| does not rise (`ImplicitHBVNewton`).
    public let polishingSteps: Int

    /// Storages at the end of the run, `[5][units]`.
    public let finalStates: DeviceBuffer<Float>
    /// Runoff per unit, `[steps][units]` (mm per step).
    public let unitRunoff: DeviceBuffer<Float>
    /// Runoff per cell (mean over components), `[steps][cells]`.
    public let cellRunoff: DeviceBuffer<Float>
    /// Per-unit totals of P, ET, Q, storage change and numerical inflow (0 here), `[5][units]`.
    public let balance: DeviceBuffer<Float>
    /// Per-unit count of non-converged steps of the last forward run, `[units]`.
    public let nonConverged: DeviceBuffer<UInt32>
    private let summary: DeviceBuffer<Float>
    private let kernels: ImplicitRunoffKernels
    private var reverseBuffers: SequentialRunoffSolver.ReverseSweepBuffers?
    private var recorded = false

    /// - Parameters:
    ///   - tolerance: Newton's |F|_inf in mm (MODEL.md 3.2: 1e-4 in Float).
    ///   - maxIterations: Newton steps per unit-step before it counts as non-converged.
    ///   - polishingSteps: full Newton steps after convergence (1 makes Float gradients of
    ///     nearly empty stores accurate; see docs/IMPLICIT-SOLVER.md 4).
    ///   - vectorWidth, memoryBudgetBytes, checkpointInterval: as for `SequentialRunoffSolver`.
    public init(data: RunoffDeviceData, tolerance: Float = 1e-4, maxIterations: Int = 50, polishingSteps: Int = 1, vectorWidth: Int? = nil,
                memoryBudgetBytes: Int = 1 << 30, checkpointInterval: Int? = nil) throws(OpenCLRunoffError) {
        guard data.configuration.solver == .implicit else {
            throw .invalidProblem("ImplicitRunoffSolver runs the implicit solver; the problem asks for \(data.configuration.solver.rawValue)")
        }
        guard tolerance > 0, maxIterations >= 0, polishingSteps >= 0 else {
            throw .invalidProblem("Newton tolerance must be positive and the iteration cap non-negative (got \(tolerance), \(maxIterations))")
        }
        let width = vectorWidth ?? RunoffVectorWidth.preferred(for: data.device.info)
        self.data = data
        self.vectorWidth = width
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.polishingSteps = polishingSteps
        self.kernels = try ImplicitRunoffKernels(device: data.device, vectorWidth: width)
        if let checkpointInterval {
            plan = CheckpointPlan(interval: checkpointInterval, steps: data.steps, units: data.units)
        } else {
            plan = try CheckpointPlan.choose(steps: data.steps, units: data.units, budgetBytes: memoryBudgetBytes)
        }
        let device = data.device, units = data.units, cells = data.cells, steps = data.steps
        let nmul = data.components
        (finalStates, unitRunoff, cellRunoff, balance, nonConverged, summary) = try onDevice { () throws(OpenCLError) in
            let unitRunoff = try DeviceBuffer<Float>(device: device, shape: [steps, units])
            return (try DeviceBuffer<Float>(device: device, shape: [5, units]),
                    unitRunoff,
                    nmul == 1 ? unitRunoff : try DeviceBuffer<Float>(device: device, shape: [steps, cells]),
                    try DeviceBuffer<Float>(device: device, shape: [5, units]),
                    try DeviceBuffer<UInt32>(device: device, shape: [units]),
                    try DeviceBuffer<Float>(device: device, shape: [7]))
        }
    }

    /// The reverse-sweep buffers (the sequential solver's layout), allocating them on first use.
    public func reverse() throws(OpenCLRunoffError) -> SequentialRunoffSolver.ReverseSweepBuffers {
        if let reverseBuffers { return reverseBuffers }
        let device = data.device, units = data.units
        let made = try onDevice { () throws(OpenCLError) in
            let runoffAdjoint = try DeviceBuffer<Float>(device: device, shape: [data.steps, data.cells])
            try runoffAdjoint.fill(0)
            let finalStateAdjoint = try DeviceBuffer<Float>(device: device, shape: [5, units])
            try finalStateAdjoint.fill(0)
            return SequentialRunoffSolver.ReverseSweepBuffers(
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
                .buffer(checkpoints), .uint(interval), .buffer(balance),
                .float(tolerance), .uint(maxIterations), .uint(polishingSteps), .buffer(nonConverged)]))
            if data.components > 1 {
                let values = data.steps * data.cells
                events.append(try kernels.componentMean.launch(global: [values], arguments: [
                    .uint(values), .uint(data.components), .buffer(unitRunoff), .buffer(cellRunoff)]))
            }
        }
        recorded = recordForAdjoint
        return RunoffLaunches(events: events)
    }

    /// Enqueues the reverse sweep (implicit-function theorem per step, time backwards):
    /// `reverse().parameterGradient` and `.initialStateGradient` become the gradient of the loss
    /// whose adjoint is in `.runoffAdjoint` (and `.finalStateAdjoint`).
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
                .buffer(buffers.parameterGradient), .buffer(buffers.initialStateGradient),
                .float(tolerance), .uint(maxIterations), .uint(polishingSteps)]))
        }
        return RunoffLaunches(events: events)
    }

    /// Unit-steps of the last forward run whose Newton iteration stopped at the cap.
    public func nonConvergedSteps() throws(OpenCLRunoffError) -> Int {
        try onDevice { () throws(OpenCLError) in try nonConverged.download() }.reduce(0) { $0 + Int($1) }
    }

    /// Reduces the per-unit water balance of the last forward run on the device.
    public func audit() throws(OpenCLRunoffError) -> WaterBalanceAudit {
        let local = SequentialRunoffSolver.reductionWidth(data.device.info.maxWorkGroupSize)
        let s = try onDevice { () throws(OpenCLError) in
            try kernels.balanceReduce.launch(global: [local], local: [local], arguments: [
                .uint(data.units), .buffer(balance), .buffer(summary), .local(bytes: 7 * local * MemoryLayout<Float>.stride)])
            return try summary.download()
        }
        return WaterBalanceAudit(maxAbsoluteError: Double(s[5]), maxRelativeError: Double(s[6]),
                                 totalPrecipitation: Double(s[0]), totalEvapotranspiration: Double(s[1]),
                                 totalRunoff: Double(s[2]), storageChange: Double(s[3]), numericalInflow: Double(s[4]))
    }
}
