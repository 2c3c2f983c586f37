import COpenCL

/// A launched command, for waiting and for device-side timing (queues have profiling on).
public final class DeviceEvent: @unchecked Sendable {
    let handle: cl_event
    public let label: String

    init(handle: cl_event, label: String) {
        self.handle = handle
        self.label = label
    }

    deinit { clReleaseEvent(handle) }

    /// Blocks until the command has completed.
    public func wait() throws(OpenCLError) {
        var event: cl_event? = handle
        try OpenCLError.check(clWaitForEvents(1, &event), "clWaitForEvents", detail: label)
    }

    /// Seconds the device spent executing the command (waits for it first).
    public func executionSeconds() throws(OpenCLError) -> Double {
        try wait()
        let start = try profile(CL_PROFILING_COMMAND_START, "CL_PROFILING_COMMAND_START")
        let end = try profile(CL_PROFILING_COMMAND_END, "CL_PROFILING_COMMAND_END")
        return Double(end &- start) * 1e-9
    }

    private func profile(_ what: Int32, _ name: String) throws(OpenCLError) -> UInt64 {
        var value: cl_ulong = 0
        let status = clGetEventProfilingInfo(handle, cl_profiling_info(what), MemoryLayout<cl_ulong>.size, &value, nil)
        try OpenCLError.check(status, "clGetEventProfilingInfo(\(name))", detail: label)
        return value
    }
}
