/// The OpenCL C programs compiled into the binary.
///
/// The text comes from the top-level `kernels/` folder through the `EmbedKernels` build
/// plugin; a program's quoted `#include`s are already inlined, so it builds from a string
/// with no include path.
public enum KernelSources {
    /// Names of every embedded program (kernel file names without `.cl`), sorted.
    public static var programNames: [String] { embedded.keys.sorted() }

    /// The OpenCL C text of `program`, or `nil` when no `kernels/<program>.cl` was embedded.
    public static func source(of program: String) -> String? { embedded[program] }

    /// The OpenCL C text of a program the model relies on.
    public static func source(of program: KernelProgram) -> String {
        guard let text = embedded[program.rawValue] else {
            // Unreachable when the tests pass: `KernelProgram` cases are checked against
            // the embedded table. A missing file is a packaging defect, not an input error.
            preconditionFailure("kernels/\(program.rawValue).cl was not embedded")
        }
        return text
    }
}

/// Programs that the Swift code launches, one per file in `kernels/`.
public enum KernelProgram: String, CaseIterable, Sendable {
    /// Element-wise tensor helpers (axpy, scaling) used by optimisers and tests.
    case tensorOps = "tensor_ops"
    /// The regionalisation network: forward pass and two-stage weight-gradient reduction.
    case mlp
    /// Linear-reservoir D8 routing per topological level, forward and adjoint.
    case routing
    /// A calibration's parameter expansion (layouts, sigmoid to bounds) into the runoff
    /// kernels' parameter buffer, and its deterministic two-stage pull-back to dL/d(raw).
    case parameterExpansion = "parameter_expansion"
    /// δHBV's sequential HBV step, forward and adjoint, with the shared runoff outputs
    /// (component mean, water-balance audit). Build option `-DHYDRO_VW=N` sets units per work-item.
    case hbvSequential = "hbv_sequential"
    /// The implicit HBV model (backward Euler + Newton) and its implicit-function-theorem
    /// adjoint, with the same argument layout and shared runoff outputs.
    case hbvImplicit = "hbv_implicit"
}
