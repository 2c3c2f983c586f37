/// What a forcing variable measures, which fixes the units it is converted to.
public enum ForcingQuantity: String, Sendable, Codable {
    /// A depth of water per model step (precipitation, PET): converted to mm per step.
    case waterDepth
    /// Air temperature: converted to degrees Celsius.
    case temperature

    public var targetUnits: String { self == .waterDepth ? "mm per step" : "degC" }
}

/// Conversion of a forcing variable's stated units to HydroGPU's (mm per step, degC).
public struct UnitConversion: Sendable, Equatable {
    public var scale: Double
    public var offset: Double

    public func apply(_ value: Double) -> Double { value * scale + offset }

    /// The conversion for `units` (as written in a file or config) of a `quantity`
    /// recorded at steps of `stepSeconds`; nil when the units are not understood.
    ///
    /// Depths (`mm`, `kg m-2`) are amounts per step; rates (`mm/h`, `mm/d`, `kg m-2 s-1`)
    /// are multiplied by the step length.
    public static func to(_ quantity: ForcingQuantity, from units: String, stepSeconds: Int64) -> UnitConversion? {
        let u = normalise(units)
        let step = Double(stepSeconds)
        switch quantity {
        case .waterDepth:
            switch u {
            case "mm", "kgm-2", "kg/m2", "kgm**-2", "kg/m^2", "mm/step", "mmperstep", "mm/timestep":
                return UnitConversion(scale: 1, offset: 0)
            case "m": return UnitConversion(scale: 1000, offset: 0)
            case "mm/h", "mmh-1", "mm/hr", "mmhr-1", "mm/hour", "mmhour-1":
                return UnitConversion(scale: step / 3600, offset: 0)
            case "mm/d", "mmd-1", "mm/day", "mmday-1":
                return UnitConversion(scale: step / 86_400, offset: 0)
            case "kgm-2s-1", "kg/m2/s", "kg/m^2/s", "kgm**-2s**-1", "mm/s", "mms-1":
                return UnitConversion(scale: step, offset: 0)
            case "m/d", "md-1", "m/day": return UnitConversion(scale: 1000 * step / 86_400, offset: 0)
            default: return nil
            }
        case .temperature:
            switch u {
            case "degc", "degreec", "degree_celsius", "degrees_celsius", "celsius", "c", "°c", "deg_c", "degreescelsius":
                return UnitConversion(scale: 1, offset: 0)
            case "k", "kelvin", "degk", "degreek", "degree_kelvin", "degrees_kelvin":
                return UnitConversion(scale: 1, offset: -273.15)
            default: return nil
            }
        }
    }

    /// Lower case without blanks or dots: "kg m-2 s-1" and "kg.m-2.s-1" compare equal.
    static func normalise(_ units: String) -> String {
        String(units.lowercased().filter { !$0.isWhitespace && $0 != "." })
    }

    /// The unit texts understood, for error messages.
    public static func accepted(_ quantity: ForcingQuantity) -> String {
        quantity == .waterDepth ? "mm, kg m-2 (per step), mm/h, mm/d, kg m-2 s-1, m" : "degC, K"
    }
}
