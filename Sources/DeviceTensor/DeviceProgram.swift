import COpenCL

/// An OpenCL program built for one device. A failed build throws with the compiler log.
public final class DeviceProgram: @unchecked Sendable {
    public let device: ComputeDevice
    public let options: String
    let handle: cl_program

    init(device: ComputeDevice, source: String, options: String) throws(OpenCLError) {
        var status: cl_int = 0
        let program: cl_program? = source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            var length = source.utf8.count
            return clCreateProgramWithSource(device.context, 1, &pointer, &length, &status)
        }
        guard let program, status == CL_SUCCESS else {
            throw OpenCLError(call: "clCreateProgramWithSource", status: status)
        }
        var deviceID: cl_device_id? = device.handle.device
        let buildStatus = options.withCString { clBuildProgram(program, 1, &deviceID, $0, nil, nil) }
        if buildStatus != CL_SUCCESS {
            let log = Self.buildLog(program, device.handle.device)
            clReleaseProgram(program)
            throw OpenCLError(call: "clBuildProgram", status: buildStatus, buildLog: log, detail: "options '\(options)' on \(device.info.name)")
        }
        self.device = device
        self.options = options
        self.handle = program
    }

    deinit { clReleaseProgram(handle) }

    /// A new kernel object for the `__kernel` function `name`.
    public func kernel(_ name: String) throws(OpenCLError) -> DeviceKernel {
        var status: cl_int = 0
        guard let kernel = clCreateKernel(handle, name, &status), status == CL_SUCCESS else {
            throw OpenCLError(call: "clCreateKernel", status: status, detail: name)
        }
        return DeviceKernel(program: self, handle: kernel, name: name)
    }

    private static func buildLog(_ program: cl_program, _ device: cl_device_id) -> String {
        var size = 0
        guard clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size) == CL_SUCCESS, size > 1 else { return "" }
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBytes { clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, $0.baseAddress, nil) }
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
