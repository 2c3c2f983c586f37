import DeviceTensor
import HydroModel

/// `RoutedRunoff` resident on an OpenCL device, for cases routed by D8 linear reservoirs: the
/// runoff solver (`OpenCLRunoffSession`) leaves its runoff on the device, where the exchange
/// factor and routing (`DeviceCalibrationRouting`) read it; the routing adjoint writes dL/d
/// runoff into the buffer the solver's reverse sweep reads. No `[steps][cells]` field crosses
/// to the host: per evaluation, parameter values, velocity and exchange go up, the loss cells'
/// series come down, their seeds go up, and the parameter and routing gradients come down.
///
/// Stages are timed with the device queue finished at their end (when a clock is set), so
/// each stage's kernels count in that stage.
final class DeviceRoutedRunoff: RoutedRunoff {
    let session: OpenCLRunoffSession
    let routing: DeviceCalibrationRouting
    var steps: Int { session.steps }
    /// The runoff of the last forward on the device (the solver's buffer), read by the
    /// exchange factor's adjoint.
    private var runoff: DeviceBuffer<Float>?

    init(session: OpenCLRunoffSession, routing: DeviceCalibrationRouting) {
        precondition(session.steps == routing.steps, "runoff session and routing cover different steps")
        self.session = session
        self.routing = routing
    }

    func forward(_ parameters: [HBVParameter: ParameterSeries<Double>], x: [Double], cells: [Int], recording: Bool,
                 clock: EvaluationStageClock?) throws -> [Double] {
        runoff = nil
        let device = routing.device
        let runoff = try clock.time(.runoff, finishing: device) { try session.forwardOnDevice(parameters, recording: recording) }
        // The download of the gathered series waits for the routing's kernels.
        let gathered = try clock.time(.routing) { try routing.forward(runoff: runoff, x: x, cells: cells) }
        self.runoff = runoff
        return gathered
    }

    func gradient(x: [Double], cells: [Int], seed: [Double], clock: EvaluationStageClock?) throws -> RoutedRunoffGradient {
        guard let runoff else { throw RunoffSessionError.gradientWithoutRecording }
        let adjoint = try session.runoffAdjointBuffer()
        let free = try clock.time(.routingAdjoint, finishing: routing.device) {
            try routing.adjoint(runoff: runoff, x: x, cells: cells, seed: seed, runoffAdjoint: adjoint)
        }
        let parameters = try clock.time(.runoffAdjoint) { try session.gradientOfDeviceRunoffAdjoint() }
        return RoutedRunoffGradient(parameters: parameters, routing: free)
    }
}
