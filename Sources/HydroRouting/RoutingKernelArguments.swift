import DeviceTensor

// The arguments of kernels/routing.cl, one struct per kernel: properties in the kernel
// signature's order and named after its parameters (KernelArgumentsTests compares them).

/// `route_forward_level`: one topological level `[first, first + count)` of the forward routing.
struct RouteForwardLevel<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "route_forward_level" }
    var first: UInt32
    var count: UInt32
    var cells: UInt32
    var steps: UInt32
    var dt: Real
    var order: DeviceBuffer<Int32>
    var donorOffsets: DeviceBuffer<Int32>
    var donors: DeviceBuffer<Int32>
    var flowLength: DeviceBuffer<Real>
    var runoffToInflow: DeviceBuffer<Real>
    var velocity: DeviceBuffer<Real>
    var velocityStride: UInt32
    var initialStorage: DeviceBuffer<Real>
    var runoff: DeviceBuffer<Real>
    var discharge: DeviceBuffer<Real>
    var finalStorage: DeviceBuffer<Real>

    var arguments: [KernelArgument] {
        [.uint32(first), .uint32(count), .uint32(cells), .uint32(steps), .real(dt),
         .buffer(order), .buffer(donorOffsets), .buffer(donors), .buffer(flowLength), .buffer(runoffToInflow),
         .buffer(velocity), .uint32(velocityStride), .buffer(initialStorage), .buffer(runoff),
         .buffer(discharge), .buffer(finalStorage)]
    }
}

/// `route_adjoint_level`: one level of the reverse sweep.
struct RouteAdjointLevel<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "route_adjoint_level" }
    var first: UInt32
    var count: UInt32
    var cells: UInt32
    var steps: UInt32
    var dt: Real
    var order: DeviceBuffer<Int32>
    var downstream: DeviceBuffer<Int32>
    var flowLength: DeviceBuffer<Real>
    var velocity: DeviceBuffer<Real>
    var velocityStride: UInt32
    var discharge: DeviceBuffer<Real>
    var fieldSeed: DeviceBuffer<Real>
    var useField: UInt32
    var gaugeOfCell: DeviceBuffer<Int32>
    var gaugeSeed: DeviceBuffer<Real>
    var gauges: UInt32
    /// dL/d(inflow) out; scaled in place to dL/d(runoff) by `RouteScaleRunoffAdjoint`.
    var inflowAdjoint: DeviceBuffer<Real>
    var velocityAdjoint: DeviceBuffer<Real>
    var initialStorageAdjoint: DeviceBuffer<Real>

    var arguments: [KernelArgument] {
        [.uint32(first), .uint32(count), .uint32(cells), .uint32(steps), .real(dt),
         .buffer(order), .buffer(downstream), .buffer(flowLength), .buffer(velocity), .uint32(velocityStride),
         .buffer(discharge), .buffer(fieldSeed), .uint32(useField), .buffer(gaugeOfCell), .buffer(gaugeSeed), .uint32(gauges),
         .buffer(inflowAdjoint), .buffer(velocityAdjoint), .buffer(initialStorageAdjoint)]
    }
}

/// `route_scale_runoff_adjoint`: dL/d(inflow) -> dL/d(runoff mm), in place.
struct RouteScaleRunoffAdjoint<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "route_scale_runoff_adjoint" }
    var cells: UInt32
    var total: UInt32
    var runoffToInflow: DeviceBuffer<Real>
    var adjoint: DeviceBuffer<Real>

    var arguments: [KernelArgument] { [.uint32(cells), .uint32(total), .buffer(runoffToInflow), .buffer(adjoint)] }
}

/// `route_gather_cells`: a few cells' series out of a `[time][cell]` field.
struct RouteGatherCells<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "route_gather_cells" }
    var cells: UInt32
    var columns: UInt32
    var total: UInt32
    var columnCell: DeviceBuffer<Int32>
    var field: DeviceBuffer<Real>
    var gathered: DeviceBuffer<Real>

    var arguments: [KernelArgument] { [.uint32(cells), .uint32(columns), .uint32(total), .buffer(columnCell), .buffer(field), .buffer(gathered)] }
}

/// `route_sum`: one value, the sum of a buffer in index order.
struct RouteSum<Real: DeviceScalar & BinaryFloatingPoint>: KernelArguments {
    static var kernelName: String { "route_sum" }
    var count: UInt32
    var values: DeviceBuffer<Real>
    var sum: DeviceBuffer<Real>

    var arguments: [KernelArgument] { [.uint32(count), .buffer(values), .buffer(sum)] }
}
