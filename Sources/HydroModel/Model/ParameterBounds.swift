/// Physical bounds of a calibrated parameter: physical = lower + (upper - lower) * sigmoid(raw).
public struct ParameterBounds: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public init(_ pair: (lower: Double, upper: Double)) { self.init(lower: pair.lower, upper: pair.upper) }

    @inlinable
    public func physical<Real: Real_>(_ raw: Real) -> Real {
        Real(lower) + Real(upper - lower) * ParameterTransform.sigmoid(raw)
    }

    /// d physical / d raw.
    @inlinable
    public func derivative<Real: Real_>(_ raw: Real) -> Real {
        let u = ParameterTransform.sigmoid(raw)
        return Real(upper - lower) * u * (1 - u)
    }

    /// The raw value whose physical value is `value` (which must lie strictly inside).
    public func raw(_ value: Double) -> Double {
        let u = (value - lower) / (upper - lower)
        return Double.log(u / (1 - u))
    }

    /// Why `bounds` cannot hold `parameter` for a model stepping `stepDays` days, or nil when
    /// they can, by the parameter's constraint in model/hbv.table: the HBV equations need
    /// positive capacities and exponents, fractions in (0, 1], non-negative rates and capacities,
    /// and a recession rate that drains at most the whole store in one step (K * dt <= 1; rates
    /// are per day and scale with the step).
    public static func problem(_ bounds: ParameterBounds, of parameter: HBVParameter, stepDays: Double) -> String? {
        guard bounds.lower.isFinite, bounds.upper.isFinite, bounds.lower < bounds.upper else {
            return "bounds [\(bounds.lower), \(bounds.upper)] need finite lower < upper"
        }
        let name = parameter.name
        switch parameter.constraint {
        case .any:
            return nil
        case .positive:
            return bounds.lower > 0 ? nil : "\(name) must stay above 0"
        case .fraction:
            return bounds.lower > 0 && bounds.upper <= 1 ? nil : "\(name) is a fraction in (0, 1]"
        case .recession:
            guard bounds.lower >= 0 else { return "\(name) is a rate and cannot be negative" }
            let perStep = bounds.upper * stepDays
            return perStep <= 1 ? nil : "\(name) up to \(bounds.upper)/day drains \(perStep) of the store per step of \(stepDays) days; at most \(1 / stepDays)/day"
        case .nonnegative:
            return bounds.lower >= 0 ? nil : "\(name) cannot be negative"
        }
    }
}

/// What calibration bounds of a parameter must respect (column `constraint` of model/hbv.table).
public enum ParameterConstraint: Sendable, Equatable {
    /// Above 0 (capacities, exponents).
    case positive
    /// In (0, 1].
    case fraction
    /// A recession rate per day: non-negative, draining at most the whole store per step.
    case recession
    /// At least 0.
    case nonnegative
    /// Anything finite (thresholds such as a temperature).
    case any
}
