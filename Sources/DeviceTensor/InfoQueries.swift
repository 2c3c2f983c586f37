import COpenCL

// The two-call pattern of clGet*Info (size, then value) in one place. Statuses are returned
// from the pointer closures and checked outside, because typed throws do not pass through
// the standard library's rethrowing closures.

func platformString(_ platform: cl_platform_id, _ param: cl_platform_info, _ name: String) throws(OpenCLError) -> String {
    var size = 0
    try OpenCLError.check(clGetPlatformInfo(platform, param, 0, nil, &size), "clGetPlatformInfo(\(name))")
    var bytes = [CChar](repeating: 0, count: max(size, 1))
    let status = bytes.withUnsafeMutableBytes { clGetPlatformInfo(platform, param, size, $0.baseAddress, nil) }
    try OpenCLError.check(status, "clGetPlatformInfo(\(name))")
    return cString(bytes)
}

func deviceString(_ device: cl_device_id, _ param: cl_device_info, _ name: String) throws(OpenCLError) -> String {
    var size = 0
    try OpenCLError.check(clGetDeviceInfo(device, param, 0, nil, &size), "clGetDeviceInfo(\(name))")
    var bytes = [CChar](repeating: 0, count: max(size, 1))
    let status = bytes.withUnsafeMutableBytes { clGetDeviceInfo(device, param, size, $0.baseAddress, nil) }
    try OpenCLError.check(status, "clGetDeviceInfo(\(name))")
    return cString(bytes)
}

func deviceScalar<T: FixedWidthInteger>(_ device: cl_device_id, _ param: cl_device_info, _ name: String, as: T.Type) throws(OpenCLError) -> T {
    var value: T = 0
    let status = withUnsafeMutableBytes(of: &value) { clGetDeviceInfo(device, param, MemoryLayout<T>.size, $0.baseAddress, nil) }
    try OpenCLError.check(status, "clGetDeviceInfo(\(name))")
    return value
}

private func cString(_ bytes: [CChar]) -> String {
    let end = bytes.firstIndex(of: 0) ?? bytes.count
    return String(decoding: bytes[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        .trimmingCharacters(in: " ")
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
