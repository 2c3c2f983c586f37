import Foundation
import HydroDomain
import HydroModel
import HydroObjectives
import HydroRegionalisation
import HydroRouting

/// How one calibrated quantity is laid out, as the config's `parameters:` section gives it.
///
/// ```yaml
/// parameters:
///   FC: {spatial: distributed, initial: 250}
///   K0: {spatial: zones, zones: ../data/lez/landcover.asc, temporal: monthly}
///   TT: {fixed: 0}
///   velocity: {initial: 1}        # routing channel velocity, m/s (uniform)
///   route_a: {initial: 1}         # lumped cases: gamma unit hydrograph shape (instead of velocity)
///   route_b: 2                    # and scale, here fixed
/// ```
public struct ParameterConfig: Sendable, Equatable {
    public enum Spatial: String, Sendable, CaseIterable, Codable { case uniform, zones, distributed, network }
    public enum Temporal: String, Sendable, CaseIterable, Codable { case constant, monthly, dynamic }
    public var spatial: Spatial = .uniform
    /// Class raster for `zones` (one integer class per active cell).
    public var zones: RasterSource?
    public var temporal: Temporal = .constant
    public var fixed: Double?
    public var initial: Double?
    /// `bounds: [lower, upper]`: physical bounds replacing MODEL.md's table for this case.
    public var bounds: ParameterBounds?
    public var line: Int?

    public init(spatial: Spatial = .uniform, zones: RasterSource? = nil, temporal: Temporal = .constant, fixed: Double? = nil, initial: Double? = nil, line: Int? = nil) {
        self.spatial = spatial
        self.zones = zones
        self.temporal = temporal
        self.fixed = fixed
        self.initial = initial
        self.line = line
    }
}

/// The config's `regionalisation:` section: the network that maps descriptors to the raw
/// values of parameters whose spatial layout is `network`.
public struct RegionalisationConfig: Sendable, Equatable {
    /// Descriptor names (default: every descriptor of the case, in config order).
    public var descriptors: [String] = []
    public var hidden: [Int] = [16]
    /// tanh | relu | leaky-relu
    public var activation: ActivationChoice = .tanh
    public var seed: UInt64 = 1
    public var normalisation: NormalisationMethod = .minMax
    public init() {}
}

/// The optimisers `hydrogpu train` offers.
public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    case adam, lbfgs, adadelta
}

/// The config's `training:` section.
public struct TrainingConfig: Sendable, Equatable {
    public var optimizer: OptimizerKind = .lbfgs
    /// Adam: initial learning rate (raw, sigmoid-space units).
    public var learningRate: Double = 0.05
    /// Adam: `constant`, `cosine` (to learningRate / 100) or `step` (x0.5 every iterations/4).
    public var schedule: ScheduleChoice = .constant
    public var iterations: Int = 100
    public var loss: DischargeLoss = .oneMinusNSE
    /// Weight of each gauge in the cost (gauge id -> weight); gauges not named weigh 1, a
    /// weight 0 leaves the gauge out.
    public var gaugeWeights: [String: Double] = [:]
    /// Config line of each gauge id in `gauge_weights`, so an unknown id is named with its line.
    public var gaugeWeightLines: [String: Int] = [:]
    /// Checkpoint every this many iterations (and at the end).
    public var checkpointInterval: Int = 5
    /// Regularisation: weight of the squared distance of raw values to their initial values.
    public var priorWeight: Double = 0
    /// Weight of the squared raw differences between a cell and its downstream cell (distributed
    /// parameters only).
    public var smoothnessWeight: Double = 0
    /// Pseudo-observed discharge at ungauged cells (nil: not used).
    public var pseudoObserved: PseudoObservedConfig?

    public init() {}
}

/// The config's `training.pseudo_observed`: a gauge's observed discharge scaled by the upstream
/// area ratio, as pseudo observations at the ungauged cells upstream of it.
///
/// ```yaml
/// training:
///   pseudo_observed: {weight: 0.1, from: V3524010, min_area_km2: 10}
/// ```
public struct PseudoObservedConfig: Sendable, Equatable {
    /// Weight of the mean pseudo-observed loss in the cost.
    public var weight: Double = 0.1
    /// Id of the gauge whose observations are scaled; nil: the gauge with observations that
    /// drains the largest area.
    public var from: String?
    /// Only cells draining at least this area, km², are used.
    public var minAreaKm2: Double = 10
    /// Lines of the section and of its `from` key, for errors found when the case is loaded.
    public var line: Int?
    public var fromLine: Int?

    public init(weight: Double = 0.1, from: String? = nil, minAreaKm2: Double = 10, line: Int? = nil, fromLine: Int? = nil) {
        self.weight = weight
        self.from = from
        self.minAreaKm2 = minAreaKm2
        self.line = line
        self.fromLine = fromLine
    }
}

struct TrainingConfigParser {
    let parent: CaseConfigParser

    func parseParameters(_ value: YAMLValue?) throws(InputError) -> [String: ParameterConfig] {
        guard let value else { return [:] }
        var out: [String: ParameterConfig] = [:]
        for (name, v) in try value.freeMapping() {
            // Not HBV parameters: the routing's (velocity; route_a, route_b for lumped cases). The
            // runoff exchange factor `exchange` is the runoff model's EXCHANGE (names match
            // case-insensitively).
            let routingName = ["velocity", "route_a", "route_b"].first { $0 == name.lowercased() }
            guard routingName != nil || HBVParameter(name: name) != nil else {
                throw v.error("'\(name)' is not a parameter (\(HBVParameter.allCases.map(\.name).joined(separator: ", ")), velocity, route_a, route_b)")
            }
            var p = ParameterConfig(line: v.line)
            if v.isScalar {
                p.fixed = try v.double()
            } else {
                let m = try v.mapping(allowed: ["spatial", "zones", "temporal", "fixed", "initial", "bounds"])
                p.spatial = try m["spatial"]?.choice(ParameterConfig.Spatial.self) ?? .uniform
                p.zones = try m["zones"].map(parent.raster)
                p.temporal = try m["temporal"]?.choice(ParameterConfig.Temporal.self) ?? .constant
                p.fixed = try m["fixed"]?.double()
                p.initial = try m["initial"]?.double()
                if let b = m["bounds"] {
                    let pair = try b.sequence().map { v throws(InputError) in try v.double() }
                    guard pair.count == 2, pair[0] < pair[1] else { throw b.error("bounds must be [lower, upper] with lower < upper") }
                    guard name.lowercased() != "velocity" else { throw b.error("velocity has fixed bounds (\(RoutingVelocity.bounds.lower), \(RoutingVelocity.bounds.upper)) m/s") }
                    p.bounds = ParameterBounds(lower: pair[0], upper: pair[1])
                }
                if p.spatial == .zones, p.zones == nil { throw v.error("spatial: zones needs zones: <class raster>") }
                if routingName == "velocity", ![.uniform, .distributed].contains(p.spatial) || p.temporal != .constant {
                    throw v.error("velocity is uniform or distributed, and constant in time")
                }
                if let routingName, routingName.hasPrefix("route_"), p.spatial != .uniform || p.temporal != .constant {
                    throw v.error("\(routingName) is uniform and constant in time (one unit hydrograph for the basin)")
                }
            }
            out[routingName ?? HBVParameter(name: name)!.name] = p
        }
        return out
    }

    func parseRegionalisation(_ value: YAMLValue?) throws(InputError) -> RegionalisationConfig? {
        guard let value else { return nil }
        var r = RegionalisationConfig()
        let m = try value.mapping(allowed: ["descriptors", "hidden", "activation", "seed", "normalisation"])
        if let d = m["descriptors"] { r.descriptors = try d.sequence().map { v throws(InputError) in try v.string() } }
        if let h = m["hidden"] {
            r.hidden = try h.sequence().map { v throws(InputError) in try v.int() }
            guard r.hidden.allSatisfy({ $0 >= 1 }) else { throw h.error("hidden layer sizes must be at least 1") }
        }
        if let a = m["activation"] {
            let text = try a.string()
            guard let choice = ActivationChoice(rawValue: text) else { throw a.error("activation '\(text)' is not tanh, relu or leaky-relu") }
            r.activation = choice
        }
        if let s = m["seed"] {
            let seed = try s.int()
            guard seed >= 0 else { throw s.error("seed must be non-negative") }
            r.seed = UInt64(seed)
        }
        if let n = m["normalisation"] {
            let text = try n.string()
            switch text {
            case "minmax", "min-max": r.normalisation = .minMax
            case "standard", "zscore": r.normalisation = .standardScore
            default: throw n.error("normalisation '\(text)' is not min-max or standard")
            }
        }
        return r
    }

    func parseTraining(_ value: YAMLValue?) throws(InputError) -> TrainingConfig {
        var t = TrainingConfig()
        guard let value else { return t }
        let m = try value.mapping(allowed: ["optimizer", "optimiser", "learning_rate", "schedule", "iterations", "loss", "gauge_weights",
                                            "checkpoint_interval", "prior_weight", "smoothness_weight", "pseudo_observed"])
        if let o = m["optimizer"] ?? m["optimiser"] { t.optimizer = try o.choice(OptimizerKind.self) }
        if let v = m["learning_rate"] {
            t.learningRate = try v.double()
            guard t.learningRate > 0 else { throw v.error("learning_rate must be positive") }
        }
        if let v = m["schedule"] {
            let text = try v.string()
            guard let choice = ScheduleChoice(rawValue: text) else { throw v.error("schedule '\(text)' is not constant, cosine or step") }
            t.schedule = choice
        }
        if let v = m["iterations"] {
            t.iterations = try v.int()
            guard t.iterations >= 0 else { throw v.error("iterations must be at least 0") }
        }
        if let v = m["loss"] { t.loss = try v.choice(DischargeLoss.self) }
        if let v = m["gauge_weights"] {
            for (id, w) in try v.freeMapping() {
                let weight = try w.double()
                guard weight >= 0, weight.isFinite else { throw w.error("gauge weight must be finite and non-negative") }
                t.gaugeWeights[id] = weight
                t.gaugeWeightLines[id] = w.line
            }
        }
        if let v = m["checkpoint_interval"] {
            t.checkpointInterval = try v.int()
            guard t.checkpointInterval >= 1 else { throw v.error("checkpoint_interval must be at least 1") }
        }
        if let v = m["prior_weight"] { t.priorWeight = try v.double() }
        if let v = m["smoothness_weight"] { t.smoothnessWeight = try v.double() }
        if let v = m["pseudo_observed"] { t.pseudoObserved = try parsePseudoObserved(v) }
        return t
    }

    func parsePseudoObserved(_ value: YAMLValue) throws(InputError) -> PseudoObservedConfig {
        let m = try value.mapping(allowed: ["weight", "from", "min_area_km2"])
        var p = PseudoObservedConfig(line: value.line)
        if let w = m["weight"] {
            p.weight = try w.double()
            guard p.weight > 0, p.weight.isFinite else { throw w.error("weight must be positive and finite (leave pseudo_observed out to switch it off)") }
        }
        if let f = m["from"] {
            p.from = try f.string()
            p.fromLine = f.line
        }
        if let a = m["min_area_km2"] {
            p.minAreaKm2 = try a.double()
            guard p.minAreaKm2 >= 0, p.minAreaKm2.isFinite else { throw a.error("min_area_km2 must be finite and non-negative") }
        }
        return p
    }
}
