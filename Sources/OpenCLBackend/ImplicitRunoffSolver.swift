import DeviceTensor
import HydroModel

/// The implicit HBV model (backward Euler + Newton, MODEL.md 3.2) on an OpenCL device, resident
/// there across calls. Same buffers, layout and life cycle as `SequentialRunoffSolver`; in
/// addition the forward run counts, per unit, the steps whose Newton iteration did not reach
/// `tolerance` (`nonConverged`, summed by `nonConvergedSteps()`).
///
/// On a CPU (PoCL) a work-item runs its `vectorWidth` units one after the other: Newton's
/// iteration count differs per unit, so the implicit kernels are not vectorised across lanes.
public final class ImplicitRunoffSolver {
    private let outputs: RunoffSolverOutputs
    private var recorded = false
    /// Newton tolerance |F|_inf (mm) and iteration cap.
    public let tolerance: Float
    public let maxIterations: Int
    /// Newton steps after convergence, kept only if |F| does not rise (`ImplicitHBVNewton`).
    public let polishingSteps: Int
    /// Per-unit count of non-converged steps of the last forward run, `[units]`.
    public let nonConverged: DeviceBuffer<UInt32>

    public var data: RunoffDeviceData { outputs.data }
    public var vectorWidth: Int { outputs.kernels.vectorWidth }
    /// How the reverse sweep gets its storages (whole record).
    public var plan: CheckpointPlan { outputs.plan }
    /// Storages at the end of the run, `[storages][units]`.
    public var finalStates: DeviceBuffer<Float> { outputs.finalStates }
    /// Runoff per unit, `[steps][units]` (mm per step).
    public var unitRunoff: DeviceBuffer<Float> { outputs.unitRunoff }
    /// Runoff per cell (mean over components), `[steps][cells]`.
    public var cellRunoff: DeviceBuffer<Float> { outputs.cellRunoff }
    /// Per-unit totals of P, ET, Q, storage change and numerical inflow (0 here), `[storages][units]`.
    public var balance: DeviceBuffer<Float> { outputs.balance }

    /// Values per unit in a step record (kernels/hbv_implicit.cl): the storages of the state layout.
    public static func recordValues(_ layout: StateLayout) -> Int { layout.count }

    /// - Parameters:
    ///   - tolerance: Newton's |F|_inf in mm (MODEL.md 3.2: 1e-4 in Float).
    ///   - maxIterations: Newton steps per unit-step before it counts as non-converged.
    ///   - polishingSteps: full Newton steps after convergence (1 makes Float gradients of
    ///     nearly empty stores accurate; see docs/IMPLICIT-SOLVER.md 4).
    ///   - vectorWidth, memoryBudgetBytes, checkpointInterval: as for `SequentialRunoffSolver`.
    public init(data: RunoffDeviceData, tolerance: Float = 1e-4, maxIterations: Int = 50, polishingSteps: Int = 1, vectorWidth: Int? = nil,
                memoryBudgetBytes: Int = 1 << 30, checkpointInterval: Int? = nil) throws(OpenCLRunoffError) {
        guard tolerance > 0, maxIterations >= 0, polishingSteps >= 0 else {
            throw .invalidProblem("Newton tolerance must be positive and the iteration cap non-negative (got \(tolerance), \(maxIterations))")
        }
        outputs = try RunoffSolverOutputs(data: data, solver: .implicit, vectorWidth: vectorWidth ?? RunoffVectorWidth.preferred(for: data.device.info),
                                          memoryBudgetBytes: memoryBudgetBytes, checkpointInterval: checkpointInterval, recordValues: Self.recordValues(data.stateLayout))
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.polishingSteps = polishingSteps
        let device = data.device, units = data.units
        nonConverged = try onDevice { () throws(OpenCLError) in try DeviceBuffer<UInt32>(device: device, shape: [units]) }
    }

    /// The reverse-sweep buffers (the sequential solver's layout), allocating them on first use.
    public func reverse() throws(OpenCLRunoffError) -> SequentialRunoffSolver.ReverseSweepBuffers { try outputs.reverse() }

    /// Enqueues a forward run over the whole record; with `recordForAdjoint` it also keeps
    /// the checkpoints `adjoint()` needs.
    @discardableResult
    public func forward(recordForAdjoint: Bool) throws(OpenCLRunoffError) -> RunoffLaunches {
        let checkpoints = try outputs.checkpointBinding(recordForAdjoint: recordForAdjoint)
        let launch = HBVImplicitForward(
            outputs.problemArguments(0..<data.steps), initialStates: data.initialStates, finalStates: outputs.finalStates,
            runoff: outputs.unitRunoff, checkpoints: checkpoints.buffer, checkpointInterval: UInt32(checkpoints.interval),
            balance: outputs.balance, tolerance: tolerance, maxIterations: UInt32(maxIterations),
            polishingSteps: UInt32(polishingSteps), nonconverged: nonConverged)
        let outputs = outputs
        var events: [DeviceEvent] = []
        try onDevice { () throws(OpenCLError) in
            events.append(try outputs.kernels.forward.launch(global: [outputs.workItems], local: outputs.workGroup, launch))
            if let mean = try outputs.launchComponentMean() { events.append(mean) }
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
        let launch = HBVImplicitAdjoint(
            outputs.problemArguments(0..<data.steps), runoffAdjoint: buffers.runoffAdjoint, finalStateAdjoint: buffers.finalStateAdjoint,
            checkpoints: buffers.checkpoints, checkpointInterval: UInt32(outputs.plan.interval), scratch: buffers.scratch,
            paramGradient: buffers.parameterGradient, initialStateAdjoint: buffers.initialStateGradient,
            tolerance: tolerance, maxIterations: UInt32(maxIterations), polishingSteps: UInt32(polishingSteps))
        let outputs = outputs
        var events: [DeviceEvent] = []
        try onDevice { () throws(OpenCLError) in
            try buffers.parameterGradient.fill(0)
            events.append(try outputs.kernels.adjoint.launch(global: [outputs.workItems], local: outputs.workGroup, launch))
        }
        return RunoffLaunches(events: events)
    }

    /// Unit-steps of the last forward run whose Newton iteration stopped at the cap.
    public func nonConvergedSteps() throws(OpenCLRunoffError) -> Int {
        let nonConverged = nonConverged
        return try onDevice { () throws(OpenCLError) in try nonConverged.download() }.reduce(0) { $0 + Int($1) }
    }

    /// Reduces the per-unit water balance of the last forward run on the device.
    public func audit() throws(OpenCLRunoffError) -> WaterBalanceAudit { try outputs.audit() }
}
