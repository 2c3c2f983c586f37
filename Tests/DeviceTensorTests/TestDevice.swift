import DeviceTensor
import Foundation

/// The OpenCL CPU device shared by every test (PoCL in CI).
///
/// Opened once: PoCL's device discovery races when threads open it together. Under CI
/// (`CI` set) its absence is a failure, never a silent skip, because `.ci/run` installs PoCL.
enum TestDevice {
    static let shared: ComputeDevice? = {
        guard let cpu = DeviceCatalog.shared.devices.first(where: { $0.kind == .cpu }) ?? DeviceCatalog.shared.devices.first else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                fatalError("CI is set but no OpenCL device exists: \(DeviceCatalog.shared.problem ?? "")")
            }
            return nil
        }
        return try? ComputeDevice(cpu)
    }()
    static var available: Bool { shared != nil }
}
