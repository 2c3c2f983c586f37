import Foundation
import HydroModel
import HydroObjectives
import HydroRegionalisation
import OpenCLBackend

/// The cost a calibration minimises and its exact gradient, end to end:
///
///     free x -> ParameterSpace.expand -> HBV runoff -> routing (D8, or the gamma unit
///            hydrograph of a lumped case) -> discharge (m³/s) -> weighted loss over the
///            calibration steps at the gauges (missing observations masked), plus the
///            pseudo-observed term at ungauged cells when configured (`CalibrationLoss`)
///
/// (the routing, `CalibrationRouting`, takes the runoff the units deliver, after their runoff
/// exchange) and back: loss adjoint at those cells -> routing adjoint (dL/d runoff, dL/d
/// routing parameters) -> runoff adjoint (dL/d physical parameters, EXCHANGE among them)
/// -> ParameterSpace.pullBack -> dL/dx.
/// Optional regularisation adds `prior * mean((x - x0)²)` and `smoothness * mean over
/// distributed parameters and cells of (x_cell - x_downstream)²`.
///
/// The expansion, runoff model and routing run in a `RoutedRunoff` that the objective keeps between
/// evaluations (and its copies share): an evaluation with a gradient runs the runoff forward
/// once and its reverse sweep from what the forward kept, and the OpenCL backend's forcing
/// stays on the device. On the OpenCL backend a case routed by D8 linear reservoirs keeps its
/// runoff on the device too (`DeviceRoutedRunoff`: routing and its adjoint there,
/// only the loss cells' series and seeds crossing) and, unless `deviceExpansion` is off, its
/// parameter expansion and pull-back as well (`DeviceParameterExpansion`); the reference
/// backend and lumped gamma cases route on the host (`HostRoutedRunoff`) and expand there.
/// Either way the loss and the regionalisation network's chain run on the host in Double.
/// Changing `data`, `setup`, `backend`, `deviceRouting` or `deviceExpansion` starts a new
/// session. A regionalisation network runs on the same backend (`RegionalisationPasses`:
/// its OpenCL kernels in Float with `--device cpu-opencl` or `gpu`).
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
    /// With the OpenCL backend and D8 routing, route on the device (the default); false routes
    /// on the host in Double as the reference backend does (comparisons, tests).
    public var deviceRouting = true { didSet { sessions = RunoffSessionCache() } }
    /// With device routing, expand the free HBV parameters and pull their gradient back on the
    /// device too (the default: only the free values and dL/d(free values) cross); false
    /// expands on the host and moves every parameter's series and gradient, one value per
    /// unit and slot (comparisons, tests).
    public var deviceExpansion = true { didSet { sessions = RunoffSessionCache() } }

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
        let networkRaw = try clock.time(.expansion) {
            try network.map { try networkPasses.forward($0, inputs: setup.networkInputs, cells: data.cells) }
        }
        let cells = CalibrationLoss.cells(data: data, pseudo: pseudoObserved)
        return try sessions.withSession(steps: steps, make: {
            // The session's problem holds the parameters at `x`; each forward then writes its own.
            let parameters = setup.space.expand(free: setup.parameterPart(x), networkRaw: networkRaw, as: Double.self)
            return try makeRoutedRunoff(RunoffProblem(configuration: data.configuration, forcing: data.forcing, parameters: parameters,
                                                      initialStates: data.initialStates()), steps: steps)
        }) { session, kept in
            let run: KeptForward
            if wantsGradient, let k = kept, k.x == x, k.steps == steps, k.cells == cells {
                run = k
            } else {
                // Whatever was kept belongs to the session's previous recording, which this run replaces.
                kept = nil
                let discharge = try session.forward(x: x, networkRaw: networkRaw, cells: cells, recording: wantsGradient || keepingForward, clock: clock)
                run = KeptForward(x: x, steps: steps, networkRaw: networkRaw, cells: cells, discharge: discharge)
                if keepingForward { kept = run }
            }
            // The reverse sweep below uses the session's recording, so nothing is left to reuse.
            if wantsGradient { kept = nil }
            return try evaluate(run, gradient: wantsGradient, network: network, session: session)
        }
    }

    /// Loss (and, when asked, gradient) of the forward `run`, which `session` recorded.
    private func evaluate(_ run: KeptForward, gradient wantsGradient: Bool, network: MultilayerPerceptron?, session: any RoutedRunoff) throws -> Evaluation {
        let (x, steps, cells, routed) = (run.x, run.steps, run.cells, run.discharge)
        let clock = stageClock
        let (discharge, fit, regularisation) = clock.time(.loss) {
            let m = cells.count
            var discharge = [[Double]](repeating: [Double](repeating: 0, count: steps), count: data.gauges.count)
            for (g, gauge) in data.gauges.enumerated() {
                let j = cells.firstIndex(of: gauge.cell)!
                for t in 0..<steps { discharge[g][t] = routed[t * m + j] }
            }
            // Loss over the calibration window.
            let window = data.calibrationSteps.clamped(to: 0..<steps)
            let fit = CalibrationLoss(loss: loss, gaugeWeights: gaugeWeights, pseudo: pseudoObserved)
                .evaluate(discharge: routed, cells: cells, data: data, steps: steps, window: window)
            return (discharge, fit, regularise(x))
        }
        let value = fit.value + regularisation.value
        guard wantsGradient else { return Evaluation(loss: value, gradient: nil, discharge: discharge, nse: fit.nse) }

        let reverse = try session.gradient(x: x, networkRaw: run.networkRaw, cells: fit.seedCells, seed: fit.seed, clock: clock)
        var gradient = try clock.time(.parameterAdjoint) {
            var gradient = reverse.parameters + reverse.routing
            if let network { gradient += try networkPasses.weightGradient(network, inputs: setup.networkInputs, cells: data.cells, outputGradient: reverse.network) }
            return gradient
        }
        for i in gradient.indices { gradient[i] += regularisation.gradient[i] }
        return Evaluation(loss: value, gradient: gradient, discharge: discharge, nse: fit.nse)
    }

    /// The runoff and routing of a new session over `steps`: on the device when the backend is
    /// OpenCL and the case routes by D8 linear reservoirs (gamma routing has no device kernel).
    private func makeRoutedRunoff(_ problem: RunoffProblem<Double>, steps: Int) throws -> any RoutedRunoff {
        if case .openCL(let model) = backend, deviceRouting, setup.gamma == nil {
            let session = try OpenCLRunoffSession(model: model, problem: problem, steps: steps)
            // The elevation correction (docs/ELEVATION.md) works on the host's series: with it the
            // parameters take the host path.
            let expansion = deviceExpansion && setup.space.elevation == nil ? try DeviceParameterExpansion(space: setup.space, data: session.solver.data) : nil
            return DeviceRoutedRunoff(session: session, routing: try DeviceCalibrationRouting(device: model.device, data: data, setup: setup, steps: steps),
                                      expansion: expansion)
        }
        return HostRoutedRunoff(session: try backend.makeSession(problem, steps: steps), data: data, setup: setup)
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
        return RunoffProblem(configuration: data.configuration, forcing: forcing, parameters: parameters, initialStates: data.initialStates())
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
