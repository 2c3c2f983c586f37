import HydroModel
import HydroRegionalisation

/// Twin experiments on a synthetic catchment: calibrate to the catchment's own true discharge
/// from seeded random starts and compare what comes back with the truth.
///
/// - `calibrateUniform`: the chosen parameters as one raw value each (others fixed at their
///   true values), restarted projected L-BFGS on raw values in [-5, 5] (optionally Adam first and
///   basin hopping after).
/// - `trainRegionalisation`: the mapped parameters come from a `MultilayerPerceptron` fed the
///   normalised descriptors, trained jointly with uniform raw values of `uniformFree` by
///   projected L-BFGS on [uniform raw..., weights...]; the gradient of the weights chains the
///   network's backward pass after the model adjoint.
public enum TwinExperiment {
    /// Raw values stay in [-5, 5] (0.7 % to 99.3 % of the bounds): beyond, the sigmoid's slope
    /// vanishes and a parameter that wanders there cannot come back.
    static let rawBound = 5.0

    public struct Recovery: Sendable {
        public var parameter: HBVParameter
        public var trueValue: Double
        public var estimate: Double
        public var start: Double
        public var relativeError: Double { abs(estimate - trueValue) / abs(trueValue) }
    }

    public struct UniformResult: Sendable {
        public var seed: UInt64
        public var iterations: Int
        public var evaluations: Int
        public var loss: Double
        public var nse: [Double]
        public var recovery: [Recovery]
    }

    /// Layouts: `free` uniform and calibrated, others fixed at the truth (which must be uniform for them).
    static func layouts(_ catchment: SyntheticCatchment, free: [HBVParameter: Double], network: [HBVParameter] = []) -> [HBVParameter: ParameterLayout] {
        var layouts: [HBVParameter: ParameterLayout] = [:]
        for p in HBVParameter.allCases {
            if network.contains(p) {
                layouts[p] = ParameterLayout(spatial: .network)
            } else if let start = free[p] {
                layouts[p] = ParameterLayout(initialValue: start)
            } else if let truth = catchment.trueParameters[p] {
                // A map (the glacier fraction) stays a map.
                layouts[p] = truth.allSatisfy { $0 == truth[0] } ? .fixed(truth[0]) : .fixed(perCell: truth)
            } else {
                // A process the truth does not have (off by default): held off.
                layouts[p] = .fixed(p.offValue!)
            }
        }
        return layouts
    }

    /// A random physical start for each parameter: raw uniform in [-2, 2] (12 % to 88 % of the bounds).
    static func randomStarts(_ parameters: [HBVParameter], rng: inout SeededGenerator) -> [HBVParameter: Double] {
        var starts: [HBVParameter: Double] = [:]
        for p in parameters { starts[p] = ParameterTransform.physical(rng.uniform(-2, 2), p) }
        return starts
    }

    /// `profilePoints` > 0: before the free descent, a profile over TT (see `profileThreshold`).
    public static func calibrateUniform(_ catchment: SyntheticCatchment, parameters: [HBVParameter], seed: UInt64,
                                        candidates: Int = 16, maxIterations: Int = 400, hops: Int = 0, profilePoints: Int = 0) throws -> UniformResult {
        var rng = SeededGenerator(seed: seed)
        // Screen `candidates` random points and start from the best (one forward run each):
        // HBV's thresholds leave whole pathways dormant at some points (e.g. a fast-flow
        // threshold above every upper-zone storage makes the fast flow's gradients exactly
        // zero), where no gradient method can move. The screen prefers points where every parameter has a non-zero gradient, then
        // the lowest loss (the usual multi-start pre-selection of such calibrations).
        // Candidates with a dormant parameter (gradient exactly 0) rank after all others.
        var best: (dormant: Bool, loss: Double, starts: [HBVParameter: Double])?
        for _ in 0..<max(1, candidates) {
            let trial = randomStarts(parameters, rng: &rng)
            let space = try ParameterSpace(layouts: layouts(catchment, free: trial), cells: catchment.cellCount, steps: catchment.options.days)
            let e = try TwinObjective(catchment: catchment, space: space).evaluate(free: space.initialFreeValues())
            let dormant = e.freeGradient.contains(0)
            if best == nil || (!dormant && best!.dormant) || (dormant == best!.dormant && e.loss < best!.loss) { best = (dormant, e.loss, trial) }
        }
        let starts = best!.starts
        let space = try ParameterSpace(layouts: layouts(catchment, free: starts), cells: catchment.cellCount, steps: catchment.options.days)
        let objective = TwinObjective(catchment: catchment, space: space)
        let x0 = space.initialFreeValues()
        let optimiser = BoundedLBFGS(lower: [Double](repeating: -rawBound, count: x0.count), upper: [Double](repeating: rawBound, count: x0.count))
        let evaluate: ([Double]) throws -> (loss: Double, gradient: [Double]) = { x in
            let e = try objective.evaluate(free: x)
            return (e.loss, e.freeGradient)
        }
        let state = try minimise(optimiser, from: x0, maxIterations: maxIterations, hops: hops, hopSeed: seed &+ 0xB0B,
                                 threshold: profilePoints > 0 ? space.offsets[.tt] : nil, profilePoints: profilePoints, evaluate: evaluate)
        let final = try objective.evaluate(free: state.x, gradient: false)
        let recovery = parameters.map { p in
            Recovery(parameter: p, trueValue: catchment.trueParameters[p]![0],
                     estimate: ParameterTransform.physical(state.x[space.offsets[p]!], p), start: starts[p]!)
        }
        return UniformResult(seed: seed, iterations: state.iteration, evaluations: state.evaluations, loss: final.loss, nse: final.nse, recovery: recovery)
    }

    public struct MapError: Sendable {
        public var parameter: HBVParameter
        /// Mean and largest |estimate - truth| / truth over cells.
        public var meanRelativeError: Double
        public var maxRelativeError: Double
        /// Correlation of estimated and true map over cells.
        public var correlation: Double
    }

    public struct RegionalisationResult: Sendable {
        public var seed: UInt64
        public var iterations: Int
        public var evaluations: Int
        public var loss: Double
        public var nse: [Double]
        public var maps: [MapError]
        public var uniform: [Recovery]
        public var network: MultilayerPerceptron
    }

    /// Trains a network `[3, hidden, mapped.count]` (tanh) for `mapped`, plus uniform `uniformFree`.
    public static func trainRegionalisation(_ catchment: SyntheticCatchment, mapped: [HBVParameter] = SyntheticCatchment.mappedParameters,
                                            uniformFree: [HBVParameter], hidden: Int = 6, seed: UInt64,
                                            maxIterations: Int = 600, profilePoints: Int = 0) throws -> RegionalisationResult {
        var rng = SeededGenerator(seed: seed)
        let starts = randomStarts(uniformFree, rng: &rng)
        let mappedSorted = HBVParameter.allCases.filter { mapped.contains($0) }
        let space = try ParameterSpace(layouts: layouts(catchment, free: starts, network: mappedSorted), cells: catchment.cellCount, steps: catchment.options.days)
        let objective = TwinObjective(catchment: catchment, space: space)
        let cells = catchment.cellCount
        let normalisation = try DescriptorNormalisation(fitting: catchment.descriptors, cells: cells, names: SyntheticCatchment.descriptorNames)
        let inputs: [Double] = try normalisation.apply(catchment.descriptors, cells: cells)
        var network = try MultilayerPerceptron(layerSizes: [SyntheticCatchment.descriptorNames.count, hidden, mappedSorted.count], activation: .tanh, seed: seed &+ 1)
        let freeCount = space.freeCount
        let x0 = space.initialFreeValues() + network.weights
        let lower = [Double](repeating: -rawBound, count: freeCount) + [Double](repeating: -50, count: network.weightCount)
        let upper = lower.map { -$0 }
        let optimiser = BoundedLBFGS(lower: lower, upper: upper)
        let evaluate: ([Double]) throws -> (loss: Double, gradient: [Double]) = { x in
            var net = network
            net.weights = Array(x[freeCount...])
            let raw: [Double] = try net.forward(inputs, cells: cells)
            let e = try objective.evaluate(free: Array(x[..<freeCount]), networkRaw: raw)
            let g = try net.backward(inputs, cells: cells, outputGradient: e.networkGradient)
            return (e.loss, e.freeGradient + g.weights)
        }
        let state = try minimise(optimiser, from: x0, maxIterations: maxIterations, hops: 0, hopSeed: 0,
                                 threshold: profilePoints > 0 ? space.offsets[.tt] : nil, profilePoints: profilePoints, evaluate: evaluate)
        network.weights = Array(state.x[freeCount...])
        let raw: [Double] = try network.forward(inputs, cells: cells)
        let free = Array(state.x[..<freeCount])
        let final = try objective.evaluate(free: free, networkRaw: raw, gradient: false)
        let series: [HBVParameter: ParameterSeries<Double>] = space.expand(free: free, networkRaw: raw)
        let maps = mappedSorted.map { p -> MapError in
            let truth = catchment.trueParameters[p]!, estimate = series[p]!.values
            let errors = zip(estimate, truth).map { abs($0 - $1) / abs($1) }
            return MapError(parameter: p, meanRelativeError: errors.reduce(0, +) / Double(cells), maxRelativeError: errors.max()!,
                            correlation: correlation(estimate, truth))
        }
        let uniform = uniformFree.map { p in
            Recovery(parameter: p, trueValue: catchment.trueParameters[p]![0], estimate: series[p]!.values[0], start: starts[p]!)
        }
        return RegionalisationResult(seed: seed, iterations: state.iteration, evaluations: state.evaluations, loss: final.loss,
                                     nse: final.nse, maps: maps, uniform: uniform, network: network)
    }

    /// `minimise`, and with a `threshold` index (TT's raw value) and `profilePoints` > 0 the
    /// profile around it: `profileThreshold` first, the free descent (with hops), then up to two
    /// rounds of `profileLineSearch` each followed by a free descent, kept when lower.
    static func minimise(_ optimiser: BoundedLBFGS, from start: [Double], maxIterations: Int, hops: Int, hopSeed: UInt64,
                         threshold: Int?, profilePoints: Int,
                         evaluate: ([Double]) throws -> (loss: Double, gradient: [Double])) throws -> BoundedLBFGS.State {
        var x0 = start
        var profileCost = (iterations: 0, evaluations: 0)
        if let tt = threshold, profilePoints > 0 {
            let profile = try profileThreshold(index: tt, points: profilePoints, from: x0, maxIterations: maxIterations / (2 * profilePoints), evaluate: evaluate)
            x0 = profile.x
            profileCost = (profile.iterations, profile.evaluations)
        }
        var state = try minimise(optimiser, from: x0, maxIterations: maxIterations, maxHops: hops, hopSeed: hopSeed, evaluate: evaluate)
        if let tt = threshold, profilePoints > 0 {
            // The descent cannot see the rain/snow step, so TT ends where a step stopped it:
            // alternate a profile line search on TT with a descent of everything.
            for _ in 0..<2 {
                let line = try profileLineSearch(index: tt, around: state.x, halfWidth: 0.25, points: 12, descentIterations: 20, evaluate: evaluate)
                profileCost.iterations += line.iterations
                profileCost.evaluations += line.evaluations
                guard line.loss < state.loss else { break }
                let polished = try minimise(optimiser, from: line.x, maxIterations: maxIterations / 4, evaluate: evaluate)
                profileCost.iterations += polished.iteration
                profileCost.evaluations += polished.evaluations
                if polished.loss < state.loss {
                    let (iterations, evaluations) = (state.iteration, state.evaluations)
                    state = polished
                    state.iteration = iterations
                    state.evaluations = evaluations
                }
            }
        }
        state.iteration += profileCost.iterations
        state.evaluations += profileCost.evaluations
        return state
    }

    /// A profile over a threshold parameter: descend with raw value `index` held at each of
    /// `points` values evenly spread over raw [-2, 2] (12 % to 88 % of its bounds), and return
    /// the point with the lowest loss. TT splits precipitation into rain and snow by a step at
    /// T = TT, so the loss jumps along TT and a descent started on the wrong side of a cluster
    /// of temperatures stalls in a local minimum (docs/TWIN-EXPERIMENTS.md); holding TT at a few
    /// values and letting the smooth parameters settle around each finds the right side.
    static func profileThreshold(index: Int, points: Int, from x0: [Double], maxIterations: Int,
                                 evaluate: ([Double]) throws -> (loss: Double, gradient: [Double])) throws -> (x: [Double], iterations: Int, evaluations: Int) {
        var best: (loss: Double, x: [Double])?
        var iterations = 0, evaluations = 0
        for k in 0..<points {
            let raw = points == 1 ? 0 : -2 + 4 * Double(k) / Double(points - 1)
            var lower = [Double](repeating: -rawBound, count: x0.count), upper = [Double](repeating: rawBound, count: x0.count)
            lower[index] = raw
            upper[index] = raw
            var start = x0
            start[index] = raw
            let state = try minimise(BoundedLBFGS(lower: lower, upper: upper), from: start, maxIterations: max(1, maxIterations), evaluate: evaluate)
            iterations += state.iteration
            evaluations += state.evaluations
            if best == nil || state.loss < best!.loss { best = (state.loss, state.x) }
        }
        return (best!.x, iterations, evaluations)
    }

    /// Golden-section search over raw value `index` in [x - halfWidth, x + halfWidth] of the
    /// profile loss: at each trial value, a short descent of everything else with that value
    /// held (the parameters that trade against TT, the melt factor above all, must follow it,
    /// or no TT away from the current one looks better). Keeps the best point seen: the loss along TT is
    /// a staircase with smooth treads, so no bracketing is assumed.
    static func profileLineSearch(index: Int, around x: [Double], halfWidth: Double, points: Int, descentIterations: Int,
                                  evaluate: ([Double]) throws -> (loss: Double, gradient: [Double])) throws -> (x: [Double], loss: Double, iterations: Int, evaluations: Int) {
        var iterations = 0, evaluations = 0
        var best: (x: [Double], loss: Double)?
        func profile(_ v: Double) throws -> Double {
            let raw = min(max(v, -rawBound), rawBound)
            var lower = [Double](repeating: -rawBound, count: x.count), upper = [Double](repeating: rawBound, count: x.count)
            lower[index] = raw
            upper[index] = raw
            var start = best?.x ?? x
            start[index] = raw
            let state = try minimise(BoundedLBFGS(lower: lower, upper: upper), from: start, maxIterations: descentIterations, evaluate: evaluate)
            iterations += state.iteration
            evaluations += state.evaluations
            if best == nil || state.loss < best!.loss { best = (state.x, state.loss) }
            return state.loss
        }
        let ratio = (5.0.squareRoot() - 1) / 2
        var a = x[index] - halfWidth, b = x[index] + halfWidth
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = try profile(c), fd = try profile(d)
        for _ in 0..<max(0, points - 2) {
            if fc < fd { b = d; d = c; fd = fc; c = b - ratio * (b - a); fc = try profile(c) }
            else { a = c; c = d; fc = fd; d = a + ratio * (b - a); fd = try profile(d) }
        }
        return (best!.x, best!.loss, iterations, evaluations)
    }

    /// `adamIterations` of Adam (cosine rate 0.1 to 0.005; default none: on the 12 x 12 twin
    /// it led every start into the local minimum of the snow threshold, melt factor and
    /// fast-flow threshold), then projected L-BFGS, restarted with an empty memory whenever it
    /// stops short of `target`
    /// (HBV's thresholds make the loss piecewise smooth, and a stale curvature pair can stall
    /// the line search at a kink); stops when three restarts in a row each lower the loss by less than 0.1 %.
    /// Returns the final state with `iteration` and `evaluations` summed over restarts.
    static func minimise(_ optimiser: BoundedLBFGS, from x0: [Double], maxIterations: Int, adamIterations: Int = 0, target: Double = 1e-12,
                         maxHops: Int = 0, hopAbove: Double = 1e-3, hopSize: Double = 0.5, hopSeed: UInt64 = 0,
                         evaluate: ([Double]) throws -> (loss: Double, gradient: [Double])) throws -> BoundedLBFGS.State {
        // Optional phase 1: Adam (no line search, so HBV's kinks do not stall it).
        var x = x0
        var adam = Adam(schedule: .cosine(initial: 0.1, final: 0.005, iterations: adamIterations))
        for _ in 0..<adamIterations {
            let (_, g) = try evaluate(x)
            adam.step(&x, gradient: g)
            x = optimiser.project(x)
        }
        // Phase 2: restarted L-BFGS polishes.
        var state = try optimiser.start(at: x, evaluate: evaluate)
        var iterations = adamIterations, evaluations = adamIterations
        var restarts = 0, stalls = 0
        while true {
            let lossAtStart = state.loss
            while !state.converged && iterations + state.iteration < maxIterations { try optimiser.iterate(&state, evaluate: evaluate) }
            iterations += state.iteration
            evaluations += state.evaluations
            stalls = restarts > 0 && state.loss > 0.999 * lossAtStart ? stalls + 1 : 0
            if state.loss <= target || iterations >= maxIterations || stalls >= 3 { break }
            state = try optimiser.start(at: state.x, evaluate: evaluate)
            restarts += 1
        }
        // Monotonic basin hopping: from a stall above `hopAbove`, jump by a seeded random step
        // (raw ±`hopSize`) and descend again; keep the result only if it is lower.
        var rng = SeededGenerator(seed: hopSeed)
        var hops = 0
        while state.loss > hopAbove && hops < maxHops && iterations < maxIterations {
            hops += 1
            let jumped = optimiser.project(state.x.map { $0 + rng.uniform(-hopSize, hopSize) })
            var trial = try optimiser.start(at: jumped, evaluate: evaluate)
            var trialStalls = 0
            while true {
                let lossAtStart = trial.loss
                while !trial.converged && iterations + trial.iteration < maxIterations { try optimiser.iterate(&trial, evaluate: evaluate) }
                iterations += trial.iteration
                evaluations += trial.evaluations
                trialStalls = trial.loss > 0.999 * lossAtStart ? trialStalls + 1 : 0
                if trial.loss <= target || iterations >= maxIterations || trialStalls >= 2 { break }
                trial = try optimiser.start(at: trial.x, evaluate: evaluate)
            }
            if trial.loss < state.loss { state = trial }
        }
        state.iteration = iterations
        state.evaluations = evaluations
        return state
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}
