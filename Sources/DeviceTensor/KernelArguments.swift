import COpenCL

/// A kernel's arguments as one Swift value: one struct per kernel function, whose stored
/// properties are the kernel's parameters, named as in the OpenCL C signature and declared in
/// its order, each with the Swift type that matches its C type (`DeviceBuffer<Real>` for a
/// `__global real *`, `UInt32` for a `uint`, ...). The struct's `arguments` binds them in that
/// order, in one place; a call site builds the struct with labelled arguments, so a swapped,
/// missing or mistyped argument does not compile, where a positional `[KernelArgument]` list of
/// 20 entries would bind it silently to the wrong parameter.
public protocol KernelArguments {
    /// The `__kernel` function these arguments are for; `launch` refuses any other kernel.
    static var kernelName: String { get }
    /// The arguments in the kernel signature's order.
    var arguments: [KernelArgument] { get }
}

extension KernelArgument {
    /// A floating-point scalar as the kernel's `real` (`float`, or `double` with HYDRO_FP64).
    public static func real<R: BinaryFloatingPoint & DeviceScalar>(_ value: R) -> KernelArgument {
        R.self == Double.self ? .double(Double(value)) : .float(Float(value))
    }
}

extension DeviceKernel {
    /// How many parameters the kernel function declares (`CL_KERNEL_NUM_ARGS`).
    public func parameterCount() throws(OpenCLError) -> Int {
        var count: cl_uint = 0
        let status = clGetKernelInfo(handle, cl_kernel_info(CL_KERNEL_NUM_ARGS), MemoryLayout<cl_uint>.size, &count, nil)
        try OpenCLError.check(status, "clGetKernelInfo", detail: "\(name) CL_KERNEL_NUM_ARGS")
        return Int(count)
    }

    /// Binds a typed argument description (checking it is for this kernel and has as many
    /// arguments as the kernel has parameters) without launching.
    public func set<A: KernelArguments>(_ description: A) throws(OpenCLError) {
        let arguments = description.arguments
        guard A.kernelName == name else {
            throw OpenCLError(call: "clSetKernelArg", status: CL_INVALID_KERNEL, detail: "\(A.self) describes \(A.kernelName), not \(name)")
        }
        let expected = try parameterCount()
        guard arguments.count == expected else {
            throw OpenCLError(call: "clSetKernelArg", status: CL_INVALID_KERNEL_ARGS,
                              detail: "\(A.self) has \(arguments.count) arguments; \(name) declares \(expected) parameters")
        }
        try set(arguments)
    }

    /// Binds `description` and enqueues the kernel over `global` (see `launch(global:local:arguments:)`).
    @discardableResult
    public func launch<A: KernelArguments>(global: [Int], local: [Int]? = nil, _ description: A) throws(OpenCLError) -> DeviceEvent {
        try set(description)
        return try launch(global: global, local: local)
    }
}

/// A `__local` kernel parameter: work-group local memory of `bytes` bytes (no host data).
public struct LocalMemory: Sendable, Equatable {
    public var bytes: Int
    public init(bytes: Int) { self.bytes = bytes }
}
