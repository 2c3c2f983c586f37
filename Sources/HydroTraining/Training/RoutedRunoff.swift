import HydroModel

/// The part of the calibration chain between physical parameter series and discharge at the
/// cells the loss reads (gauges, pseudo-observed cells): HBV runoff, exchange factor, routing,
/// and its reverse. `CalibrationObjective` keeps one per step count between evaluations
/// (`RunoffSessionCache`) and computes the loss, the parameter chain and regularisation on the
/// host around it, whatever runs inside.
///
/// Two implementations: `HostRoutedRunoff` (a `RunoffSession` of either backend, then exchange
/// and routing on the host in Double) and `DeviceRoutedRunoff` (OpenCL runoff, exchange and D8
/// routing all on the device; only the loss cells' series and seeds cross). Both take and
/// return the same host values, so the loss and its seed do not depend on where the fields live.
protocol RoutedRunoff: AnyObject {
    /// Steps every run covers, from the first.
    var steps: Int { get }

    /// Discharge (m³/s) at `cells`, `[steps][cells.count]`, of `parameters` and the routing and
    /// exchange blocks of free vector `x`. With `recording`, keeps what `gradient` needs
    /// (replacing what an earlier run kept).
    func forward(_ parameters: [HBVParameter: ParameterSeries<Double>], x: [Double], cells: [Int], recording: Bool,
                 clock: EvaluationStageClock?) throws -> [Double]

    /// The gradient of the last recording forward (at `x`) for dL/dQ `seed` at `cells`,
    /// `[steps][cells.count]`.
    func gradient(x: [Double], cells: [Int], seed: [Double], clock: EvaluationStageClock?) throws -> RoutedRunoffGradient
}

/// What `RoutedRunoff.gradient` gives back.
struct RoutedRunoffGradient {
    /// dL/d(physical parameter series), as `RunoffSession.gradient`.
    var parameters: [HBVParameter: [Double]]
    /// dL/d(the routing block, then the exchange block, of the free vector), in free-vector order.
    var routing: [Double]
}
