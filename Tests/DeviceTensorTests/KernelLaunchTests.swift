import DeviceTensor
import Kernels
import Testing
import TestSupport

@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct KernelLaunchTests {
    let device = TestDevice.shared!

    @Test func everyModelProgramIsEmbedded() {
        for program in KernelProgram.allCases {
            #expect(KernelSources.source(of: program.rawValue) != nil, "kernels/\(program.rawValue).cl")
        }
    }

    @Test func axpyFromKernelsFolderMatchesSwift() throws {
        let n = 1003  // not a multiple of the work-group size: exercises the rounding + bounds check
        let x: [Float] = (0..<n).map { Float($0).squareRoot() }
        let y: [Float] = (0..<n).map { Float($0 % 17) - 8 }
        let a: Float = 0.75
        let xb = try DeviceBuffer(device: device, values: x)
        let yb = try DeviceBuffer(device: device, values: y)
        let program = try device.program(source: KernelSources.source(of: .tensorOps))
        let kernel = try program.kernel("axpy")
        let event = try kernel.launch(global: [n], local: [64], arguments: [.uint(n), .float(a), .buffer(xb), .buffer(yb)])
        #expect(try event.executionSeconds() >= 0)
        // The device compiler may contract a*x+y into one fused multiply-add: each element
        // must equal the separately rounded or the fused result exactly.
        for (i, got) in try yb.download().enumerated() {
            let separate = a * x[i] + y[i]
            let fused = y[i].addingProduct(a, x[i])
            #expect(got == separate || got == fused, "element \(i): got \(got), want \(separate) or \(fused)")
        }
    }

    @Test func syntaxErrorCarriesCompilerLog() throws {
        let source = "__kernel void broken(__global float *x) { x[0] = 1.0f +; }"
        let error = #expect(throws: OpenCLError.self) { try device.program(source: source) }
        #expect(error?.statusName == "CL_BUILD_PROGRAM_FAILURE")
        #expect(error?.code == .buildProgramFailure)
        #expect(error?.buildLog?.contains("expected expression") == true)
        #expect(error?.description.contains("compiler log") == true)
    }

    @Test func wrongArgumentSizeNamesTheStatus() throws {
        let kernel = try device.program(source: KernelSources.source(of: .tensorOps)).kernel("axpy")
        let error = #expect(throws: OpenCLError.self) { try kernel.set(1, .double(1)) }
        #expect(error?.statusName == "CL_INVALID_ARG_SIZE")
        #expect(error?.code == .invalidArgSize)
        #expect(error?.description.contains("axpy argument 1") == true)
    }

    @Test func unknownKernelNameIsAnError() throws {
        let program = try device.program(source: KernelSources.source(of: .tensorOps))
        let error = #expect(throws: OpenCLError.self) { try program.kernel("nope") }
        #expect(error?.statusName == "CL_INVALID_KERNEL_NAME")
        if case .invalidKernelName? = error?.code {} else { Issue.record("the status does not match .invalidKernelName") }
    }
}
