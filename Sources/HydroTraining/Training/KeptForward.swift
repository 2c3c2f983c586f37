/// What a loss-only evaluation of a `CalibrationObjective` keeps of its forward run, so that the
/// gradient at the same free vector (an L-BFGS step accepted after its loss was seen) runs only
/// the reverse sweeps: routing adjoint, runoff adjoint (from what the `RoutedRunoff` recorded in
/// the same forward: the runoff tape, and the runoff and discharge fields, on the host or on the
/// device) and the parameter chain.
///
/// It belongs to the `RoutedRunoff` that recorded the run (`RunoffSessionCache` drops it with
/// it, and every forward replaces it), so a gradient from it equals the gradient of a fresh
/// forward at `x` bit for bit. The loss itself is recomputed from `discharge` by the evaluation
/// that uses it, so copies of an objective with another loss or regularisation can share it.
struct KeptForward {
    /// The free vector of the run.
    var x: [Double]
    var steps: Int
    /// The network's raw outputs at `x` (nil without a regionalisation network).
    var networkRaw: [Double]?
    /// The cells the loss reads (`CalibrationLoss.cells`).
    var cells: [Int]
    /// Discharge at `cells`, `[steps][cells.count]`, m³/s.
    var discharge: [Double]
}
