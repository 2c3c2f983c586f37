import RealModule

/// The five storages of one HBV unit (mm), or their adjoints (dL/d storage).
public struct HBVState<Real: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public var snowpack: Real
    public var meltwater: Real
    public var soilMoisture: Real
    public var upperZone: Real
    public var lowerZone: Real

    @inlinable
    public init(snowpack: Real, meltwater: Real, soilMoisture: Real, upperZone: Real, lowerZone: Real) {
        self.snowpack = snowpack
        self.meltwater = meltwater
        self.soilMoisture = soilMoisture
        self.upperZone = upperZone
        self.lowerZone = lowerZone
    }

    @inlinable public static var zero: Self { Self(snowpack: 0, meltwater: 0, soilMoisture: 0, upperZone: 0, lowerZone: 0) }

    /// Reads unit `unit` from a `[5][units]` array in `HBVStorage` order.
    @inlinable
    public init(_ states: UnsafePointer<Real>, unit: Int, units: Int) {
        self.init(snowpack: states[unit], meltwater: states[units + unit], soilMoisture: states[2 * units + unit],
                  upperZone: states[3 * units + unit], lowerZone: states[4 * units + unit])
    }

    /// Writes unit `unit` into a `[5][units]` array in `HBVStorage` order.
    @inlinable
    public func store(_ states: UnsafeMutablePointer<Real>, unit: Int, units: Int) {
        states[unit] = snowpack
        states[units + unit] = meltwater
        states[2 * units + unit] = soilMoisture
        states[3 * units + unit] = upperZone
        states[4 * units + unit] = lowerZone
    }

    @inlinable public subscript(storage: HBVStorage) -> Real {
        switch storage {
        case .snowpack: snowpack
        case .meltwater: meltwater
        case .soilMoisture: soilMoisture
        case .upperZone: upperZone
        case .lowerZone: lowerZone
        }
    }

    /// Total water held (mm).
    @inlinable public var total: Real { snowpack + meltwater + soilMoisture + upperZone + lowerZone }
}

/// The fourteen HBV parameter values one unit uses in one step, rates already per step
/// (see `PackedParameters`); also used for their adjoints (dL/d value).
public struct HBVStepParameters<Real: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public var beta, fc, k0, k1, k2, lp, perc, uzl, tt, cfmax, cfr, cwh, betaet, c: Real

    @inlinable public static var zero: Self {
        Self(beta: 0, fc: 0, k0: 0, k1: 0, k2: 0, lp: 0, perc: 0, uzl: 0, tt: 0, cfmax: 0, cfr: 0, cwh: 0, betaet: 0, c: 0)
    }

    @inlinable
    public init(beta: Real, fc: Real, k0: Real, k1: Real, k2: Real, lp: Real, perc: Real, uzl: Real, tt: Real,
                cfmax: Real, cfr: Real, cwh: Real, betaet: Real, c: Real) {
        self.beta = beta; self.fc = fc; self.k0 = k0; self.k1 = k1; self.k2 = k2; self.lp = lp; self.perc = perc
        self.uzl = uzl; self.tt = tt; self.cfmax = cfmax; self.cfr = cfr; self.cwh = cwh; self.betaet = betaet; self.c = c
    }

    /// Reads the values unit `unit` uses at the step whose `PackedParameters.stepBase` row is `base`.
    @inlinable @inline(__always)
    public init(values v: UnsafePointer<Real>, base b: UnsafePointer<Int>, unit u: Int) {
        self.init(beta: v[b[0] + u], fc: v[b[1] + u], k0: v[b[2] + u], k1: v[b[3] + u], k2: v[b[4] + u],
                  lp: v[b[5] + u], perc: v[b[6] + u], uzl: v[b[7] + u], tt: v[b[8] + u], cfmax: v[b[9] + u],
                  cfr: v[b[10] + u], cwh: v[b[11] + u], betaet: v[b[12] + u], c: v[b[13] + u])
    }

    /// Adds these (adjoint) values into the packed gradient at the same positions `init(values:base:unit:)` read.
    @inlinable @inline(__always)
    public func accumulate(into g: UnsafeMutablePointer<Real>, base b: UnsafePointer<Int>, unit u: Int) {
        g[b[0] + u] += beta; g[b[1] + u] += fc; g[b[2] + u] += k0; g[b[3] + u] += k1; g[b[4] + u] += k2
        g[b[5] + u] += lp; g[b[6] + u] += perc; g[b[7] + u] += uzl; g[b[8] + u] += tt; g[b[9] + u] += cfmax
        g[b[10] + u] += cfr; g[b[11] + u] += cwh; g[b[12] + u] += betaet; g[b[13] + u] += c
    }
}

/// Fluxes of one unit in one step (mm per step; `evaporationFactor` dimensionless).
public struct HBVStepFluxes<Real: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public var rain: Real = 0
    public var snow: Real = 0
    public var melt: Real = 0
    public var refreeze: Real = 0
    public var tosoil: Real = 0
    public var recharge: Real = 0
    public var excess: Real = 0
    public var evaporationFactor: Real = 0
    public var evapotranspiration: Real = 0
    /// Water a lower bound added rather than a flux (δHBV's `max(SM - ET, nearzero)`).
    public var numericalInflow: Real = 0
    public var capillaryRise: Real = 0
    public var percolation: Real = 0
    public var q0: Real = 0
    public var q1: Real = 0
    public var q2: Real = 0

    @inlinable public init() {}

    /// Q0 + Q1 + Q2, summed left to right as δHBV does.
    @inlinable public var runoff: Real { q0 + q1 + q2 }
}
