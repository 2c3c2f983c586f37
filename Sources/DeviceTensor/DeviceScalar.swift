/// Element types a `DeviceBuffer` may hold, and scalar kernel arguments.
public protocol DeviceScalar: Sendable, Equatable {
    /// The matching OpenCL C type name.
    static var openCLTypeName: String { get }
    /// Whether buffers of this type need `cl_khr_fp64`.
    static var needsFloat64: Bool { get }
}

extension Float: DeviceScalar {
    public static var openCLTypeName: String { "float" }
    public static var needsFloat64: Bool { false }
}

extension Double: DeviceScalar {
    public static var openCLTypeName: String { "double" }
    public static var needsFloat64: Bool { true }
}

extension Int32: DeviceScalar {
    public static var openCLTypeName: String { "int" }
    public static var needsFloat64: Bool { false }
}

extension UInt32: DeviceScalar {
    public static var openCLTypeName: String { "uint" }
    public static var needsFloat64: Bool { false }
}
