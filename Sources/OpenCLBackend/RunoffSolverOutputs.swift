import DeviceTensor
import HydroModel

/// What the sequential and implicit device solvers share: their output buffers, the
/// reverse-sweep buffers, the leading kernel arguments (0-14 of both programs' forward and
/// adjoint kernels), and the launches of the output kernels of runoff_outputs.h.
final class RunoffSolverOutputs {
    let data: RunoffDeviceData
    let kernels: RunoffKernels
    let plan: CheckpointPlan
    /// Values per unit in one step record of this solver's kernels.
    let recordValues: Int
    /// The kernels' `options` word for this problem (`options(_:)`).
    let options: Int32
    let finalStates: DeviceBuffer<Float>
    let unitRunoff: DeviceBuffer<Float>
    let cellRunoff: DeviceBuffer<Float>
    let balance: DeviceBuffer<Float>
    /// Seven scalars of the audit; also bound as the (never written) checkpoint buffer of a
    /// forward run that does not record.
    let summary: DeviceBuffer<Float>
    private var reverseBuffers: SequentialRunoffSolver.ReverseSweepBuffers?

    init(data: RunoffDeviceData, solver: HBVSolver, vectorWidth: Int, memoryBudgetBytes: Int, checkpointInterval: Int?,
         recordValues: Int) throws(OpenCLRunoffError) {
        guard data.configuration.solver == solver else {
            throw .invalidProblem("the \(solver.rawValue) device solver cannot run a problem that asks for the \(data.configuration.solver.rawValue) solver")
        }
        self.data = data
        self.recordValues = recordValues
        let options = Self.options(ActiveProcesses(given: data.givenParameters, limitsIceMelt: data.configuration.limitsIceMelt))
        self.options = options
        // The sequential program is built for the problem; the implicit one (not vectorised,
        // unchanged by the glacier's cost, BENCHMARKS.md) only for its state layout (record rows,
        // Newton's solved block), and serves every problem of that layout.
        let layout = data.stateLayout
        let specialisation = solver == .sequential
            ? RunoffKernels.specialisationDefines(options: options, given: data.givenParameters, layout: layout)
            : layout.openCLDefine
        kernels = try RunoffKernels(solver: solver, device: data.device, vectorWidth: vectorWidth, specialisation: specialisation)
        if let checkpointInterval {
            plan = CheckpointPlan(interval: checkpointInterval, steps: data.steps, units: data.units, recordValues: recordValues)
        } else {
            plan = try CheckpointPlan.choose(steps: data.steps, units: data.units, budgetBytes: memoryBudgetBytes, recordValues: recordValues)
        }
        let device = data.device, units = data.units, cells = data.cells, steps = data.steps
        let nmul = data.components
        (finalStates, unitRunoff, cellRunoff, balance, summary) = try onDevice { () throws(OpenCLError) in
            let unitRunoff = try DeviceBuffer<Float>(device: device, shape: [steps, units])
            return (try DeviceBuffer<Float>(device: device, shape: [HBVStorage.count, units]),
                    unitRunoff,
                    nmul == 1 ? unitRunoff : try DeviceBuffer<Float>(device: device, shape: [steps, cells]),
                    // The seven balance totals (P, ET, Q, storage change, numerical inflow,
                    // groundwater exchange, ice melt) per unit.
                    try DeviceBuffer<Float>(device: device, shape: [7, units]),
                    try DeviceBuffer<Float>(device: device, shape: [9]))
        }
    }

    var workItems: Int { (data.units + kernels.vectorWidth - 1) / kernels.vectorWidth }

    /// Work-group size of the forward and adjoint kernels: `cpuWorkGroup` on CPUs, the
    /// driver's choice elsewhere. PoCL otherwise takes the largest divisor of the global size up
    /// to 4096 and keeps every work-item's private arrays of one work-group on a worker thread's
    /// stack: Moselle's 2910 work-items (46,545 units, width 16) made one group and the adjoint
    /// wrote past that stack (SIGSEGV). Work-items are independent, so results do not change.
    var workGroup: [Int]? { data.device.info.kind == .cpu ? [Self.cpuWorkGroup] : nil }

    /// Work-items per work-group on CPUs: enough to amortise a group's start on PoCL, few
    /// enough that its private arrays stay small.
    static let cpuWorkGroup = 16

    /// The reverse-sweep buffers, allocated on first use.
    func reverse() throws(OpenCLRunoffError) -> SequentialRunoffSolver.ReverseSweepBuffers {
        if let reverseBuffers { return reverseBuffers }
        let device = data.device, units = data.units, data = data, plan = plan, recordValues = recordValues
        let made = try onDevice { () throws(OpenCLError) in
            let runoffAdjoint = try DeviceBuffer<Float>(device: device, shape: [data.steps, data.cells])
            try runoffAdjoint.fill(0)
            let finalStateAdjoint = try DeviceBuffer<Float>(device: device, shape: [HBVStorage.count, units])
            try finalStateAdjoint.fill(0)
            return SequentialRunoffSolver.ReverseSweepBuffers(
                runoffAdjoint: runoffAdjoint,
                finalStateAdjoint: finalStateAdjoint,
                parameterGradient: try DeviceBuffer<Float>(device: device, shape: [data.parameterValues.count]),
                initialStateGradient: try DeviceBuffer<Float>(device: device, shape: [HBVStorage.count, units]),
                checkpoints: try DeviceBuffer<Float>(device: device, shape: [plan.checkpoints, recordValues, units]),
                scratch: try DeviceBuffer<Float>(device: device, shape: [max(plan.scratchRows, 1) * recordValues * units]))
        }
        reverseBuffers = made
        return made
    }

    /// Parameters 0-14 of every forward and adjoint kernel (kernels/hbv_sequential.cl's table) for `window`.
    func problemArguments(_ window: Range<Int>) -> RunoffProblemArguments {
        RunoffProblemArguments(
            units: UInt32(data.units), cells: UInt32(data.cells), nmul: UInt32(data.components), steps: UInt32(data.steps),
            stepBegin: UInt32(window.lowerBound), stepEnd: UInt32(window.upperBound),
            dt: Float(data.configuration.stepDays), nearZero: Float(data.configuration.nearZero),
            options: options,
            precip: data.precipitation, temp: data.temperature, pet: data.pet,
            paramValues: data.parameterValues, paramOffset: data.parameterOffsets, slotOfStep: data.slotOfStep)
    }

    /// The kernels' `options` word: bit 0 the ET exponent, then the active processes
    /// (HBV_ACTIVE_<process>), all switched by presence (`ActiveProcesses(given:)`), and bit 30
    /// (HBV_OPTION_ICE_LIMITED, kernels/hbv_model.h) the ice store's limit on the ice melt.
    static func options(_ active: ActiveProcesses) -> Int32 {
        (active.etExponent ? 1 : 0) | Int32(active.mask << 1) | (active.limitsIceMelt ? 1 << 30 : 0)
    }

    /// The checkpoint buffer and interval a forward run binds (interval 0: records nothing).
    func checkpointBinding(recordForAdjoint: Bool) throws(OpenCLRunoffError) -> (buffer: DeviceBuffer<Float>, interval: Int) {
        recordForAdjoint ? (try reverse().checkpoints, plan.interval) : (summary, 0)
    }

    /// Averages unit runoff over components into `cellRunoff` (nothing to do with one component).
    func launchComponentMean() throws(OpenCLError) -> DeviceEvent? {
        guard data.components > 1 else { return nil }
        let values = data.steps * data.cells
        return try kernels.componentMean.launch(global: [values], RunoffComponentMean(
            values: UInt32(values), nmul: UInt32(data.components), unitRunoff: unitRunoff, cellRunoff: cellRunoff))
    }

    /// Reduces the per-unit water balance of the last forward run on the device (nine
    /// scalars cross to the host).
    func audit() throws(OpenCLRunoffError) -> WaterBalanceAudit {
        let local = Self.reductionWidth(data.device.info.maxWorkGroupSize)
        let (kernels, data, balance, summary) = (kernels, data, balance, summary)
        let s = try onDevice { () throws(OpenCLError) in
            try kernels.balanceReduce.launch(global: [local], local: [local], RunoffBalanceReduce(
                units: UInt32(data.units), balance: balance, summary: summary,
                scratch: LocalMemory(bytes: 9 * local * MemoryLayout<Float>.stride)))
            return try summary.download()
        }
        return WaterBalanceAudit(maxAbsoluteError: Double(s[5]), maxRelativeError: Double(s[6]),
                                 totalPrecipitation: Double(s[0]), totalEvapotranspiration: Double(s[1]),
                                 totalRunoff: Double(s[2]), storageChange: Double(s[3]), numericalInflow: Double(s[4]),
                                 exchange: Double(s[7]), iceMelt: Double(s[8]))
    }

    /// The largest power of two <= min(256, the device's work-group limit).
    static func reductionWidth(_ maxWorkGroup: Int) -> Int {
        var width = 1
        while width * 2 <= min(256, max(maxWorkGroup, 1)) { width *= 2 }
        return width
    }
}
