import DeviceTensor

// The arguments of the runoff kernels (kernels/hbv_sequential.cl, hbv_implicit.cl and the
// runoff_outputs.h both include), one struct per kernel: properties in the kernel signature's
// order and named after its parameters (KernelArgumentsSignatureTests compares them). The
// programs are built without HYDRO_FP64, so every `real` is a `Float`.
//
// Each struct lists the 15 leading parameters its kernel shares with the others itself, rather
// than holding them in a nested struct, so that the signature test sees every parameter; the
// solvers build those 15 once, as a `RunoffProblemArguments`, and pass it to the `init(_:...)`
// of the extensions below.

/// `hbv_sequential_forward`: the sequential model over steps `[stepBegin, stepEnd)`.
struct HBVSequentialForward: KernelArguments {
    static var kernelName: String { "hbv_sequential_forward" }
    var units: UInt32
    var cells: UInt32
    var nmul: UInt32
    var steps: UInt32
    var stepBegin: UInt32
    var stepEnd: UInt32
    var dt: Float
    var nearZero: Float
    var options: Int32
    var precip: DeviceBuffer<Float>
    var temp: DeviceBuffer<Float>
    var pet: DeviceBuffer<Float>
    var paramValues: DeviceBuffer<Float>
    var paramOffset: DeviceBuffer<Int32>
    var slotOfStep: DeviceBuffer<Int32>
    var initialStates: DeviceBuffer<Float>
    var finalStates: DeviceBuffer<Float>
    var runoff: DeviceBuffer<Float>
    var checkpoints: DeviceBuffer<Float>
    var checkpointInterval: UInt32
    var balance: DeviceBuffer<Float>

    var arguments: [KernelArgument] {
        [.uint32(units), .uint32(cells), .uint32(nmul), .uint32(steps), .uint32(stepBegin), .uint32(stepEnd),
         .float(dt), .float(nearZero), .int32(options),
         .buffer(precip), .buffer(temp), .buffer(pet), .buffer(paramValues), .buffer(paramOffset), .buffer(slotOfStep),
         .buffer(initialStates), .buffer(finalStates), .buffer(runoff), .buffer(checkpoints), .uint32(checkpointInterval),
         .buffer(balance)]
    }
}

/// `hbv_sequential_adjoint`: the reverse sweep of the sequential model over the recorded window.
struct HBVSequentialAdjoint: KernelArguments {
    static var kernelName: String { "hbv_sequential_adjoint" }
    var units: UInt32
    var cells: UInt32
    var nmul: UInt32
    var steps: UInt32
    var stepBegin: UInt32
    var stepEnd: UInt32
    var dt: Float
    var nearZero: Float
    var options: Int32
    var precip: DeviceBuffer<Float>
    var temp: DeviceBuffer<Float>
    var pet: DeviceBuffer<Float>
    var paramValues: DeviceBuffer<Float>
    var paramOffset: DeviceBuffer<Int32>
    var slotOfStep: DeviceBuffer<Int32>
    var runoffAdjoint: DeviceBuffer<Float>
    var finalStateAdjoint: DeviceBuffer<Float>
    var checkpoints: DeviceBuffer<Float>
    var checkpointInterval: UInt32
    var scratch: DeviceBuffer<Float>
    var paramGradient: DeviceBuffer<Float>
    var initialStateAdjoint: DeviceBuffer<Float>
    /// The storages at the window's start, for those the step records leave out (`StateLayout`).
    var initialStates: DeviceBuffer<Float>

    var arguments: [KernelArgument] {
        [.uint32(units), .uint32(cells), .uint32(nmul), .uint32(steps), .uint32(stepBegin), .uint32(stepEnd),
         .float(dt), .float(nearZero), .int32(options),
         .buffer(precip), .buffer(temp), .buffer(pet), .buffer(paramValues), .buffer(paramOffset), .buffer(slotOfStep),
         .buffer(runoffAdjoint), .buffer(finalStateAdjoint), .buffer(checkpoints), .uint32(checkpointInterval),
         .buffer(scratch), .buffer(paramGradient), .buffer(initialStateAdjoint), .buffer(initialStates)]
    }
}

/// `hbv_implicit_forward`: the sequential forward's parameters, then Newton's and its count of
/// non-converged steps.
struct HBVImplicitForward: KernelArguments {
    static var kernelName: String { "hbv_implicit_forward" }
    var units: UInt32
    var cells: UInt32
    var nmul: UInt32
    var steps: UInt32
    var stepBegin: UInt32
    var stepEnd: UInt32
    var dt: Float
    var nearZero: Float
    var options: Int32
    var precip: DeviceBuffer<Float>
    var temp: DeviceBuffer<Float>
    var pet: DeviceBuffer<Float>
    var paramValues: DeviceBuffer<Float>
    var paramOffset: DeviceBuffer<Int32>
    var slotOfStep: DeviceBuffer<Int32>
    var initialStates: DeviceBuffer<Float>
    var finalStates: DeviceBuffer<Float>
    var runoff: DeviceBuffer<Float>
    var checkpoints: DeviceBuffer<Float>
    var checkpointInterval: UInt32
    var balance: DeviceBuffer<Float>
    var tolerance: Float
    var maxIterations: UInt32
    var polishingSteps: UInt32
    var nonconverged: DeviceBuffer<UInt32>

    var arguments: [KernelArgument] {
        [.uint32(units), .uint32(cells), .uint32(nmul), .uint32(steps), .uint32(stepBegin), .uint32(stepEnd),
         .float(dt), .float(nearZero), .int32(options),
         .buffer(precip), .buffer(temp), .buffer(pet), .buffer(paramValues), .buffer(paramOffset), .buffer(slotOfStep),
         .buffer(initialStates), .buffer(finalStates), .buffer(runoff), .buffer(checkpoints), .uint32(checkpointInterval),
         .buffer(balance), .float(tolerance), .uint32(maxIterations), .uint32(polishingSteps), .buffer(nonconverged)]
    }
}

/// `hbv_implicit_adjoint`: the sequential adjoint's parameters, then Newton's (the sweep
/// recomputes segments from checkpoints exactly as the forward solved them).
struct HBVImplicitAdjoint: KernelArguments {
    static var kernelName: String { "hbv_implicit_adjoint" }
    var units: UInt32
    var cells: UInt32
    var nmul: UInt32
    var steps: UInt32
    var stepBegin: UInt32
    var stepEnd: UInt32
    var dt: Float
    var nearZero: Float
    var options: Int32
    var precip: DeviceBuffer<Float>
    var temp: DeviceBuffer<Float>
    var pet: DeviceBuffer<Float>
    var paramValues: DeviceBuffer<Float>
    var paramOffset: DeviceBuffer<Int32>
    var slotOfStep: DeviceBuffer<Int32>
    var runoffAdjoint: DeviceBuffer<Float>
    var finalStateAdjoint: DeviceBuffer<Float>
    var checkpoints: DeviceBuffer<Float>
    var checkpointInterval: UInt32
    var scratch: DeviceBuffer<Float>
    var paramGradient: DeviceBuffer<Float>
    var initialStateAdjoint: DeviceBuffer<Float>
    var tolerance: Float
    var maxIterations: UInt32
    var polishingSteps: UInt32

    var arguments: [KernelArgument] {
        [.uint32(units), .uint32(cells), .uint32(nmul), .uint32(steps), .uint32(stepBegin), .uint32(stepEnd),
         .float(dt), .float(nearZero), .int32(options),
         .buffer(precip), .buffer(temp), .buffer(pet), .buffer(paramValues), .buffer(paramOffset), .buffer(slotOfStep),
         .buffer(runoffAdjoint), .buffer(finalStateAdjoint), .buffer(checkpoints), .uint32(checkpointInterval),
         .buffer(scratch), .buffer(paramGradient), .buffer(initialStateAdjoint),
         .float(tolerance), .uint32(maxIterations), .uint32(polishingSteps)]
    }
}

/// `runoff_component_mean`: unit runoff averaged over each cell's `nmul` components.
struct RunoffComponentMean: KernelArguments {
    static var kernelName: String { "runoff_component_mean" }
    var values: UInt32
    var nmul: UInt32
    var unitRunoff: DeviceBuffer<Float>
    var cellRunoff: DeviceBuffer<Float>

    var arguments: [KernelArgument] { [.uint32(values), .uint32(nmul), .buffer(unitRunoff), .buffer(cellRunoff)] }
}

/// `runoff_balance_reduce`: the per-unit water balance reduced to eight scalars by one work-group.
struct RunoffBalanceReduce: KernelArguments {
    static var kernelName: String { "runoff_balance_reduce" }
    var units: UInt32
    var balance: DeviceBuffer<Float>
    var summary: DeviceBuffer<Float>
    /// Eight reals per work-item of the group.
    var scratch: LocalMemory

    var arguments: [KernelArgument] { [.uint32(units), .buffer(balance), .buffer(summary), .local(bytes: scratch.bytes)] }
}

/// Parameters 0-14 of every forward and adjoint kernel of both programs (kernels/hbv_sequential.cl's
/// table): the problem and the window, the same for a forward run and its reverse sweep.
/// Not a launch description itself; the kernels' structs take it in their `init(_:...)`.
struct RunoffProblemArguments {
    var units: UInt32
    var cells: UInt32
    var nmul: UInt32
    var steps: UInt32
    var stepBegin: UInt32
    var stepEnd: UInt32
    var dt: Float
    var nearZero: Float
    /// Bit 0: the ET factor has its exponent; bit `HBV_ACTIVE_<process>`: the process is applied.
    var options: Int32
    var precip: DeviceBuffer<Float>
    var temp: DeviceBuffer<Float>
    var pet: DeviceBuffer<Float>
    var paramValues: DeviceBuffer<Float>
    var paramOffset: DeviceBuffer<Int32>
    var slotOfStep: DeviceBuffer<Int32>
}

extension HBVSequentialForward {
    init(_ p: RunoffProblemArguments, initialStates: DeviceBuffer<Float>, finalStates: DeviceBuffer<Float>, runoff: DeviceBuffer<Float>,
         checkpoints: DeviceBuffer<Float>, checkpointInterval: UInt32, balance: DeviceBuffer<Float>) {
        self.init(units: p.units, cells: p.cells, nmul: p.nmul, steps: p.steps, stepBegin: p.stepBegin, stepEnd: p.stepEnd,
                  dt: p.dt, nearZero: p.nearZero, options: p.options, precip: p.precip, temp: p.temp, pet: p.pet,
                  paramValues: p.paramValues, paramOffset: p.paramOffset, slotOfStep: p.slotOfStep,
                  initialStates: initialStates, finalStates: finalStates, runoff: runoff, checkpoints: checkpoints,
                  checkpointInterval: checkpointInterval, balance: balance)
    }
}

extension HBVSequentialAdjoint {
    init(_ p: RunoffProblemArguments, runoffAdjoint: DeviceBuffer<Float>, finalStateAdjoint: DeviceBuffer<Float>,
         checkpoints: DeviceBuffer<Float>, checkpointInterval: UInt32, scratch: DeviceBuffer<Float>,
         paramGradient: DeviceBuffer<Float>, initialStateAdjoint: DeviceBuffer<Float>, initialStates: DeviceBuffer<Float>) {
        self.init(units: p.units, cells: p.cells, nmul: p.nmul, steps: p.steps, stepBegin: p.stepBegin, stepEnd: p.stepEnd,
                  dt: p.dt, nearZero: p.nearZero, options: p.options, precip: p.precip, temp: p.temp, pet: p.pet,
                  paramValues: p.paramValues, paramOffset: p.paramOffset, slotOfStep: p.slotOfStep,
                  runoffAdjoint: runoffAdjoint, finalStateAdjoint: finalStateAdjoint, checkpoints: checkpoints,
                  checkpointInterval: checkpointInterval, scratch: scratch, paramGradient: paramGradient,
                  initialStateAdjoint: initialStateAdjoint, initialStates: initialStates)
    }
}

extension HBVImplicitForward {
    init(_ p: RunoffProblemArguments, initialStates: DeviceBuffer<Float>, finalStates: DeviceBuffer<Float>, runoff: DeviceBuffer<Float>,
         checkpoints: DeviceBuffer<Float>, checkpointInterval: UInt32, balance: DeviceBuffer<Float>,
         tolerance: Float, maxIterations: UInt32, polishingSteps: UInt32, nonconverged: DeviceBuffer<UInt32>) {
        self.init(units: p.units, cells: p.cells, nmul: p.nmul, steps: p.steps, stepBegin: p.stepBegin, stepEnd: p.stepEnd,
                  dt: p.dt, nearZero: p.nearZero, options: p.options, precip: p.precip, temp: p.temp, pet: p.pet,
                  paramValues: p.paramValues, paramOffset: p.paramOffset, slotOfStep: p.slotOfStep,
                  initialStates: initialStates, finalStates: finalStates, runoff: runoff, checkpoints: checkpoints,
                  checkpointInterval: checkpointInterval, balance: balance,
                  tolerance: tolerance, maxIterations: maxIterations, polishingSteps: polishingSteps, nonconverged: nonconverged)
    }
}

extension HBVImplicitAdjoint {
    init(_ p: RunoffProblemArguments, runoffAdjoint: DeviceBuffer<Float>, finalStateAdjoint: DeviceBuffer<Float>,
         checkpoints: DeviceBuffer<Float>, checkpointInterval: UInt32, scratch: DeviceBuffer<Float>,
         paramGradient: DeviceBuffer<Float>, initialStateAdjoint: DeviceBuffer<Float>,
         tolerance: Float, maxIterations: UInt32, polishingSteps: UInt32) {
        self.init(units: p.units, cells: p.cells, nmul: p.nmul, steps: p.steps, stepBegin: p.stepBegin, stepEnd: p.stepEnd,
                  dt: p.dt, nearZero: p.nearZero, options: p.options, precip: p.precip, temp: p.temp, pet: p.pet,
                  paramValues: p.paramValues, paramOffset: p.paramOffset, slotOfStep: p.slotOfStep,
                  runoffAdjoint: runoffAdjoint, finalStateAdjoint: finalStateAdjoint, checkpoints: checkpoints,
                  checkpointInterval: checkpointInterval, scratch: scratch, paramGradient: paramGradient,
                  initialStateAdjoint: initialStateAdjoint,
                  tolerance: tolerance, maxIterations: maxIterations, polishingSteps: polishingSteps)
    }
}
