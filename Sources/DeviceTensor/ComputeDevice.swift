import COpenCL
import Synchronization

/// One OpenCL device with its context and an in-order, profiling-enabled command queue.
///
/// Contexts and queues are thread-safe per the OpenCL specification, so this class is
/// shareable; kernels (whose argument setting is not thread-safe) are not.
public final class ComputeDevice: @unchecked Sendable {
    public let info: DeviceInfo
    let handle: DeviceHandle
    let context: cl_context
    let queue: cl_command_queue
    private let programs = Mutex<[ProgramKey: DeviceProgram]>([:])
    private let memory = Mutex<(current: Int, peak: Int)>((0, 0))
    private let transfers = Mutex<HostDeviceTransfers>(HostDeviceTransfers())

    /// Opens `info`, a device of `catalog`.
    public init(_ info: DeviceInfo, catalog: DeviceCatalog = .shared) throws(OpenCLError) {
        guard let handle = catalog.handle(of: info) else {
            throw OpenCLError(call: "ComputeDevice.init", status: CL_INVALID_DEVICE, detail: "\(info.name) is not in the device catalogue")
        }
        var device: cl_device_id? = handle.device
        var status: cl_int = 0
        guard let context = clCreateContext(nil, 1, &device, nil, nil, &status), status == CL_SUCCESS else {
            throw OpenCLError(call: "clCreateContext", status: status, detail: info.name)
        }
        guard let queue = clCreateCommandQueue(context, handle.device, cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE), &status), status == CL_SUCCESS else {
            clReleaseContext(context)
            throw OpenCLError(call: "clCreateCommandQueue", status: status, detail: info.name)
        }
        self.info = info
        self.handle = handle
        self.context = context
        self.queue = queue
    }

    /// Opens the OpenCL device that `selection` chose; `nil` for the reference backend.
    public static func open(_ selection: DeviceSelection) throws(OpenCLError) -> ComputeDevice? {
        guard case .openCL(let info) = selection.backend else { return nil }
        return try ComputeDevice(info)
    }

    deinit {
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    /// Blocks until every command enqueued so far has completed.
    public func finish() throws(OpenCLError) {
        try OpenCLError.check(clFinish(queue), "clFinish", detail: info.name)
    }

    /// Builds `source` with `options` once per process and device; later calls with the same
    /// text and options return the built program (a first build on PoCL costs up to a second).
    public func program(source: String, options: String = "") throws(OpenCLError) -> DeviceProgram {
        let key = ProgramKey(source: source, options: options)
        if let cached = programs.withLock({ $0[key] }) { return cached }
        let built = try DeviceProgram(device: self, source: source, options: options)
        return programs.withLock { table in
            if let raced = table[key] { return raced }
            table[key] = built
            return built
        }
    }

    /// Bytes held by live `DeviceBuffer`s of this device now, and the most held at once.
    public var allocatedBytes: (current: Int, peak: Int) { memory.withLock { $0 } }

    /// Resets the peak of `allocatedBytes` to the current figure (before a measured run).
    public func resetPeakAllocation() { memory.withLock { $0.peak = $0.current } }

    /// Bytes copied between host and this device by `DeviceBuffer` uploads and downloads since
    /// the device was opened (or the last `resetTransfers`): what `bench training` reports per
    /// evaluation. Copies between device buffers are not counted (they do not cross).
    public var transferred: HostDeviceTransfers { transfers.withLock { $0 } }

    /// Sets the transfer counters to zero (before a measured run).
    public func resetTransfers() { transfers.withLock { $0 = HostDeviceTransfers() } }

    func recordTransfer(toDevice bytes: Int) { transfers.withLock { $0.toDevice += bytes; $0.uploads += 1 } }
    func recordTransfer(toHost bytes: Int) { transfers.withLock { $0.toHost += bytes; $0.downloads += 1 } }

    func recordAllocation(_ bytes: Int) {
        memory.withLock {
            $0.current += bytes
            $0.peak = max($0.peak, $0.current)
        }
    }
}

private struct ProgramKey: Hashable {
    var source: String
    var options: String
}

/// Host<->device copies counted by a `ComputeDevice`.
public struct HostDeviceTransfers: Sendable, Equatable {
    /// Bytes written host -> device, and the number of writes.
    public var toDevice = 0
    public var uploads = 0
    /// Bytes read device -> host, and the number of reads.
    public var toHost = 0
    public var downloads = 0
    public init() {}
    public var totalBytes: Int { toDevice + toHost }
}
