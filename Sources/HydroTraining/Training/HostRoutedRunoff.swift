import HydroModel

/// `RoutedRunoff` with the parameter expansion (`ParameterSpace.expand`, `.pullBack`) and the
/// routing on the host in Double (`CalibrationRouting`): the parameter series
/// go to the session and their gradients come back, the runoff field comes back from it (a
/// download on the OpenCL backend), and the runoff adjoint goes back to it. The path of the
/// reference backend and of lumped cases routed by the gamma unit hydrograph (whose routing
/// has no device kernel yet), on both backends.
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

    func forward(x: [Double], networkRaw: [Double]?, cells: [Int], recording: Bool, clock: EvaluationStageClock?) throws -> [Double] {
        // Released before the new run allocates its own.
        recorded = nil
        // Series over the whole case: the session reads their first `steps` steps.
        let parameters = clock.time(.expansion) { setup.space.expand(free: setup.parameterPart(x), networkRaw: networkRaw, as: Double.self) }
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

    func gradient(x: [Double], networkRaw: [Double]?, cells: [Int], seed: [Double], clock: EvaluationStageClock?) throws -> RoutedRunoffGradient {
        guard let recorded else { throw RunoffSessionError.gradientWithoutRecording }
        let routing = CalibrationRouting(data: data, setup: setup, x: x, steps: steps)
        let routed = try clock.time(.routingAdjoint) {
            try routing.adjoint(runoff: recorded.runoff, discharge: recorded.discharge, seed: .gauges(cells: cells, adjoint: seed))
        }
        let series = try clock.time(.runoffAdjoint) { try session.gradient(runoffAdjoint: routed.localRunoff) }
        let pulled = clock.time(.parameterAdjoint) { setup.space.pullBack(series, free: setup.parameterPart(x), networkRaw: networkRaw) }
        return RoutedRunoffGradient(parameters: pulled.free, network: pulled.network, routing: routed.free)
    }
}
