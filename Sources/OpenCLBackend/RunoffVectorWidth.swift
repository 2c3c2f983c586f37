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

    /// The width used on `device` unless the caller chooses one: 1 on GPUs; on CPUs 16 where
    /// the device names AVX-512 (PoCL calls it e.g. `pthread-skylake-avx512-...`), else 8 (one
    /// AVX2 register of floats). Measured on PoCL 3.1, AVX-512 EPYC: width 16 runs the forward
    /// 1.9x and forward+gradient 1.7x faster than width 8 (BENCHMARKS.md).
    public static func preferred(for device: DeviceInfo) -> Int {
        switch device.kind {
        case .gpu: 1
        default: device.name.lowercased().contains("avx512") ? 16 : 8
        }
    }

    static func validate(_ width: Int) throws(OpenCLRunoffError) {
        guard supported.contains(width) else { throw .unsupportedVectorWidth(width) }
    }
}
