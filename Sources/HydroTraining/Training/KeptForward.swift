import HydroModel
import ReferenceBackend
import OpenCLBackend

/// What a loss-only evaluation of a `CalibrationObjective` keeps of its forward run, so that the
/// gradient at the same free vector (an L-BFGS step accepted after its loss was seen) runs only
/// the reverse sweeps: routing adjoint, runoff adjoint (from the tape the session recorded in the
/// same forward) and the parameter chain.
///
/// It belongs to the session that recorded the run (`RunoffSessionCache` drops it with the
/// session, and every forward replaces it), so a gradient from it equals the gradient of a fresh
/// forward at `x` bit for bit. The loss itself is recomputed from `routed` by the evaluation that
/// uses it, so copies of an objective with another loss or regularisation can share it.
struct KeptForward {
    /// The free vector of the run.
    var x: [Double]
    var steps: Int
    /// The network's raw outputs at `x` (nil without a regionalisation network).
    var networkRaw: [Double]?
    /// HBV runoff `[steps][cells]`, mm per step.
    var runoff: [Double]
    /// Discharge `[steps][cells]`, m³/s.
    var routed: [Double]
}
