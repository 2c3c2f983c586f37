import Foundation
import HydroModel
import HydroObjectives
import HydroRegionalisation

/// The cost a calibration minimises and its exact gradient, end to end:
///
///     free x -> ParameterSpace.expand -> HBV runoff -> routing (D8, or the gamma unit
///            hydrograph of a lumped case) -> discharge (m³/s) -> weighted loss over the
///            calibration steps at the gauges (missing observations masked), plus the
///            pseudo-observed term at ungauged cells when configured (`CalibrationLoss`)
///
/// (the routing, `CalibrationRouting`, takes the runoff scaled by the exchange factor)
/// and back: loss adjoint at those cells -> routing adjoint (dL/d runoff, dL/d routing
/// parameters and exchange factor) -> runoff adjoint (dL/d physical parameters)
/// -> ParameterSpace.pullBack -> dL/dx.
/// Optional regularisation adds `prior * mean((x - x0)²)` and `smoothness * mean over
/// distributed parameters and cells of (x_cell - x_downstream)²`.
///
/// The runoff model runs in a `RunoffSession` that the objective keeps between evaluations (and
/// its copies share): an evaluation with a gradient runs the runoff forward once and its
/// reverse sweep from what the forward kept, and the OpenCL backend's forcing stays on the
/// device. Changing `data`, `setup` or `backend` starts a new session. A regionalisation
/// network runs on the same backend (`RegionalisationPasses`: its OpenCL kernels in Float with
/// `--device cpu-opencl` or `gpu`).
public struct CalibrationObjective {
    public var data: CalibrationData { didSet { sessions = RunoffSessionCache() } }
    public var setup: TrainingSetup { didSet { sessions = RunoffSessionCache(); networkPasses = RegionalisationPasses(backend: backend) } }
    public var loss: DischargeLoss
    public var backend: RunoffBackend { didSet { sessions = RunoffSessionCache(); networkPasses = RegionalisationPasses(backend: backend) } }
    /// Weight of each gauge (index as in `data.gauges`), 0 for gauges without observations.
    public var gaugeWeights: [Double]
    public var priorWeight: Double
    public var smoothnessWeight: Double
    public var prior: [Double]
    /// Pseudo-observed discharge at ungauged cells (`training.pseudo_observed`), nil when unused.
    public var pseudoObserved: PseudoObservations?
    /// The runoff session of the last evaluations' step count.
    private var sessions = RunoffSessionCache()
    /// The regionalisation network's passes, on the runoff backend's device.
    private var networkPasses: RegionalisationPasses
    /// Times each stage of every evaluation when set (`hydrogpu bench training`); shared by copies.
    public var stageClock: EvaluationStageClock?

    public init(data: CalibrationData, setup: TrainingSetup, loss: DischargeLoss = .oneMinusNSE, backend: RunoffBackend = .reference,
                gaugeWeights: [String: Double] = [:], priorWeight: Double = 0, smoothnessWeight: Double = 0) {
        self.data = data
        self.setup = setup
        self.loss = loss
        self.backend = backend
        self.networkPasses = RegionalisationPasses(backend: backend)
        self.gaugeWeights = data.gauges.map { g in g.observed == nil ? 0 : gaugeWeights[g.id] ?? 1 }
        self.priorWeight = priorWeight
        self.smoothnessWeight = smoothnessWeight
        self.prior = setup.initialFreeValues()
    }

    /// One evaluation: the cost, its gradient (when asked), and what the run produced.
    public struct Evaluation: Sendable {
        public var loss: Double
        public var gradient: [Double]?
        /// Discharge at every gauge, `[gauge][step]`, m³/s.
        public var discharge: [[Double]]
        /// NSE per gauge over the calibration steps (nil without observations there).
        public var nse: [Double?]
    }

    /// Runs the model over steps `0..<steps` (default: to the end of the calibration window).
    /// Evaluations of one objective (and its copies) take turns.
    ///
    /// With `gradient`, when the last evaluation was `lossEvaluation` at the same `x` (and
    /// steps), its forward run is reused and only the reverse sweeps run.
    public func evaluate(_ x: [Double], gradient wantsGradient: Bool, steps: Int? = nil) throws -> Evaluation {
        try evaluate(x, gradient: wantsGradient, keepingForward: false, steps: steps)
    }

    /// The loss at `x` over the calibration window, without its gradient; the forward run is
    /// kept (the runoff session's tape, runoff and discharge) so that a following
    /// `evaluate(x, gradient: true)` at the same `x` runs only the reverse sweeps. For line
    /// searches, whose trial points mostly need no gradient.
    public func lossEvaluation(_ x: [Double]) throws -> Evaluation {
        try evaluate(x, gradient: false, keepingForward: true, steps: nil)
    }

    private func evaluate(_ x: [Double], gradient wantsGradient: Bool, keepingForward: Bool, steps: Int?) throws -> Evaluation {
        let steps = steps ?? data.calibrationSteps.upperBound
        precondition(x.count == setup.freeCount, "free vector has \(x.count) values, expected \(setup.freeCount)")
        let network = setup.network(x)
        let clock = stageClock
        let (networkRaw, parameters) = try clock.time(.expansion) {
            let networkRaw = try network.map { try networkPasses.forward($0, inputs: setup.networkInputs, cells: data.cells) }
            // Series over the whole case: the session reads their first `steps` steps.
            return (networkRaw, setup.space.expand(free: setup.parameterPart(x), networkRaw: networkRaw, as: Double.self))
        }
        return try sessions.withSession(steps: steps, make: {
            try backend.makeSession(RunoffProblem(configuration: data.configuration, forcing: data.forcing, parameters: parameters), steps: steps)
        }) { session, kept in
            let run: KeptForward
            if wantsGradient, let k = kept, k.x == x, k.steps == steps {
                run = k
            } else {
                // Whatever was kept belongs to the session's previous recording, which this run replaces.
                kept = nil
                let runoff = try clock.time(.runoff) { try session.forward(parameters, recording: wantsGradient || keepingForward) }
                let routed = try clock.time(.routing) { try CalibrationRouting(data: data, setup: setup, x: x, steps: steps).forward(runoff: runoff) }
                run = KeptForward(x: x, steps: steps, networkRaw: networkRaw, runoff: runoff, routed: routed)
                if keepingForward { kept = run }
            }
            // The reverse sweep below uses the session's recording, so nothing is left to reuse.
            if wantsGradient { kept = nil }
            return try evaluate(run, gradient: wantsGradient, network: network, session: session)
        }
    }

    /// Loss (and, when asked, gradient) of the forward `run`, whose runoff `session` recorded.
    private func evaluate(_ run: KeptForward, gradient wantsGradient: Bool, network: MultilayerPerceptron?, session: any RunoffSession) throws -> Evaluation {
        let (x, steps, routed) = (run.x, run.steps, run.routed)
        let routing = CalibrationRouting(data: data, setup: setup, x: x, steps: steps)
        let clock = stageClock
        let (discharge, fit, regularisation) = clock.time(.loss) {
            let n = data.cells, gaugeCount = data.gauges.count
            var discharge = [[Double]](repeating: [Double](repeating: 0, count: steps), count: gaugeCount)
            for (g, gauge) in data.gauges.enumerated() { for t in 0..<steps { discharge[g][t] = routed[t * n + gauge.cell] } }
            // Loss over the calibration window.
            let window = data.calibrationSteps.clamped(to: 0..<steps)
            let fit = CalibrationLoss(loss: loss, gaugeWeights: gaugeWeights, pseudo: pseudoObserved).evaluate(discharge: routed, data: data, steps: steps, window: window)
            return (discharge, fit, regularise(x))
        }
        let value = fit.value + regularisation.value
        guard wantsGradient else { return Evaluation(loss: value, gradient: nil, discharge: discharge, nse: fit.nse) }

        let routingGradient = try clock.time(.routingAdjoint) {
            try routing.adjoint(runoff: run.runoff, discharge: routed, seed: .gauges(cells: fit.seedCells, adjoint: fit.seed))
        }
        let parameterGradient = try clock.time(.runoffAdjoint) { try session.gradient(runoffAdjoint: routingGradient.localRunoff) }
        var gradient = try clock.time(.parameterAdjoint) {
            let pulled = setup.space.pullBack(parameterGradient, free: setup.parameterPart(x), networkRaw: run.networkRaw)
            var gradient = pulled.free + routingGradient.free
            if let network { gradient += try networkPasses.weightGradient(network, inputs: setup.networkInputs, cells: data.cells, outputGradient: pulled.network) }
            return gradient
        }
        for i in gradient.indices { gradient[i] += regularisation.gradient[i] }
        return Evaluation(loss: value, gradient: gradient, discharge: discharge, nse: fit.nse)
    }

    /// The regionalisation network's raw outputs `[cells][network parameters]` at free vector
    /// `x`, computed where evaluations compute them; nil without a network.
    public func networkOutputs(_ x: [Double]) throws -> [Double]? {
        try setup.network(x).map { try networkPasses.forward($0, inputs: setup.networkInputs, cells: data.cells) }
    }

    /// The runoff problem of free vector `x` over the first `steps` steps.
    public func runoffProblem(_ x: [Double], steps: Int, networkRaw: [Double]? = nil) -> RunoffProblem<Double> {
        var parameters = setup.space.expand(free: setup.parameterPart(x), networkRaw: networkRaw, as: Double.self)
        if steps != data.steps {
            for (p, s) in parameters where s.slotOfStep.count != steps { parameters[p]!.slotOfStep = Array(s.slotOfStep.prefix(steps)) }
        }
        let f = data.forcing
        let forcing = steps == f.steps ? f : HBVForcing(steps: steps, cells: f.cells, precipitation: Array(f.precipitation.prefix(steps * f.cells)),
                                                          temperature: Array(f.temperature.prefix(steps * f.cells)), pet: Array(f.pet.prefix(steps * f.cells)))
        return RunoffProblem(configuration: data.configuration, forcing: forcing, parameters: parameters)
    }

    private func regularise(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        var gradient = [Double](repeating: 0, count: x.count)
        var value = 0.0
        if priorWeight > 0, !x.isEmpty {
            let scale = priorWeight / Double(x.count)
            for i in x.indices {
                let d = x[i] - prior[i]
                value += scale * d * d
                gradient[i] += 2 * scale * d
            }
        }
        if smoothnessWeight > 0 {
            let space = setup.space
            var pairs: [(Int, Int)] = []
            for (p, offset) in space.offsets where space.layouts[p]!.spatial == .distributed {
                let slots = ParameterSpace.slots(space.layouts[p]!.temporal, space.steps)
                for slot in 0..<slots {
                    for c in 0..<space.cells {
                        let d = Int(data.network.downstream[c])
                        guard d >= 0 else { continue }
                        for k in 0..<space.components {
                            pairs.append((offset + (slot * space.cells + c) * space.components + k, offset + (slot * space.cells + d) * space.components + k))
                        }
                    }
                }
            }
            if !pairs.isEmpty {
                let scale = smoothnessWeight / Double(pairs.count)
                for (a, b) in pairs {
                    let d = x[a] - x[b]
                    value += scale * d * d
                    gradient[a] += 2 * scale * d
                    gradient[b] -= 2 * scale * d
                }
            }
        }
        return (value, gradient)
    }
}
