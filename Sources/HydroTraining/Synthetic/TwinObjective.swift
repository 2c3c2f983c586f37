import HydroModel
import HydroObjectives
import HydroRouting
import ReferenceBackend

/// The twin experiments' loss: mean over gauges of 1 - NSE of simulated against "observed"
/// (true) discharge, with its exact gradient through routing and the HBV adjoint (Double
/// reference): gauge adjoint -> `LinearReservoirRouting.adjoint` -> runoff adjoint ->
/// `SequentialReferenceModel.gradient` -> `ParameterSpace.pullBack`.
public struct TwinObjective: Sendable {
    public let catchment: SyntheticCatchment
    public let space: ParameterSpace
    public let observed: [[Double]]

    public init(catchment: SyntheticCatchment, space: ParameterSpace, observed: [[Double]]? = nil) {
        self.catchment = catchment
        self.space = space
        self.observed = observed ?? catchment.discharge
    }

    public struct Evaluation: Sendable {
        public var loss: Double
        /// NSE per gauge.
        public var nse: [Double]
        public var freeGradient: [Double]
        /// dL/d(network raw outputs), `[cells][networkParameters.count]`.
        public var networkGradient: [Double]
        public var simulated: [[Double]]
    }

    /// Loss (and gradient when `gradient`) at free raw values `free` and network outputs `networkRaw`.
    public func evaluate(free: [Double], networkRaw: [Double]? = nil, gradient: Bool = true) throws -> Evaluation {
        let steps = catchment.options.days, cells = catchment.cellCount, gauges = catchment.gauges
        let series: [HBVParameter: ParameterSeries<Double>] = space.expand(free: free, networkRaw: networkRaw)
        let problem = RunoffProblem(configuration: catchment.configuration, forcing: catchment.hbvForcing, parameters: series)
        let model = SequentialReferenceModel<Double>()
        let runoff = try model.forward(problem).runoff
        let routing = LinearReservoirRouting<Double>(network: catchment.network)
        let routingProblem = RoutingProblem<Double>(steps: steps, stepSeconds: 86_400, localRunoff: runoff,
                                                    velocity: [catchment.options.velocity], cells: cells)
        let routed = try routing.forward(routingProblem)
        let atGauges = routed.discharge(at: gauges, cells: cells)
        let simulated = gauges.indices.map { g in (0..<steps).map { atGauges[$0 * gauges.count + g] } }
        var loss = 0.0
        var nse: [Double] = []
        var gaugeAdjoint = [Double](repeating: 0, count: steps * gauges.count)
        for g in gauges.indices {
            let (l, dl) = DischargeLoss.oneMinusNSE.evaluate(simulated: simulated[g], observed: observed[g])
            loss += l / Double(gauges.count)
            nse.append(1 - l)
            for t in 0..<steps { gaugeAdjoint[t * gauges.count + g] = dl[t] / Double(gauges.count) }
        }
        guard gradient else {
            return Evaluation(loss: loss, nse: nse, freeGradient: [], networkGradient: [], simulated: simulated)
        }
        let routingGradient = try routing.adjoint(routingProblem, discharge: routed.discharge, seed: .gauges(cells: gauges.map(\.cell), adjoint: gaugeAdjoint))
        let hbv = try model.gradient(problem, runoffAdjoint: routingGradient.localRunoff)
        let pulled = space.pullBack(hbv.gradient.parameters, free: free, networkRaw: networkRaw)
        return Evaluation(loss: loss, nse: nse, freeGradient: pulled.free, networkGradient: pulled.network, simulated: simulated)
    }
}
