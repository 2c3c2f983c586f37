import ArgumentParser
import DeviceTensor
import Foundation

/// `hydrogpu devices`: the OpenCL platforms and devices this machine offers.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List OpenCL platforms and devices, and what --device auto would choose."
    )

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let catalog = DeviceCatalog.shared
        let auto = try DeviceSelection.select(.auto, catalog: catalog)
        if json {
            let report = DevicesReport(devices: catalog.devices, problem: catalog.problem, autoChoice: auto.reason)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        if catalog.devices.isEmpty {
            print("No OpenCL devices: \(catalog.problem ?? "none listed").")
        }
        for d in catalog.devices {
            print("[\(d.address)] \(d.name) (\(d.kind.rawValue))")
            print("    platform        \(d.platformName), \(d.platformVersion)")
            print("    vendor          \(d.vendor), driver \(d.driverVersion)")
            print("    OpenCL          \(d.openCLVersion)")
            print("    compute units   \(d.computeUnits)")
            print("    global memory   \(formatBytes(d.globalMemoryBytes))")
            print("    local memory    \(formatBytes(d.localMemoryBytes))")
            print("    max work-group  \(d.maxWorkGroupSize)")
            print("    float64         \(d.supportsFloat64 ? "yes" : "no")")
        }
        print("--device auto -> \(auto.reason)")
    }
}

private struct DevicesReport: Encodable {
    var devices: [DeviceInfo]
    var problem: String?
    var autoChoice: String
}

func formatBytes(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
