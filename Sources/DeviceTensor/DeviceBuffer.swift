import COpenCL

/// A type-erased view of a device buffer, so kernels can bind buffers of any element type.
public protocol AnyDeviceBuffer: AnyObject, Sendable {
    var handle: cl_mem { get }
    var byteCount: Int { get }
}

/// A typed, shaped array in device memory, released when its last owner goes away.
///
/// Transfers are blocking on the device's in-order queue, so a `download()` sees every kernel
/// enqueued before it.
public final class DeviceBuffer<Element: DeviceScalar>: AnyDeviceBuffer, @unchecked Sendable {
    public let device: ComputeDevice
    /// Logical shape, outermost first (time-major arrays are `[time, cells]`).
    public let shape: [Int]
    /// Number of elements (product of `shape`).
    public let count: Int
    public let handle: cl_mem
    public var byteCount: Int { count * MemoryLayout<Element>.stride }

    /// Allocates an uninitialised buffer of `shape`.
    public init(device: ComputeDevice, shape: [Int]) throws(OpenCLError) {
        let count = shape.reduce(1, *)
        if Element.needsFloat64 && !device.info.supportsFloat64 {
            throw OpenCLError(call: "DeviceBuffer<\(Element.self)>.init", status: CL_INVALID_OPERATION, detail: "\(device.info.name) does not support double precision (cl_khr_fp64)")
        }
        guard shape.allSatisfy({ $0 >= 0 }), count > 0 else {
            throw OpenCLError(call: "DeviceBuffer.init", status: CL_INVALID_BUFFER_SIZE, detail: "shape \(shape) has no elements")
        }
        var status: cl_int = 0
        let bytes = count * MemoryLayout<Element>.stride
        guard let mem = clCreateBuffer(device.context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status), status == CL_SUCCESS else {
            throw OpenCLError(call: "clCreateBuffer", status: status, detail: "\(bytes) bytes for shape \(shape) on \(device.info.name)")
        }
        self.device = device
        self.shape = shape
        self.count = count
        self.handle = mem
        device.recordAllocation(bytes)
    }

    /// Allocates a buffer holding `values` (shape `[values.count]` unless given).
    public convenience init(device: ComputeDevice, values: [Element], shape: [Int]? = nil) throws(OpenCLError) {
        try self.init(device: device, shape: shape ?? [values.count])
        try upload(values)
    }

    deinit {
        clReleaseMemObject(handle)
        device.recordAllocation(-byteCount)
    }

    /// Copies `values` into elements `offset ..< offset + values.count`.
    public func upload(_ values: [Element], at offset: Int = 0) throws(OpenCLError) {
        try checkRange(offset, values.count, "upload")
        let stride = MemoryLayout<Element>.stride
        let status = values.withUnsafeBytes {
            clEnqueueWriteBuffer(device.queue, handle, cl_bool(CL_TRUE), offset * stride, $0.count, $0.baseAddress, 0, nil, nil)
        }
        try OpenCLError.check(status, "clEnqueueWriteBuffer", detail: "\(values.count) elements at \(offset)")
        device.recordTransfer(toDevice: values.count * stride)
    }

    /// Copies elements `range` (all by default) back to the host.
    public func download(_ range: Range<Int>? = nil) throws(OpenCLError) -> [Element] {
        let range = range ?? 0..<count
        try checkRange(range.lowerBound, range.count, "download")
        let stride = MemoryLayout<Element>.stride
        var status: cl_int = CL_SUCCESS
        let values = [Element](unsafeUninitializedCapacity: range.count) { storage, initialized in
            status = clEnqueueReadBuffer(device.queue, handle, cl_bool(CL_TRUE), range.lowerBound * stride, range.count * stride, storage.baseAddress, 0, nil, nil)
            initialized = status == CL_SUCCESS ? range.count : 0
        }
        try OpenCLError.check(status, "clEnqueueReadBuffer", detail: "elements \(range)")
        device.recordTransfer(toHost: range.count * stride)
        return values
    }

    /// Sets elements `range` (all by default) to `value`.
    public func fill(_ value: Element, _ range: Range<Int>? = nil) throws(OpenCLError) {
        let range = range ?? 0..<count
        try checkRange(range.lowerBound, range.count, "fill")
        let stride = MemoryLayout<Element>.stride
        var pattern = value
        let status = withUnsafeBytes(of: &pattern) {
            clEnqueueFillBuffer(device.queue, handle, $0.baseAddress, stride, range.lowerBound * stride, range.count * stride, 0, nil, nil)
        }
        try OpenCLError.check(status, "clEnqueueFillBuffer", detail: "elements \(range)")
    }

    /// Copies `count` elements of `source` starting at `sourceOffset` to `destinationOffset`.
    public func copy(from source: DeviceBuffer<Element>, sourceOffset: Int = 0, destinationOffset: Int = 0, count: Int? = nil) throws(OpenCLError) {
        let n = count ?? min(source.count - sourceOffset, self.count - destinationOffset)
        try source.checkRange(sourceOffset, n, "copy source")
        try checkRange(destinationOffset, n, "copy destination")
        let stride = MemoryLayout<Element>.stride
        let status = clEnqueueCopyBuffer(device.queue, source.handle, handle, sourceOffset * stride, destinationOffset * stride, n * stride, 0, nil, nil)
        try OpenCLError.check(status, "clEnqueueCopyBuffer", detail: "\(n) elements")
    }

    private func checkRange(_ offset: Int, _ length: Int, _ what: String) throws(OpenCLError) {
        guard offset >= 0, length >= 0, offset + length <= count else {
            throw OpenCLError(call: "DeviceBuffer.\(what)", status: CL_INVALID_VALUE, detail: "elements \(offset)..<\(offset + length) outside a buffer of \(count) (shape \(shape))")
        }
    }
}
