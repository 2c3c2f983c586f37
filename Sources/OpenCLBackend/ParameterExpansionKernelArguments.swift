import DeviceTensor

// The arguments of kernels/parameter_expansion.cl, one struct per kernel: properties in the
// kernel signature's order and named after its parameters (KernelArgumentsSignatureTests
// compares them). The program is built without HYDRO_FP64, so every `real` is a `Float`.

/// `expand_parameter`: one free parameter's physical `[slots][units]` block from its raw values.
struct ExpandParameter: KernelArguments {
    static var kernelName: String { "expand_parameter" }
    var units: UInt32
    var components: UInt32
    var groups: UInt32
    var total: UInt32
    var groupOfCell: DeviceBuffer<Int32>
    var rawOffset: UInt32
    var raw: DeviceBuffer<Float>
    var lower: Float
    var span: Float
    var valueOffset: UInt32
    var values: DeviceBuffer<Float>

    var arguments: [KernelArgument] {
        [.uint32(units), .uint32(components), .uint32(groups), .uint32(total), .buffer(groupOfCell), .uint32(rawOffset),
         .buffer(raw), .float(lower), .float(span), .uint32(valueOffset), .buffer(values)]
    }
}

/// `pull_back_partial`: stage 1 of the pull-back, one sum per (slot, chunk of a group, component).
struct PullBackPartial: KernelArguments {
    static var kernelName: String { "pull_back_partial" }
    var units: UInt32
    var components: UInt32
    var chunks: UInt32
    var total: UInt32
    var chunkStart: DeviceBuffer<Int32>
    var members: DeviceBuffer<Int32>
    var valueOffset: UInt32
    var gradient: DeviceBuffer<Float>
    var partialOffset: UInt32
    var partials: DeviceBuffer<Float>

    var arguments: [KernelArgument] {
        [.uint32(units), .uint32(components), .uint32(chunks), .uint32(total), .buffer(chunkStart), .buffer(members),
         .uint32(valueOffset), .buffer(gradient), .uint32(partialOffset), .buffer(partials)]
    }
}

/// `pull_back_reduce`: stage 2, each free raw value's chunks added in order, times the sigmoid's slope.
struct PullBackReduce: KernelArguments {
    static var kernelName: String { "pull_back_reduce" }
    var components: UInt32
    var groups: UInt32
    var chunks: UInt32
    var total: UInt32
    var groupChunks: DeviceBuffer<Int32>
    var partialOffset: UInt32
    var partials: DeviceBuffer<Float>
    var rawOffset: UInt32
    var raw: DeviceBuffer<Float>
    var span: Float
    var rawGradient: DeviceBuffer<Float>

    var arguments: [KernelArgument] {
        [.uint32(components), .uint32(groups), .uint32(chunks), .uint32(total), .buffer(groupChunks), .uint32(partialOffset),
         .buffer(partials), .uint32(rawOffset), .buffer(raw), .float(span), .buffer(rawGradient)]
    }
}
