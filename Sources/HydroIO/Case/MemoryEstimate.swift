import Foundation
import HydroDomain

/// Memory a run will need, estimated before the large arrays are allocated, so a case too big
/// for the machine is refused with the estimate instead of ending in an allocation failure.
public enum MemoryEstimate {
    /// Arrays of cells x steps Doubles a calibration holds at once: the three forcing fields as
    /// read, their copy in the model's layout, runoff, its adjoint, routed discharge and the
    /// reference tape's two power laws.
    public static let arraysPerCellStep = 10.0

    /// The memory runs may use: `HYDROGPU_MEMORY_LIMIT_BYTES` when set (a shared node's share,
    /// or a test), else the physical memory.
    public static var limitBytes: Double {
        if let text = ProcessInfo.processInfo.environment["HYDROGPU_MEMORY_LIMIT_BYTES"], let v = Double(text), v > 0 { return v }
        return Double(ProcessInfo.processInfo.physicalMemory)
    }

    /// Throws when `arrays` Double arrays of `cells` x `steps` exceed the limit, naming `file`,
    /// what the memory is for and the estimate.
    public static func check(cells: Int, steps: Int, arrays: Double = arraysPerCellStep, what: String, file: String) throws(InputError) {
        let bytes = Double(cells) * Double(steps) * 8 * arrays
        let limit = limitBytes
        guard bytes <= limit else {
            let source = ProcessInfo.processInfo.environment["HYDROGPU_MEMORY_LIMIT_BYTES"] != nil ? "HYDROGPU_MEMORY_LIMIT_BYTES" : "physical memory"
            throw InputError(file: file, message: "\(what) for \(cells) cells x \(steps) steps needs about \(format(bytes)), more than the \(format(limit)) available (\(source)); shorten the time span or coarsen the grid")
        }
    }

    package static func format(_ bytes: Double) -> String {
        bytes >= 1_073_741_824 ? String(format: "%.1f GiB", bytes / 1_073_741_824) : String(format: "%.1f MiB", bytes / 1_048_576)
    }
}
