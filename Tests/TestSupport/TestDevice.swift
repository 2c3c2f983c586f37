import DeviceTensor
import Foundation

/// The OpenCL device every test target shares (PoCL in CI), opened once: PoCL's device
/// discovery races when threads open it together. With no device the OpenCL suites are
/// skipped, except under CI (`CI` set), where PoCL is installed and its absence is a failure.
public enum TestDevice {
    public static let shared: ComputeDevice? = {
        guard let info = DeviceCatalog.shared.devices.first(where: { $0.kind == .cpu }) ?? DeviceCatalog.shared.devices.first else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                fatalError("CI is set but no OpenCL device exists: \(DeviceCatalog.shared.problem ?? "")")
            }
            return nil
        }
        return try? ComputeDevice(info)
    }()
    public static var available: Bool { shared != nil }
}
