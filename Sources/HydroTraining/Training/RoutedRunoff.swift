import HydroModel

/// The part of the calibration chain between the free vector and discharge at the cells the
/// loss reads (gauges, pseudo-observed cells): parameter expansion, HBV runoff (its runoff
/// exchange included), routing, and its reverse back to dL/d(free values). `CalibrationObjective` keeps one per step
/// count between evaluations (`RunoffSessionCache`) and computes the regionalisation network,
/// the loss and regularisation on the host around it, whatever runs inside.
///
/// Two implementations: `HostRoutedRunoff` (expansion on the host, a `RunoffSession` of either
/// backend, then routing on the host in Double) and `DeviceRoutedRunoff` (OpenCL
/// runoff and D8 routing on the device, and by default the expansion and its
/// pull-back too; only the free values, the loss cells' series and seeds, and dL/d(free values)
/// cross). Both take and return the same host values, so the loss and its seed do not depend
/// on where the fields live.
protocol RoutedRunoff: AnyObject {
    /// Steps every run covers, from the first.
    var steps: Int { get }

    /// Discharge (m³/s) at `cells`, `[steps][cells.count]`, of free vector `x` (its HBV
    /// parameter and routing blocks) and the regionalisation network's raw outputs
    /// `networkRaw` (`[cells][network parameters]`, nil without a network). With `recording`,
    /// keeps what `gradient` needs (replacing what an earlier run kept).
    func forward(x: [Double], networkRaw: [Double]?, cells: [Int], recording: Bool, clock: EvaluationStageClock?) throws -> [Double]

    /// The gradient of the last recording forward (at `x`, `networkRaw`) for dL/dQ `seed` at
    /// `cells`, `[steps][cells.count]`.
    func gradient(x: [Double], networkRaw: [Double]?, cells: [Int], seed: [Double], clock: EvaluationStageClock?) throws -> RoutedRunoffGradient
}

/// What `RoutedRunoff.gradient` gives back.
struct RoutedRunoffGradient {
    /// dL/d(the HBV parameter block of the free vector), as `ParameterSpace.pullBack(...).free`.
    var parameters: [Double]
    /// dL/d(the network's raw outputs), `[cells][network parameters]` (empty without a network),
    /// as `ParameterSpace.pullBack(...).network`.
    var network: [Double]
    /// dL/d(the routing block of the free vector), in free-vector order.
    var routing: [Double]
}
