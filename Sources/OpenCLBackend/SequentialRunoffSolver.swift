import DeviceTensor
import HydroModel

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
    private let outputs: RunoffSolverOutputs
    /// Whether the last forward run recorded for the adjoint, and over which window.
    private var recorded: Range<Int>?

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
    /// Per-unit totals of P, ET, Q, storage change and numerical inflow, `[storages][units]`.
    public var balance: DeviceBuffer<Float> { outputs.balance }

    /// Buffers of the reverse sweep, allocated on the first run that records for it.
    public struct ReverseSweepBuffers {
        /// dL/d(cell runoff) `[steps][cells]`: written by the caller before `adjoint()`.
        public let runoffAdjoint: DeviceBuffer<Float>
        /// dL/d(final storages) `[storages][units]`: zeros unless the caller writes it.
        public let finalStateAdjoint: DeviceBuffer<Float>
        /// dL/d(physical parameter values), laid out like `RunoffDeviceData.parameterValues`.
        public let parameterGradient: DeviceBuffer<Float>
        /// dL/d(initial storages) `[storages][units]`.
        public let initialStateGradient: DeviceBuffer<Float>
        let checkpoints: DeviceBuffer<Float>
        let scratch: DeviceBuffer<Float>
    }

    /// - Parameters:
    ///   - vectorWidth: units per work-item; default `RunoffVectorWidth.preferred(for:)`.
    ///   - memoryBudgetBytes: bytes the reverse sweep's step records (checkpoints + scratch) may take; chooses the
    ///     checkpoint interval (`CheckpointPlan.choose`).
    ///   - checkpointInterval: a fixed interval instead (tests, benchmarks).
    public init(data: RunoffDeviceData, vectorWidth: Int? = nil, memoryBudgetBytes: Int = 1 << 30,
                checkpointInterval: Int? = nil) throws(OpenCLRunoffError) {
        outputs = try RunoffSolverOutputs(data: data, solver: .sequential, vectorWidth: vectorWidth ?? RunoffVectorWidth.preferred(for: data.device.info),
                                          memoryBudgetBytes: memoryBudgetBytes, checkpointInterval: checkpointInterval,
                                          recordValues: Self.recordValues(data.stateLayout))
    }

    /// The storages the step records keep (`StateLayout`; the kernels are built for it).
    public var stateLayout: StateLayout { data.stateLayout }

    /// The reverse-sweep buffers, allocating them on first use.
    public func reverse() throws(OpenCLRunoffError) -> ReverseSweepBuffers { try outputs.reverse() }

    /// Values per unit in a step record (kernels/hbv_sequential.cl): the storages of the state
    /// layout at the step's start and the step's two power laws, which the adjoint then does not
    /// evaluate again.
    public static func recordValues(_ layout: StateLayout) -> Int { layout.count + 2 }

    /// Enqueues a forward run over the whole record from `data.initialStates`; with
    /// `recordForAdjoint` it also keeps the step records `adjoint()` needs.
    @discardableResult
    public func forward(recordForAdjoint: Bool) throws(OpenCLRunoffError) -> RunoffLaunches {
        try forward(window: 0..<data.steps, recordForAdjoint: recordForAdjoint)
    }

    /// Enqueues a forward run over `window` of the record from `data.initialStates` (with
    /// `recordForAdjoint`, `adjoint()` then runs over the same window). Runoff rows outside the
    /// window are left as they were; `finalStates` are the storages at the window's end and
    /// `audit()` covers the window.
    ///
    /// Warm-up (δHBV): run the warm-up window without recording, copy `finalStates` into
    /// `data.initialStates` on the device, then run the main window with recording.
    @discardableResult
    public func forward(window: Range<Int>, recordForAdjoint: Bool) throws(OpenCLRunoffError) -> RunoffLaunches {
        guard window.lowerBound >= 0, window.upperBound <= data.steps, !window.isEmpty else {
            throw .invalidProblem("window \(window) is not a non-empty part of the record's 0..<\(data.steps) steps")
        }
        let checkpoints = try outputs.checkpointBinding(recordForAdjoint: recordForAdjoint)
        let outputs = outputs
        var events: [DeviceEvent] = []
        try onDevice { () throws(OpenCLError) in
            events.append(try outputs.kernels.forward.launch(global: [outputs.workItems], local: outputs.workGroup, HBVSequentialForward(
                outputs.problemArguments(window), initialStates: outputs.data.initialStates, finalStates: outputs.finalStates,
                runoff: outputs.unitRunoff, checkpoints: checkpoints.buffer, checkpointInterval: UInt32(checkpoints.interval),
                balance: outputs.balance)))
            if let mean = try outputs.launchComponentMean() { events.append(mean) }
        }
        recorded = recordForAdjoint ? window : nil
        return RunoffLaunches(events: events)
    }

    /// Enqueues the reverse sweep over the last recorded window: `reverse().parameterGradient`
    /// and `.initialStateGradient` (storages at the window's start) become the gradient of the
    /// loss whose adjoint is in `.runoffAdjoint` (rows of the window) and `.finalStateAdjoint`.
    /// Needs a forward run with `recordForAdjoint` since the last change of the inputs.
    @discardableResult
    public func adjoint() throws(OpenCLRunoffError) -> RunoffLaunches {
        guard let window = recorded else { throw .adjointWithoutForward }
        let buffers = try reverse()
        let outputs = outputs
        var events: [DeviceEvent] = []
        try onDevice { () throws(OpenCLError) in
            try buffers.parameterGradient.fill(0)
            events.append(try outputs.kernels.adjoint.launch(global: [outputs.workItems], local: outputs.workGroup, HBVSequentialAdjoint(
                outputs.problemArguments(window), runoffAdjoint: buffers.runoffAdjoint, finalStateAdjoint: buffers.finalStateAdjoint,
                checkpoints: buffers.checkpoints, checkpointInterval: UInt32(outputs.plan.interval), scratch: buffers.scratch,
                paramGradient: buffers.parameterGradient, initialStateAdjoint: buffers.initialStateGradient,
                initialStates: outputs.data.initialStates)))
        }
        return RunoffLaunches(events: events)
    }

    /// Reduces the per-unit water balance of the last forward run on the device and returns
    /// the audit (seven scalars cross to the host).
    public func audit() throws(OpenCLRunoffError) -> WaterBalanceAudit { try outputs.audit() }
}
