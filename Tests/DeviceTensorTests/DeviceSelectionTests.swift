import DeviceTensor
import Testing

struct DeviceSelectionTests {
    func device(_ name: String, _ kind: DeviceKind, units: Int = 4) -> DeviceInfo {
        DeviceInfo(platformIndex: 0, deviceIndex: 0, platformName: "P", platformVersion: "OpenCL 1.2",
                   name: name, vendor: "V", kind: kind, computeUnits: units, globalMemoryBytes: 1 << 30,
                   localMemoryBytes: 1 << 15, maxWorkGroupSize: 256, supportsFloat64: true,
                   openCLVersion: "OpenCL 1.2", driverVersion: "1")
    }

    @Test func autoPrefersTheLargestGPU() throws {
        let catalog = DeviceCatalog(devices: [device("cpu", .cpu), device("small", .gpu, units: 8), device("big", .gpu, units: 132)], problem: nil)
        let selection = try DeviceSelection.select(.auto, catalog: catalog)
        #expect(selection.backend == .openCL(catalog.devices[2]))
        #expect(selection.reason.contains("GPU big"))
    }

    @Test func autoFallsBackToCPUThenReference() throws {
        let cpuOnly = DeviceCatalog(devices: [device("pocl", .cpu)], problem: nil)
        #expect(try DeviceSelection.select(.auto, catalog: cpuOnly).backend == .openCL(cpuOnly.devices[0]))
        let none = DeviceCatalog(devices: [], problem: "no ICD found")
        let selection = try DeviceSelection.select(.auto, catalog: none)
        #expect(selection.backend == .reference)
        #expect(selection.reason.contains("no ICD found"))
    }

    @Test func impossibleGPURequestIsAClearError() throws {
        let cpuOnly = DeviceCatalog(devices: [device("pocl", .cpu)], problem: nil)
        let error = #expect(throws: DeviceSelectionError.self) { try DeviceSelection.select(.gpu, catalog: cpuOnly) }
        #expect(error?.message.contains("no OpenCL GPU device found") == true)
        #expect(error?.message.contains("pocl [cpu]") == true)
    }

    @Test func gpuRequestOnThisMachineFailsWithoutAGPU() throws {
        // The real catalogue: on CI (PoCL only) asking for a GPU must fail, never fall back.
        guard !DeviceCatalog.shared.devices.contains(where: { $0.kind == .gpu }) else { return }
        #expect(throws: DeviceSelectionError.self) { try DeviceSelection.select(.gpu) }
    }

    @Test func flagBeatsEnvironmentBeatsDefault() throws {
        #expect(try DeviceRequest.resolve(flag: "reference", environment: ["HYDROGPU_DEVICE": "gpu"]) == .reference)
        #expect(try DeviceRequest.resolve(flag: nil, environment: ["HYDROGPU_DEVICE": "cpu-opencl"]) == .cpuOpenCL)
        #expect(try DeviceRequest.resolve(flag: nil, environment: [:]) == .auto)
        let error = #expect(throws: DeviceSelectionError.self) { try DeviceRequest.resolve(flag: nil, environment: ["HYDROGPU_DEVICE": "tpu"]) }
        #expect(error?.message.contains("HYDROGPU_DEVICE: unknown device 'tpu'") == true)
    }
}
