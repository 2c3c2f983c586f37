import COpenCL

/// What kind of processor an OpenCL device is.
public enum DeviceKind: String, Sendable, Codable {
    case gpu, cpu, accelerator, other
}

/// A device's identity and capabilities, as `hydrogpu devices` reports them.
public struct DeviceInfo: Sendable, Codable, Equatable {
    public init(platformIndex: Int, deviceIndex: Int, platformName: String, platformVersion: String, name: String, vendor: String, kind: DeviceKind, computeUnits: Int, globalMemoryBytes: UInt64, localMemoryBytes: UInt64, maxWorkGroupSize: Int, supportsFloat64: Bool, openCLVersion: String, driverVersion: String) {
        self.platformIndex = platformIndex; self.deviceIndex = deviceIndex
        self.platformName = platformName; self.platformVersion = platformVersion
        self.name = name; self.vendor = vendor; self.kind = kind; self.computeUnits = computeUnits
        self.globalMemoryBytes = globalMemoryBytes; self.localMemoryBytes = localMemoryBytes
        self.maxWorkGroupSize = maxWorkGroupSize; self.supportsFloat64 = supportsFloat64
        self.openCLVersion = openCLVersion; self.driverVersion = driverVersion
    }

    public var platformIndex: Int
    public var deviceIndex: Int
    public var platformName: String
    public var platformVersion: String
    public var name: String
    public var vendor: String
    public var kind: DeviceKind
    public var computeUnits: Int
    public var globalMemoryBytes: UInt64
    public var localMemoryBytes: UInt64
    public var maxWorkGroupSize: Int
    public var supportsFloat64: Bool
    public var openCLVersion: String
    public var driverVersion: String

    /// `platform:device` indices, as accepted by `--device` refinements and shown in listings.
    public var address: String { "\(platformIndex):\(deviceIndex)" }
}

/// An OpenCL device handle. Device ids are immutable, process-wide handles owned by the
/// platform (never released for root devices), so sharing them across threads is safe.
public struct DeviceHandle: @unchecked Sendable {
    let platform: cl_platform_id
    let device: cl_device_id
}

/// Every OpenCL platform and device of this process, discovered once.
///
/// PoCL races when several threads call `clGetDeviceIDs` for the first time together
/// (they get `CL_DEVICE_NOT_FOUND`), so discovery happens exactly once behind a lazily
/// initialised static and every caller shares its result.
public struct DeviceCatalog: Sendable {
    public var devices: [DeviceInfo]
    /// Why no device was found, when `devices` is empty (no ICD, no platform, ...).
    public var problem: String?
    let handles: [DeviceHandle]

    /// A catalogue of described devices without handles, for testing selection rules.
    public init(devices: [DeviceInfo], problem: String?) {
        self.init(devices: devices, problem: problem, handles: [])
    }

    init(devices: [DeviceInfo], problem: String?, handles: [DeviceHandle]) {
        self.devices = devices
        self.problem = problem
        self.handles = handles
    }

    /// The process-wide catalogue.
    public static let shared: DeviceCatalog = discover()

    /// The handle of a listed device.
    public func handle(of info: DeviceInfo) -> DeviceHandle? {
        devices.firstIndex(of: info).flatMap { $0 < handles.count ? handles[$0] : nil }
    }

    private static func discover() -> DeviceCatalog {
        do throws(OpenCLError) {
            var platformCount: cl_uint = 0
            let status = clGetPlatformIDs(0, nil, &platformCount)
            if status == -1001 || platformCount == 0 {
                return DeviceCatalog(devices: [], problem: "no OpenCL platform is installed (no ICD found; on Debian install pocl-opencl-icd or a GPU driver's ICD)", handles: [])
            }
            try OpenCLError.check(status, "clGetPlatformIDs")
            var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
            try OpenCLError.check(clGetPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")

            var infos: [DeviceInfo] = []
            var handles: [DeviceHandle] = []
            for (p, platformID) in platforms.enumerated() {
                guard let platformID else { continue }
                let platformName = try platformString(platformID, cl_platform_info(CL_PLATFORM_NAME), "CL_PLATFORM_NAME")
                let platformVersion = try platformString(platformID, cl_platform_info(CL_PLATFORM_VERSION), "CL_PLATFORM_VERSION")
                var deviceCount: cl_uint = 0
                let countStatus = clGetDeviceIDs(platformID, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
                if countStatus == CL_DEVICE_NOT_FOUND { continue }
                try OpenCLError.check(countStatus, "clGetDeviceIDs", detail: platformName)
                var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
                try OpenCLError.check(clGetDeviceIDs(platformID, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &devices, nil), "clGetDeviceIDs", detail: platformName)
                for (d, deviceID) in devices.enumerated() {
                    guard let deviceID else { continue }
                    infos.append(try describe(deviceID, platformIndex: p, deviceIndex: d, platformName: platformName, platformVersion: platformVersion))
                    handles.append(DeviceHandle(platform: platformID, device: deviceID))
                }
            }
            return DeviceCatalog(devices: infos, problem: infos.isEmpty ? "OpenCL platforms exist but report no devices" : nil, handles: handles)
        } catch {
            return DeviceCatalog(devices: [], problem: error.description, handles: [])
        }
    }

    private static func describe(_ id: cl_device_id, platformIndex: Int, deviceIndex: Int, platformName: String, platformVersion: String) throws(OpenCLError) -> DeviceInfo {
        let type = try deviceScalar(id, cl_device_info(CL_DEVICE_TYPE), "CL_DEVICE_TYPE", as: cl_device_type.self)
        let kind: DeviceKind =
            type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 ? .gpu :
            type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 ? .cpu :
            type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 ? .accelerator : .other
        let fp64 = try deviceScalar(id, cl_device_info(CL_DEVICE_DOUBLE_FP_CONFIG), "CL_DEVICE_DOUBLE_FP_CONFIG", as: cl_device_fp_config.self)
        return DeviceInfo(
            platformIndex: platformIndex,
            deviceIndex: deviceIndex,
            platformName: platformName,
            platformVersion: platformVersion,
            name: try deviceString(id, cl_device_info(CL_DEVICE_NAME), "CL_DEVICE_NAME"),
            vendor: try deviceString(id, cl_device_info(CL_DEVICE_VENDOR), "CL_DEVICE_VENDOR"),
            kind: kind,
            computeUnits: Int(try deviceScalar(id, cl_device_info(CL_DEVICE_MAX_COMPUTE_UNITS), "CL_DEVICE_MAX_COMPUTE_UNITS", as: cl_uint.self)),
            globalMemoryBytes: try deviceScalar(id, cl_device_info(CL_DEVICE_GLOBAL_MEM_SIZE), "CL_DEVICE_GLOBAL_MEM_SIZE", as: cl_ulong.self),
            localMemoryBytes: try deviceScalar(id, cl_device_info(CL_DEVICE_LOCAL_MEM_SIZE), "CL_DEVICE_LOCAL_MEM_SIZE", as: cl_ulong.self),
            maxWorkGroupSize: Int(try deviceScalar(id, cl_device_info(CL_DEVICE_MAX_WORK_GROUP_SIZE), "CL_DEVICE_MAX_WORK_GROUP_SIZE", as: Int.self)),
            supportsFloat64: fp64 != 0,
            openCLVersion: try deviceString(id, cl_device_info(CL_DEVICE_VERSION), "CL_DEVICE_VERSION"),
            driverVersion: try deviceString(id, cl_device_info(CL_DRIVER_VERSION), "CL_DRIVER_VERSION")
        )
    }
}
