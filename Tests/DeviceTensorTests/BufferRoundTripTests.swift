import DeviceTensor
import Testing
import TestSupport

@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct BufferRoundTripTests {
    let device = TestDevice.shared!

    @Test func floatRoundTrip() throws {
        let values: [Float] = (0..<1000).map { Float($0) * 0.25 - 7 }
        let buffer = try DeviceBuffer(device: device, values: values, shape: [10, 100])
        #expect(buffer.shape == [10, 100])
        #expect(try buffer.download() == values)
    }

    @Test func doubleRoundTrip() throws {
        try #require(device.info.supportsFloat64)
        let values: [Double] = (0..<257).map { 1.0 / Double($0 + 1) }
        #expect(try DeviceBuffer(device: device, values: values).download() == values)
    }

    @Test func integerRoundTrips() throws {
        let ints: [Int32] = [Int32.min, -1, 0, 1, Int32.max]
        let uints: [UInt32] = [0, 1, 65_536, UInt32.max]
        #expect(try DeviceBuffer(device: device, values: ints).download() == ints)
        #expect(try DeviceBuffer(device: device, values: uints).download() == uints)
    }

    @Test func fillCopyAndSubRanges() throws {
        let a = try DeviceBuffer<Float>(device: device, shape: [8])
        try a.fill(3)
        try a.fill(-1, 2..<4)
        #expect(try a.download() == [3, 3, -1, -1, 3, 3, 3, 3])
        let b = try DeviceBuffer(device: device, values: [Float](repeating: 0, count: 8))
        try b.copy(from: a, sourceOffset: 1, destinationOffset: 4, count: 4)
        #expect(try b.download() == [0, 0, 0, 0, 3, -1, -1, 3])
        try b.upload([9, 8], at: 6)
        #expect(try b.download(5..<8) == [-1, 9, 8])
    }

    @Test func outOfRangeTransferIsAnError() throws {
        let a = try DeviceBuffer<Int32>(device: device, shape: [4])
        let error = #expect(throws: OpenCLError.self) { try a.upload([1, 2, 3], at: 2) }
        #expect(error?.statusName == "CL_INVALID_VALUE")
        #expect(error?.description.contains("outside a buffer of 4") == true)
    }

    @Test func allocationIsTracked() throws {
        // A context of its own: tests in other suites allocate on the shared device in parallel,
        // and its counter would count their buffers too.
        let entry = try #require(DeviceCatalog.shared.devices.first { $0.kind == .cpu } ?? DeviceCatalog.shared.devices.first)
        let device = try ComputeDevice(entry)
        let before = device.allocatedBytes.current
        do {
            let big = try DeviceBuffer<Float>(device: device, shape: [1024])
            #expect(device.allocatedBytes.current == before + 4096)
            _ = big.count
        }
        #expect(device.allocatedBytes.current == before)
    }
}
