import COpenCL

/// A failed OpenCL call, with the call's name and the status by its symbolic name.
///
/// `description` reads like `clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11)` and, for
/// a program build, carries the compiler log, so the cause is in the message itself.
public struct OpenCLError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The OpenCL API function, or a HydroGPU operation for failures found before a call.
    public var call: String
    /// The raw status returned by the call (negative for OpenCL errors).
    public var status: Int32
    /// The compiler's build log, for failed program builds.
    public var buildLog: String?
    /// Extra context (which buffer, which kernel, which device).
    public var detail: String?

    public init(call: String, status: Int32, buildLog: String? = nil, detail: String? = nil) {
        self.call = call
        self.status = status
        self.buildLog = buildLog
        self.detail = detail
    }

    /// The status as a named value to match: `error.code == .outOfResources`.
    public var code: OpenCLStatus { OpenCLStatus(rawValue: status) }

    /// The symbolic name of `status`, e.g. `CL_OUT_OF_RESOURCES`.
    public var statusName: String { code.name }

    public var description: String {
        var text = "\(call) failed: \(statusName) (\(status))"
        if let detail { text += " [\(detail)]" }
        if let buildLog, !buildLog.isEmpty { text += "\ncompiler log:\n\(buildLog)" }
        return text
    }

    /// Throws when `status` is not `CL_SUCCESS`.
    @inlinable
    static func check(_ status: cl_int, _ call: String, detail: String? = nil) throws(OpenCLError) {
        if status != CL_SUCCESS { throw OpenCLError(call: call, status: status, detail: detail) }
    }

    /// The symbolic name of an OpenCL status (see `OpenCLStatus`).
    public static func name(of status: Int32) -> String { OpenCLStatus(rawValue: status).name }
}
