import COpenCL

/// One argument of a kernel launch.
public enum KernelArgument {
    case buffer(any AnyDeviceBuffer)
    case float(Float)
    case double(Double)
    case int32(Int32)
    case uint32(UInt32)
    /// Work-group local memory of this many bytes.
    case local(bytes: Int)

    /// A `uint` argument from a Swift `Int` (OpenCL `uint` is 4 bytes; a Swift `Int` is 8).
    public static func uint(_ value: Int) -> KernelArgument { .uint32(UInt32(value)) }
}

/// A kernel function ready to launch.
///
/// `clSetKernelArg` does not retain memory objects, and Swift may end an object's lifetime
/// after its last use, so the kernel keeps every buffer bound to it alive until rebound.
/// Not `Sendable`: setting arguments is not thread-safe.
public final class DeviceKernel {
    public let program: DeviceProgram
    public let name: String
    let handle: cl_kernel
    private var boundBuffers: [Int: any AnyDeviceBuffer] = [:]

    init(program: DeviceProgram, handle: cl_kernel, name: String) {
        self.program = program
        self.handle = handle
        self.name = name
    }

    deinit { clReleaseKernel(handle) }

    /// Binds `argument` at position `index`.
    public func set(_ index: Int, _ argument: KernelArgument) throws(OpenCLError) {
        let i = cl_uint(index)
        let status: cl_int
        switch argument {
        case .buffer(let buffer):
            var mem: cl_mem? = buffer.handle
            status = clSetKernelArg(handle, i, MemoryLayout<cl_mem>.size, &mem)
            if status == CL_SUCCESS { boundBuffers[index] = buffer }
        case .float(var v): status = clSetKernelArg(handle, i, 4, &v)
        case .double(var v): status = clSetKernelArg(handle, i, 8, &v)
        case .int32(var v): status = clSetKernelArg(handle, i, 4, &v)
        case .uint32(var v): status = clSetKernelArg(handle, i, 4, &v)
        case .local(let bytes): status = clSetKernelArg(handle, i, bytes, nil)
        }
        try OpenCLError.check(status, "clSetKernelArg", detail: "\(name) argument \(index)")
    }

    /// Binds `arguments` in order from position 0.
    public func set(_ arguments: [KernelArgument]) throws(OpenCLError) {
        for (index, argument) in arguments.enumerated() { try set(index, argument) }
    }

    /// Enqueues the kernel over `global` work-items (1 to 3 dimensions). With a `local`
    /// size, each global dimension is rounded up to a multiple of it (OpenCL 1.2 demands it),
    /// so kernels bounds-check their ids.
    @discardableResult
    public func launch(global: [Int], local: [Int]? = nil, arguments: [KernelArgument]? = nil) throws(OpenCLError) -> DeviceEvent {
        if let arguments { try set(arguments) }
        guard (1...3).contains(global.count), local == nil || local!.count == global.count,
              global.allSatisfy({ $0 > 0 }) else {
            throw OpenCLError(call: "clEnqueueNDRangeKernel", status: CL_INVALID_WORK_DIMENSION, detail: "\(name): global \(global), local \(local.map { "\($0)" } ?? "nil")")
        }
        var globalSizes = global
        if let local {
            for d in global.indices { globalSizes[d] = (global[d] + local[d] - 1) / local[d] * local[d] }
        }
        var event: cl_event?
        let status: cl_int
        if var localSizes = local {
            status = clEnqueueNDRangeKernel(program.device.queue, handle, cl_uint(global.count), nil, &globalSizes, &localSizes, 0, nil, &event)
        } else {
            status = clEnqueueNDRangeKernel(program.device.queue, handle, cl_uint(global.count), nil, &globalSizes, nil, 0, nil, &event)
        }
        try OpenCLError.check(status, "clEnqueueNDRangeKernel", detail: "\(name) over \(globalSizes)")
        return DeviceEvent(handle: event!, label: name)
    }
}
