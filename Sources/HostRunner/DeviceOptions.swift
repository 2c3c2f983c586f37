import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

/// `--device`, shared by every command that runs the model.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Backend: auto | gpu | cpu-opencl | reference (default: $HYDROGPU_DEVICE, else auto).",
        valueName: "device"))
    var device: DeviceRequest?

    /// The backend chosen, with the reason printed to standard error.
    func select(quiet: Bool = false) throws -> DeviceSelection {
        let request = try DeviceRequest.resolve(flag: device?.rawValue, environment: ProcessInfo.processInfo.environment)
        let selection = try DeviceSelection.select(request)
        if !quiet { printToStandardError("device: \(selection.reason)") }
        return selection
    }
}

extension DeviceSelection {
    /// The runoff backend of the selection: the reference, or the runoff model on the OpenCL
    /// device it chose (opened here).
    func runoffBackend() throws -> RunoffBackend {
        switch backend {
        case .reference: .reference
        case .openCL(let info): .openCL(OpenCLRunoffModel(device: try ComputeDevice(info)))
        }
    }
}

func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
