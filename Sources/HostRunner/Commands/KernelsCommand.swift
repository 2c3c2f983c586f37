import ArgumentParser
import DeviceTensor
import Foundation
import Kernels

/// `hydrogpu kernels`: builds every embedded kernel program on the chosen device, which
/// shows that the binary carries its kernels and that the device's compiler accepts them.
struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "List the embedded OpenCL programs and build each on the chosen device."
    )

    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "List the program names without building them.")
    var list = false

    func run() throws {
        if list {
            KernelSources.programNames.forEach { print($0) }
            return
        }
        let selection = try deviceOptions.select()
        guard let device = try ComputeDevice.open(selection) else {
            throw ValidationError("kernels are OpenCL programs; the reference backend has none to build (choose --device cpu-opencl or gpu)")
        }
        for name in KernelSources.programNames {
            let start = Date()
            _ = try device.program(source: KernelSources.source(of: name)!)
            print(String(format: "built %-24@ %7.1f ms", name, Date().timeIntervalSince(start) * 1000))
        }
    }
}
