import DeviceTensor
import Kernels
import Testing
import TestSupport

/// `axpy(n, a, x, y)` of kernels/tensor_ops.cl as a typed description.
private struct Axpy: KernelArguments {
    static var kernelName: String { "axpy" }
    var n: UInt32
    var a: Float
    var x: DeviceBuffer<Float>
    var y: DeviceBuffer<Float>
    var arguments: [KernelArgument] { [.uint32(n), .float(a), .buffer(x), .buffer(y)] }
}

/// A description that forgot `y`: one argument short of `axpy`'s four parameters.
private struct AxpyMissingY: KernelArguments {
    static var kernelName: String { "axpy" }
    var n: UInt32
    var a: Float
    var x: DeviceBuffer<Float>
    var arguments: [KernelArgument] { [.uint32(n), .float(a), .buffer(x)] }
}

@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct KernelArgumentsTests {
    let device = TestDevice.shared!

    @Test func typedLaunchComputesAxpy() throws {
        let n = 257
        let x: [Float] = (0..<n).map { Float($0) * 0.5 }
        let y: [Float] = (0..<n).map { 3 - Float($0 % 5) }
        let xb = try DeviceBuffer(device: device, values: x)
        let yb = try DeviceBuffer(device: device, values: y)
        let kernel = try device.program(source: KernelSources.source(of: .tensorOps)).kernel("axpy")
        #expect(try kernel.parameterCount() == 4)
        try kernel.launch(global: [n], local: [64], Axpy(n: UInt32(n), a: 2, x: xb, y: yb))
        // 2 x + y with x a multiple of 0.5 and small integers: exact in Float, fused or not.
        #expect(try yb.download() == (0..<n).map { 2 * x[$0] + y[$0] })
    }

    @Test func descriptionWithTooFewArgumentsIsRefused() throws {
        let xb = try DeviceBuffer(device: device, values: [Float](repeating: 1, count: 4))
        let kernel = try device.program(source: KernelSources.source(of: .tensorOps)).kernel("axpy")
        let error = #expect(throws: OpenCLError.self) { try kernel.launch(global: [4], AxpyMissingY(n: 4, a: 1, x: xb)) }
        #expect(error?.code == .invalidKernelArgs)
        #expect(error?.description.contains("AxpyMissingY has 3 arguments; axpy declares 4 parameters") == true)
    }

    @Test func descriptionForAnotherKernelIsRefused() throws {
        let xb = try DeviceBuffer(device: device, values: [Float](repeating: 1, count: 4))
        let yb = try DeviceBuffer(device: device, values: [Float](repeating: 1, count: 4))
        let kernel = try device.program(source: KernelSources.source(of: .tensorOps)).kernel("scale_elementwise")
        let error = #expect(throws: OpenCLError.self) { try kernel.launch(global: [4], Axpy(n: 4, a: 1, x: xb, y: yb)) }
        #expect(error?.description.contains("describes axpy, not scale_elementwise") == true)
    }
}
