import Foundation
import HydroDomain
import HydroIO
import HydroRouting

/// The routing parameters of a lumped case: the gamma unit hydrograph's `route_a` and
/// `route_b` (MODEL.md 4.2), each fixed or calibrated. Calibrated ones take one raw value each in
/// the free vector's routing block (`route_a` first), physical = lo + (hi - lo) sigmoid(raw)
/// with `GammaUnitHydrograph`'s bounds.
public struct GammaRoutingSetup: Sendable, Equatable {
    /// Fixed physical values, nil when calibrated.
    public var fixedA: Double?
    public var fixedB: Double?
    /// Starting physical values of calibrated ones.
    public var initialA: Double
    public var initialB: Double

    /// Defaults: both calibrated from the middle of their bounds.
    public init(fixedA: Double? = nil, fixedB: Double? = nil, initialA: Double? = nil, initialB: Double? = nil) {
        let a = GammaUnitHydrograph<Double>.routeABounds, b = GammaUnitHydrograph<Double>.routeBBounds
        self.fixedA = fixedA
        self.fixedB = fixedB
        self.initialA = initialA ?? (a.lower + a.upper) / 2
        self.initialB = initialB ?? (b.lower + b.upper) / 2
    }

    /// Raw values in the free vector: 0, 1 or 2.
    public var freeCount: Int { (fixedA == nil ? 1 : 0) + (fixedB == nil ? 1 : 0) }

    /// Names of the free values, in order.
    public var freeNames: [String] { (fixedA == nil ? ["route_a"] : []) + (fixedB == nil ? ["route_b"] : []) }

    /// Physical route_a, route_b and d physical / d raw (0 for fixed ones) from the routing block.
    public func parameters(_ raw: [Double]) -> (routeA: Double, routeB: Double, derivativeA: Double, derivativeB: Double) {
        precondition(raw.count == freeCount, "gamma routing block has \(raw.count) values, expected \(freeCount)")
        typealias UH = GammaUnitHydrograph<Double>
        var next = raw.makeIterator()
        var a = fixedA ?? 0, b = fixedB ?? 0, da = 0.0, db = 0.0
        if fixedA == nil, let r = next.next() { a = UH.physical(raw: r, UH.routeABounds); da = UH.physicalDerivative(raw: r, UH.routeABounds) }
        if fixedB == nil, let r = next.next() { b = UH.physical(raw: r, UH.routeBBounds); db = UH.physicalDerivative(raw: r, UH.routeBBounds) }
        return (a, b, da, db)
    }

    /// The routing block's starting raw values.
    public func initialFreeValues() -> [Double] {
        func raw(_ value: Double, _ bounds: (lower: Double, upper: Double)) -> Double {
            let u = (value - bounds.lower) / (bounds.upper - bounds.lower)
            return Double.log(u / (1 - u))
        }
        return (fixedA == nil ? [raw(initialA, GammaUnitHydrograph<Double>.routeABounds)] : [])
            + (fixedB == nil ? [raw(initialB, GammaUnitHydrograph<Double>.routeBBounds)] : [])
    }

    /// From the config's `parameters.route_a` / `route_b` (physical values; a start must lie
    /// strictly inside the bounds, a fixed value within them) and starting values from an
    /// earlier run (`initialValues`, clamped inside the bounds).
    static func from(config: CaseConfig, initialValues: [String: Double]) throws(InputError) -> GammaRoutingSetup {
        var setup = GammaRoutingSetup()
        for (name, bounds) in [("route_a", GammaUnitHydrograph<Double>.routeABounds), ("route_b", GammaUnitHydrograph<Double>.routeBBounds)] {
            let given = config.parameters[name]
            let (lo, hi) = bounds
            if let f = given?.fixed, !(f >= lo && f <= hi) {
                throw InputError(file: config.file.path, line: given?.line, place: "parameters.\(name)", message: "fixed value \(f) outside [\(lo), \(hi)]")
            }
            if let s = given?.initial, !(s > lo && s < hi) {
                throw InputError(file: config.file.path, line: given?.line, place: "parameters.\(name)", message: "initial value \(s) outside (\(lo), \(hi))")
            }
            var start = given?.initial
            if let v = initialValues[name] { start = min(max(v, lo + 1e-4 * (hi - lo)), hi - 1e-4 * (hi - lo)) }
            if name == "route_a" {
                setup.fixedA = given?.fixed
                if let start { setup.initialA = start }
            } else {
                setup.fixedB = given?.fixed
                if let start { setup.initialB = start }
            }
        }
        return setup
    }
}
