import DeviceTensor
import HydroModel
import OpenCLBackend

/// `RoutedRunoff` resident on an OpenCL device, for cases routed by D8 linear reservoirs: the
/// free HBV parameters are expanded into the runoff solver's parameter buffer on the device
/// (`DeviceParameterExpansion`), the solver (`OpenCLRunoffSession`) leaves its runoff there,
/// where the routing (`DeviceCalibrationRouting`) reads it; the routing
/// adjoint writes dL/d runoff into the buffer the solver's reverse sweep reads, and the sweep's
/// parameter gradient is pulled back to dL/d(free values) there too. No `[steps][cells]` field
/// and no per-unit parameter series crosses to the host: per evaluation the free values go up,
/// the loss cells' series come down, their seeds go up, and dL/d(free values) comes down.
///
/// Network-fed parameters keep the host path (their values come from the regionalisation
/// network on the host): expanded on the host, uploaded per evaluation, their gradient blocks
/// downloaded and pulled back to the network's outputs on the host. Fixed parameters are on the
/// device from the session's creation and never move again. Without an `expansion` (the
/// objective's `deviceExpansion` off) every parameter takes the host path: the comparison the
/// tests make.
///
/// Stages are timed with the device queue finished at their end (when a clock is set), so
/// each stage's kernels count in that stage.
final class DeviceRoutedRunoff: RoutedRunoff {
    let session: OpenCLRunoffSession
    let routing: DeviceCalibrationRouting
    let expansion: DeviceParameterExpansion?
    var steps: Int { session.steps }
    private var space: ParameterSpace { routing.setup.space }
    /// With an expansion: the parameters expanded on the host per evaluation (network-fed), and
    /// those the device holds (free ones, rewritten by the expansion; fixed ones, uploaded once).
    private let hostParameters: [HBVParameter]
    private let deviceParameters: Set<HBVParameter>
    /// Whether a forward ran since the last reset (the adjoint is that forward's).
    private var hasForward = false

    init(session: OpenCLRunoffSession, routing: DeviceCalibrationRouting, expansion: DeviceParameterExpansion?) {
        precondition(session.steps == routing.steps, "runoff session and routing cover different steps")
        self.session = session
        self.routing = routing
        self.expansion = expansion
        let given = session.solver.data.givenParameters
        hostParameters = HBVParameter.allCases.filter { given.contains($0) && routing.setup.space.networkParameters.contains($0) }
        deviceParameters = given.subtracting(hostParameters)
    }

    func forward(x: [Double], networkRaw: [Double]?, cells: [Int], recording: Bool, clock: EvaluationStageClock?) throws -> [Double] {
        hasForward = false
        let device = routing.device
        let free = routing.setup.parameterPart(x)
        let (uploaded, kept) = try clock.time(.expansion, finishing: device) { () -> ([HBVParameter: ParameterSeries<Double>], Set<HBVParameter>) in
            guard let expansion else { return (space.expand(free: free, networkRaw: networkRaw, as: Double.self), []) }
            try expansion.expand(free: free)
            var series: [HBVParameter: ParameterSeries<Double>] = [:]
            for p in hostParameters { series[p] = space.series(of: p, free: free, networkRaw: networkRaw, as: Double.self) }
            return (series, deviceParameters)
        }
        let runoff = try clock.time(.runoff, finishing: device) { try session.forwardOnDevice(uploaded, keeping: kept, recording: recording) }
        // The download of the gathered series waits for the routing's kernels.
        let gathered = try clock.time(.routing) { try routing.forward(runoff: runoff, x: x, cells: cells) }
        hasForward = true
        return gathered
    }

    func gradient(x: [Double], networkRaw: [Double]?, cells: [Int], seed: [Double], clock: EvaluationStageClock?) throws -> RoutedRunoffGradient {
        guard hasForward else { throw RunoffSessionError.gradientWithoutRecording }
        let device = routing.device
        let free = routing.setup.parameterPart(x)
        if let expansion, expansion.expandedFree != free {
            throw RunoffSessionError.gradientAtAnotherPoint
        }
        let adjoint = try session.runoffAdjointBuffer()
        let routed = try clock.time(.routingAdjoint, finishing: device) {
            try routing.adjoint(x: x, cells: cells, seed: seed, runoffAdjoint: adjoint)
        }
        let gradient = try clock.time(.runoffAdjoint, finishing: device) { try session.adjointOnDevice() }
        return try clock.time(.parameterAdjoint) {
            guard let expansion else {
                let series = try session.download(gradient, of: session.solver.data.givenParameters)
                let pulled = space.pullBack(series, free: free, networkRaw: networkRaw)
                return RoutedRunoffGradient(parameters: pulled.free, network: pulled.network, routing: routed)
            }
            let parameters = try expansion.pullBack(gradient)
            // Network-fed parameters only: `pullBack` skips parameters without a gradient block,
            // so its free part is all zero here.
            let network = hostParameters.isEmpty ? [] : space.pullBack(try session.download(gradient, of: hostParameters), free: free, networkRaw: networkRaw).network
            return RoutedRunoffGradient(parameters: parameters, network: network, routing: routed)
        }
    }
}
