import DeviceTensor

/// Units (HBV columns) per work-item of the runoff kernels, the `-DHYDRO_VW` build option.
///
/// A CPU OpenCL compiler (PoCL) does not vectorise a work-item that loops over time, so on a
/// CPU each work-item advances several units as one `floatN`; a GPU runs neighbouring
/// work-items in lock-step already, so width 1 keeps registers free. See BENCHMARKS.md for the
/// widths measured on PoCL.
public enum RunoffVectorWidth {
    /// Widths the kernels build with.
    public static let supported = [1, 2, 4, 8, 16]

    /// The width used on `device` unless the caller chooses one: 1 on GPUs, 8 elsewhere.
    public static func preferred(for device: DeviceInfo) -> Int {
        device.kind == .gpu ? 1 : 8
    }

    static func validate(_ width: Int) throws(OpenCLRunoffError) {
        guard supported.contains(width) else { throw .unsupportedVectorWidth(width) }
    }
}
