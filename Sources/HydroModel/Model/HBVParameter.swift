// HBVProcess, HBVStorage and HBVParameter are generated from model/hbv.table (plugin
// GenerateModel); this file adds what is written once by hand for all of them.

/// What a run does when a problem does not give a parameter (column `absent` of model/hbv.table).
public enum ParameterAbsence: Sendable, Equatable {
    /// The model cannot run without it.
    case required
    /// May be absent: the term it drives is off and the solvers see this neutral value
    /// (C = 0: no capillary rise, δHBV 1.0).
    case neutral(Double)
    /// Required when the configuration asks for the ET exponent (δHBV 1.1p); otherwise it may
    /// be absent, and absent the exponent is off (`ActiveProcesses.etExponent`: δHBV 1.0's
    /// linear ET) and the solvers see this value. Switched by presence: given, it is used.
    case exponent(otherwise: Double)
}

extension HBVParameter {
    /// Looks a parameter up by its name, case-insensitively, with or without δHBV's `par` prefix.
    public init?(name: String) {
        var key = name.uppercased()
        if key.hasPrefix("PAR") { key = String(key.dropFirst(3)) }
        guard let match = Self.allCases.first(where: { $0.name == key }) else { return nil }
        self = match
    }

    /// The parameters of the processes a problem has unless it asks otherwise (the table's
    /// process column `default`): what synthetic problems and generated cases give. A process
    /// off by default (the groundwater exchange) is present only where a problem gives its
    /// parameters. The elevation correction's TLAPSE and PGRAD (`ElevationCorrection`) are left
    /// out: the solvers never read them, and a problem has them only with elevations.
    public static var onByDefault: [HBVParameter] {
        allCases.filter { $0.process.isOnByDefault && !ElevationCorrection.parameters.contains($0) }
    }

    /// The value that switches the parameter's term off (`absent` = `neutral=V`), or nil when
    /// the parameter is required.
    public var offValue: Double? {
        if case .neutral(let value) = absence { value } else { nil }
    }

    /// The parameters a run of `configuration` cannot do without, and the value every other
    /// absent parameter takes: the one rule every backend applies (from the table's `absent`).
    public static func absenceRule(for configuration: HBVConfiguration) -> (required: Set<HBVParameter>, defaults: [HBVParameter: Double]) {
        var required = Set<HBVParameter>(), defaults: [HBVParameter: Double] = [:]
        for parameter in allCases {
            switch parameter.absence {
            case .required: required.insert(parameter)
            case .neutral(let value): defaults[parameter] = value
            case .exponent(let otherwise):
                if configuration.usesETExponent { required.insert(parameter) } else { defaults[parameter] = otherwise }
            }
        }
        return (required, defaults)
    }
}

extension HBVStorage {
    /// Initial storage when none is given (MODEL.md 3.1): 0.001 mm.
    public static let defaultInitial = 0.001
}
