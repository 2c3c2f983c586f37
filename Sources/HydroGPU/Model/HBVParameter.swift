/// The HBV parameters, in δHBV's order, with the physical bounds of MODEL.md section 3.
///
/// Raw (unbounded) values map to physical ones by `lo + (hi - lo) * sigmoid(raw)`.
public enum HBVParameter: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case beta, fc, k0, k1, k2, lp, perc, uzl, tt, cfmax, cfr, cwh, betaet, c

    /// (lower, upper) physical bounds. Rates are per day.
    public var bounds: (lower: Double, upper: Double) {
        switch self {
        case .beta: (1.0, 6.0)
        case .fc: (50, 1000)
        case .k0: (0.05, 0.9)
        case .k1: (0.01, 0.5)
        case .k2: (0.001, 0.2)
        case .lp: (0.2, 1)
        case .perc: (0, 10)
        case .uzl: (0, 100)
        case .tt: (-2.5, 2.5)
        case .cfmax: (0.5, 10)
        case .cfr: (0, 0.1)
        case .cwh: (0, 0.2)
        case .betaet: (0.3, 5)
        case .c: (0, 1)
        }
    }

    /// The name used in configs, tables and δHBV (`parBETA` there is `BETA` here).
    public var name: String {
        switch self {
        case .beta: "BETA"
        case .fc: "FC"
        case .k0: "K0"
        case .k1: "K1"
        case .k2: "K2"
        case .lp: "LP"
        case .perc: "PERC"
        case .uzl: "UZL"
        case .tt: "TT"
        case .cfmax: "CFMAX"
        case .cfr: "CFR"
        case .cwh: "CWH"
        case .betaet: "BETAET"
        case .c: "C"
        }
    }

    public var description: String { name }

    /// Looks a parameter up by its name, case-insensitively, with or without δHBV's `par` prefix.
    public init?(name: String) {
        var key = name.uppercased()
        if key.hasPrefix("PAR") { key = String(key.dropFirst(3)) }
        guard let match = Self.allCases.first(where: { $0.name == key }) else { return nil }
        self = match
    }
}

/// The five HBV storages (mm), in the order kernels and arrays use.
public enum HBVStorage: Int, CaseIterable, Sendable, Codable {
    case snowpack, meltwater, soilMoisture, upperZone, lowerZone

    public var name: String {
        switch self {
        case .snowpack: "SNOWPACK"
        case .meltwater: "MELTWATER"
        case .soilMoisture: "SM"
        case .upperZone: "SUZ"
        case .lowerZone: "SLZ"
        }
    }

    /// Initial storage when none is given (MODEL.md 3.1): 0.001 mm.
    public static let defaultInitial = 0.001
}
