import Foundation
import HydroModel
import HydroRouting

/// One quantity of a run's parameter set, physical: an HBV parameter (its first time slot, mean
/// over components; the runoff exchange factor EXCHANGE is one), or the routing velocity or gamma
/// parameters; one value, or one per cell. What `parameters.json`, the maps and the end-of-training report
/// are made from.
public struct ParameterValues: Sendable, Equatable {
    public var name: String
    /// One value, or one per active cell.
    public var values: [Double]
    /// The bounds calibration maps raw values into (the case's own or MODEL.md's).
    public var bounds: ParameterBounds
    /// Not calibrated (a fixed value, or held at its off value by default, as C).
    public var fixed: Bool

    public init(name: String, values: [Double], bounds: ParameterBounds, fixed: Bool) {
        self.name = name
        self.values = values
        self.bounds = bounds
        self.fixed = fixed
    }

    public var mean: Double { values.reduce(0, +) / Double(values.count) }

    /// Values lying within `fraction` of the bounds' width from the lower and from the upper bound.
    public func nearBounds(fraction: Double = 0.01) -> (lower: Int, upper: Int) {
        let width = bounds.upper - bounds.lower
        return (values.filter { $0 <= bounds.lower + fraction * width }.count, values.filter { $0 >= bounds.upper - fraction * width }.count)
    }

    /// The `parameters.json` entry: mean/min/max (HBV parameters and per-cell values) or value,
    /// the bounds as `lower`/`upper`, and `fixed: 1` for a quantity not calibrated.
    func jsonEntry(alwaysRange: Bool) -> [String: Double] {
        var entry: [String: Double] = values.count == 1 && !alwaysRange
            ? ["value": values[0]] : ["mean": mean, "min": values.min()!, "max": values.max()!]
        entry["lower"] = bounds.lower
        entry["upper"] = bounds.upper
        if fixed { entry["fixed"] = 1 }
        return entry
    }
}

extension RunResults {
    /// Every quantity of the parameter set `x` of `objective`, HBV parameters in `HBVParameter`
    /// order (the runoff exchange factor EXCHANGE among them), then route_a/route_b or velocity.
    public static func parameterValues(objective: CalibrationObjective, free x: [Double]) throws -> [ParameterValues] {
        let data = objective.data, setup = objective.setup
        // The parameters as calibrated: TT, not the elevation-corrected TT the solvers read.
        let series = setup.space.expandAsGiven(free: setup.parameterPart(x), networkRaw: try objective.networkOutputs(x), as: Double.self)
        let components = data.configuration.components
        var out: [ParameterValues] = []
        for p in HBVParameter.allCases {
            guard let s = series[p], let layout = setup.space.layouts[p] else { continue }
            let perCell = (0..<data.cells).map { c in (0..<components).reduce(0.0) { $0 + s.values[c * components + $1] } / Double(components) }
            out.append(ParameterValues(name: p.name, values: perCell, bounds: layout.bounds(of: p), fixed: layout.isFixed))
        }
        if let gamma = setup.gamma {
            let p = gamma.parameters(setup.routingPart(x))
            out.append(ParameterValues(name: "route_a", values: [p.routeA], bounds: ParameterBounds(GammaUnitHydrograph<Double>.routeABounds), fixed: gamma.fixedA != nil))
            out.append(ParameterValues(name: "route_b", values: [p.routeB], bounds: ParameterBounds(GammaUnitHydrograph<Double>.routeBBounds), fixed: gamma.fixedB != nil))
        }
        let velocity = setup.velocity(x).values
        if !velocity.isEmpty {
            out.append(ParameterValues(name: "velocity", values: velocity, bounds: ParameterBounds(TrainingSetup.velocityBounds), fixed: setup.fixedVelocity != nil))
        }
        return out
    }

    /// `parameters.json`'s content: name -> entry (see `ParameterValues.jsonEntry`).
    static func parameterSummary(_ parameters: [ParameterValues]) -> [String: [String: Double]] {
        var summary: [String: [String: Double]] = [:]
        for p in parameters { summary[p.name] = p.jsonEntry(alwaysRange: HBVParameter.allCases.contains { $0.name == p.name }) }
        return summary
    }
}
