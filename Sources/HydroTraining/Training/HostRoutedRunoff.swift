import HydroModel

/// `RoutedRunoff` with the exchange and routing on the host in Double (`CalibrationRouting`):
/// the runoff field comes back from the session (a download on the OpenCL backend), and the
/// runoff adjoint goes back to it. The path of the reference backend and of lumped cases routed
/// by the gamma unit hydrograph (whose routing has no device kernel yet), on both backends.
final class HostRoutedRunoff: RoutedRunoff {
    let session: any RunoffSession
    let data: CalibrationData
    let setup: TrainingSetup
    var steps: Int { session.steps }
    /// The last recording forward's runoff and discharge, `[steps][cells]`: the routing
    /// adjoint's inputs.
    private var recorded: (runoff: [Double], discharge: [Double])?

    init(session: any RunoffSession, data: CalibrationData, setup: TrainingSetup) {
        self.session = session
        self.data = data
        self.setup = setup
    }

    func forward(_ parameters: [HBVParameter: ParameterSeries<Double>], x: [Double], cells: [Int], recording: Bool,
                 clock: EvaluationStageClock?) throws -> [Double] {
        // Released before the new run allocates its own.
        recorded = nil
        let runoff = try clock.time(.runoff) { try session.forward(parameters, recording: recording) }
        return try clock.time(.routing) {
            let discharge = try CalibrationRouting(data: data, setup: setup, x: x, steps: steps).forward(runoff: runoff)
            if recording { recorded = (runoff, discharge) }
            let n = data.cells, m = cells.count
            var gathered = [Double](repeating: 0, count: steps * m)
            for t in 0..<steps { for (j, c) in cells.enumerated() { gathered[t * m + j] = discharge[t * n + c] } }
            return gathered
        }
    }

    func gradient(x: [Double], cells: [Int], seed: [Double], clock: EvaluationStageClock?) throws -> RoutedRunoffGradient {
        guard let recorded else { throw RunoffSessionError.gradientWithoutRecording }
        let routing = CalibrationRouting(data: data, setup: setup, x: x, steps: steps)
        let routed = try clock.time(.routingAdjoint) {
            try routing.adjoint(runoff: recorded.runoff, discharge: recorded.discharge, seed: .gauges(cells: cells, adjoint: seed))
        }
        let parameters = try clock.time(.runoffAdjoint) { try session.gradient(runoffAdjoint: routed.localRunoff) }
        return RoutedRunoffGradient(parameters: parameters, routing: routed.free)
    }
}
