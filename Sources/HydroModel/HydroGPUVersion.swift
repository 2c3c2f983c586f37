/// HydroGPU: spatially distributed HBV runoff and D8 routing with hand-written adjoints,
/// on OpenCL devices or the plain-Swift reference backend.
public enum HydroGPUVersion {
    public static let string = "0.1.0"
}
