import DeviceTensor

// The arguments of kernels/mlp.cl, one struct per kernel: properties in the kernel signature's
// order and named after its parameters (KernelArgumentsTests compares them).

/// `mlp_forward`: one work-item per cell, the whole network.
struct MLPForward<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "mlp_forward" }
    var cells: UInt32
    var layers: UInt32
    var sizes: DeviceBuffer<UInt32>
    var weights: DeviceBuffer<Real>
    var inputs: DeviceBuffer<Real>
    var outputs: DeviceBuffer<Real>
    var activation: Int32
    var slope: Real

    var arguments: [KernelArgument] {
        [.uint32(cells), .uint32(layers), .buffer(sizes), .buffer(weights), .buffer(inputs), .buffer(outputs),
         .int32(activation), .real(slope)]
    }
}

/// `mlp_backward_partial`: per work-group partial sums of dL/d(weights) (first reduction stage).
struct MLPBackwardPartial<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "mlp_backward_partial" }
    var cells: UInt32
    var layers: UInt32
    var sizes: DeviceBuffer<UInt32>
    var totalUnits: UInt32
    var weightCount: UInt32
    var weights: DeviceBuffer<Real>
    var inputs: DeviceBuffer<Real>
    var outputGradient: DeviceBuffer<Real>
    var partials: DeviceBuffer<Real>
    var inputGradient: DeviceBuffer<Real>
    var writeInputGradient: Int32
    var activation: Int32
    var slope: Real
    var scratch: LocalMemory

    var arguments: [KernelArgument] {
        [.uint32(cells), .uint32(layers), .buffer(sizes), .uint32(totalUnits), .uint32(weightCount),
         .buffer(weights), .buffer(inputs), .buffer(outputGradient), .buffer(partials),
         .buffer(inputGradient), .int32(writeInputGradient), .int32(activation), .real(slope), .local(bytes: scratch.bytes)]
    }
}

/// `mlp_sum_partials`: the groups' partials summed in a fixed order (second stage).
struct MLPSumPartials<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "mlp_sum_partials" }
    var groups: UInt32
    var weightCount: UInt32
    var partials: DeviceBuffer<Real>
    var gradient: DeviceBuffer<Real>

    var arguments: [KernelArgument] { [.uint32(groups), .uint32(weightCount), .buffer(partials), .buffer(gradient)] }
}
