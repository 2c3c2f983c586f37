/// Which backend the user asked for: `--device` or `HYDROGPU_DEVICE`.
public enum DeviceRequest: String, CaseIterable, Sendable, Codable {
    /// A GPU if one exists, else any OpenCL device, else the reference backend.
    case auto
    /// An OpenCL GPU; an error when none exists.
    case gpu
    /// An OpenCL CPU device (PoCL on laptops and CI); an error when none exists.
    case cpuOpenCL = "cpu-opencl"
    /// The plain-Swift reference backend, no OpenCL.
    case reference

    /// The environment variable that sets the request when no flag is given.
    public static let environmentVariable = "HYDROGPU_DEVICE"

    /// The flag if given, else `HYDROGPU_DEVICE`, else `auto`.
    public static func resolve(flag: String?, environment: [String: String]) throws(DeviceSelectionError) -> DeviceRequest {
        if let flag { return try parse(flag, origin: "--device") }
        if let value = environment[environmentVariable], !value.isEmpty {
            return try parse(value, origin: environmentVariable)
        }
        return .auto
    }

    static func parse(_ text: String, origin: String) throws(DeviceSelectionError) -> DeviceRequest {
        guard let request = DeviceRequest(rawValue: text.lowercased()) else {
            let valid = allCases.map(\.rawValue).joined(separator: ", ")
            throw DeviceSelectionError(message: "\(origin): unknown device '\(text)'; expected one of \(valid)")
        }
        return request
    }
}

/// Where the model will run.
public enum Backend: Sendable, Equatable {
    case openCL(DeviceInfo)
    case reference
}

/// The outcome of device selection and the reason, so the tool can say what it chose and why.
public struct DeviceSelection: Sendable, Equatable {
    public var backend: Backend
    public var reason: String

    /// Chooses a backend for `request` among the devices of `catalog`.
    ///
    /// `auto` takes the GPU with the most compute units, then any OpenCL device (CPU ones
    /// first, since accelerators may lack features the kernels need), then the reference
    /// backend. Explicit requests never fall back: asking for a GPU where none exists is an
    /// error listing what does exist.
    public static func select(_ request: DeviceRequest, catalog: DeviceCatalog = .shared) throws(DeviceSelectionError) -> DeviceSelection {
        let gpus = catalog.devices.filter { $0.kind == .gpu }.sorted { $0.computeUnits > $1.computeUnits }
        let cpus = catalog.devices.filter { $0.kind == .cpu }
        switch request {
        case .reference:
            return DeviceSelection(backend: .reference, reason: "reference backend requested")
        case .gpu:
            guard let gpu = gpus.first else {
                throw DeviceSelectionError(message: "no OpenCL GPU device found; \(seen(catalog)). Use --device cpu-opencl or --device reference, or install the GPU vendor's OpenCL ICD")
            }
            return DeviceSelection(backend: .openCL(gpu), reason: "GPU requested: \(gpu.name) (\(gpu.platformName))")
        case .cpuOpenCL:
            guard let cpu = cpus.first else {
                throw DeviceSelectionError(message: "no OpenCL CPU device found; \(seen(catalog)). On Debian: apt-get install pocl-opencl-icd")
            }
            return DeviceSelection(backend: .openCL(cpu), reason: "OpenCL CPU device requested: \(cpu.name) (\(cpu.platformName))")
        case .auto:
            if let gpu = gpus.first {
                return DeviceSelection(backend: .openCL(gpu), reason: "auto: GPU \(gpu.name) (\(gpu.platformName)) found")
            }
            if let other = cpus.first ?? catalog.devices.first {
                return DeviceSelection(backend: .openCL(other), reason: "auto: no GPU, using OpenCL \(other.kind.rawValue) device \(other.name) (\(other.platformName))")
            }
            return DeviceSelection(backend: .reference, reason: "auto: no OpenCL device (\(catalog.problem ?? "none listed")), using the reference backend")
        }
    }

    private static func seen(_ catalog: DeviceCatalog) -> String {
        if catalog.devices.isEmpty { return "OpenCL devices seen: none (\(catalog.problem ?? "no platform"))" }
        return "OpenCL devices seen: " + catalog.devices.map { "\($0.name) [\($0.kind.rawValue)]" }.joined(separator: ", ")
    }
}

/// A device request that cannot be met, or an unknown device name.
public struct DeviceSelectionError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
