import RealModule

/// What the adjoint of one sequential step needs from its forward evaluation: intermediate
/// values and, for every min/max/clamp, which branch was active.
///
/// A *gate* is 1 where a `max(x, lo)` / `clamp` passes its argument strictly inside its bounds and
/// 0 at or beyond a bound (torch's clamp gradient). A *share* is d min(a, b)/da: 1 if a < b, 0 if
/// a > b and 1/2 at an exact tie (torch's `min`); d/db is `1 - share`.
public struct SequentialHBVStepRecord<Real: BinaryFloatingPoint & Sendable>: Sendable {
    public var tMinusTT: Real = 0
    public var meltGate: Real = 0
    public var meltShare: Real = 0
    public var refreezeGate: Real = 0
    public var refreezeShare: Real = 0
    public var snowpackAfterRefreeze: Real = 0
    public var tosoilGate: Real = 0
    public var wetnessRatio: Real = 0
    public var wetnessPower: Real = 0
    public var wetness: Real = 0
    public var wetnessGate: Real = 0
    public var inflow: Real = 0
    public var excessGate: Real = 0
    public var soilAfterExcess: Real = 0
    public var etBase: Real = 0
    public var etPower: Real = 0
    public var etGate: Real = 0
    public var etShare: Real = 0
    public var soilClampGate: Real = 0
    public var soilAfterET: Real = 0
    public var capillaryRatioGate: Real = 0
    public var capillaryRelative: Real = 0
    public var lowerZoneStart: Real = 0
    public var capillaryShare: Real = 0
    public var percolationShare: Real = 0
    public var q0Gate: Real = 0
    public var q0Excess: Real = 0
    public var upperZoneAfterQ0: Real = 0
    public var lowerZoneAfterPercolation: Real = 0

    @inlinable public init() {}
}

/// Where `SequentialHBV.step` takes its two power laws from (see its `powers` argument).
public enum StepPowers<Real: Real_> {
    /// Evaluate them.
    case evaluate
    /// Evaluate them and write them to `[0]` (wetness) and `[1]` (ET factor).
    case store(UnsafeMutablePointer<Real>)
    /// Read them from `[0]` and `[1]`, written by a `.store` run of the same step.
    case replay(UnsafePointer<Real>)

    /// Power law `index` of this step: evaluated by `compute` (and stored) or replayed.
    @inlinable @inline(__always)
    public func value(_ index: Int, _ compute: () -> Real) -> Real {
        switch self {
        case .evaluate: return compute()
        case .store(let p):
            let v = compute()
            p[index] = v
            return v
        case .replay(let p): return p[index]
        }
    }
}

/// δHBV's sequential explicit HBV step (MODEL.md 3.1), the one place these equations are written
/// in Swift. Float evaluation order follows hydrodl2 statement by statement (left to right), so
/// Float runs reproduce hydrodl2's float32 output to rounding.
public enum SequentialHBV {
    /// d min(a, b)/da with torch's tie rule.
    @inlinable @inline(__always)
    static func share<Real: BinaryFloatingPoint>(_ a: Real, _ b: Real) -> Real {
        a < b ? 1 : (a > b ? 0 : 0.5)
    }

    /// Advances `s` by one step and returns the step's fluxes.
    ///
    /// - Parameters:
    ///   - p: parameter values for this unit and step, rates per step.
    ///   - usesETExponent: ET factor `(SM/(LP*FC))^BETAET` (δHBV 1.1p, hydrodl2 with dynamic
    ///     BETAET) or `SM/(LP*FC)` (δHBV 1.0).
    ///   - hasCapillaryRise: apply δHBV 1.1p's capillary rise `C`; false skips it (1.0).
    ///   - record: filled with what `adjoint` needs.
    ///   - powers: where the step's power laws go: `.evaluate` computes them, `.store(p)` also
    ///     writes `(SM/FC)^BETA` to `p[0]` and `(SM/(LP FC))^BETAET` to `p[1]` when it evaluates
    ///     them, `.replay(p)` reads them from there instead. pow is most of a step's cost, so a
    ///     run that stored them replays the step for its adjoint at a fraction of the cost; the
    ///     replayed step takes the same branches and gives the same bits.
    @inlinable @inline(__always)
    public static func step<Real: Real_>(_ s: inout HBVState<Real>, _ p: HBVStepParameters<Real>,
                                         precipitation P: Real, temperature T: Real, pet: Real, nearZero: Real,
                                         usesETExponent: Bool, hasCapillaryRise: Bool,
                                         record r: inout SequentialHBVStepRecord<Real>,
                                         powers: StepPowers<Real> = .evaluate) -> HBVStepFluxes<Real> {
        var f = HBVStepFluxes<Real>()
        // Snow: rain/snow split is a step in T (no gradient to TT through it).
        let isRain = T >= p.tt
        f.rain = isRain ? P : 0
        f.snow = isRain ? 0 : P
        var snowpack = s.snowpack + f.snow
        r.tMinusTT = T - p.tt
        let meltPotential = p.cfmax * r.tMinusTT
        r.meltGate = meltPotential > 0 ? 1 : 0
        let meltPositive = meltPotential > 0 ? meltPotential : 0
        r.meltShare = share(meltPositive, snowpack)
        f.melt = Swift.min(meltPositive, snowpack)
        var meltwater = s.meltwater + f.melt
        snowpack = snowpack - f.melt
        let refreezePotential = (p.cfr * p.cfmax) * (p.tt - T)
        r.refreezeGate = refreezePotential > 0 ? 1 : 0
        let refreezePositive = refreezePotential > 0 ? refreezePotential : 0
        r.refreezeShare = share(refreezePositive, meltwater)
        f.refreeze = Swift.min(refreezePositive, meltwater)
        snowpack = snowpack + f.refreeze
        meltwater = meltwater - f.refreeze
        r.snowpackAfterRefreeze = snowpack
        let tosoilPotential = meltwater - p.cwh * snowpack
        r.tosoilGate = tosoilPotential > 0 ? 1 : 0
        f.tosoil = tosoilPotential > 0 ? tosoilPotential : 0
        meltwater = meltwater - f.tosoil

        // Soil: recharge by the wetness power law, excess above FC, ET.
        // pow is the cost of this step; skip it where its value cannot matter: with no inflow
        // recharge is 0 * wetness and no adjoint reaches wetness (tosoil = 0 has a closed gate,
        // rain has no gradient); with SM >= FC the clamp gives 1 with a closed gate.
        r.inflow = f.rain + f.tosoil
        r.wetnessRatio = s.soilMoisture / p.fc
        if r.inflow == 0 || r.wetnessRatio >= 1 {
            r.wetnessPower = r.wetnessRatio >= 1 ? 1 : 0
            r.wetnessGate = 0
        } else {
            r.wetnessPower = powers.value(0) { Real.pow(r.wetnessRatio, p.beta) }
            r.wetnessGate = (r.wetnessPower > 0 && r.wetnessPower < 1) ? 1 : 0
        }
        r.wetness = Swift.min(Swift.max(r.wetnessPower, 0), 1)
        f.recharge = r.inflow * r.wetness
        var soil = ((s.soilMoisture + f.rain) + f.tosoil) - f.recharge
        let excessPotential = soil - p.fc
        r.excessGate = excessPotential > 0 ? 1 : 0
        f.excess = excessPotential > 0 ? excessPotential : 0
        soil = soil - f.excess
        r.soilAfterExcess = soil
        r.etBase = soil / (p.lp * p.fc)
        // base >= 1 gives a power >= 1 (BETAET > 0): clamped to 1, closed gate, no pow needed.
        r.etPower = usesETExponent && r.etBase < 1 ? powers.value(1) { Real.pow(r.etBase, p.betaet) } : r.etBase
        r.etGate = (r.etPower > 0 && r.etPower < 1) ? 1 : 0
        f.evaporationFactor = Swift.min(Swift.max(r.etPower, 0), 1)
        let etPotential = pet * f.evaporationFactor
        r.etShare = share(soil, etPotential)
        f.evapotranspiration = Swift.min(soil, etPotential)
        let soilAfterET = soil - f.evapotranspiration
        r.soilClampGate = soilAfterET > nearZero ? 1 : 0
        soil = soilAfterET > nearZero ? soilAfterET : nearZero
        f.numericalInflow = soil - soilAfterET

        // Capillary rise from the lower zone (δHBV 1.1p); δHBV clamps SM/FC at 1 (clamp gradient).
        var lowerZone = s.lowerZone
        if hasCapillaryRise {
            r.soilAfterET = soil
            r.lowerZoneStart = lowerZone
            let ratio = soil / p.fc
            r.capillaryRatioGate = ratio < 1 ? 1 : 0
            r.capillaryRelative = ratio < 1 ? ratio : 1
            let capillaryPotential = (p.c * lowerZone) * (1 - r.capillaryRelative)
            r.capillaryShare = share(lowerZone, capillaryPotential)
            f.capillaryRise = Swift.min(lowerZone, capillaryPotential)
            soil = soil + f.capillaryRise
            lowerZone = lowerZone - f.capillaryRise
        }

        // Groundwater boxes.
        var upperZone = (s.upperZone + f.recharge) + f.excess
        r.percolationShare = share(upperZone, p.perc)
        f.percolation = Swift.min(upperZone, p.perc)
        upperZone = upperZone - f.percolation
        let q0Potential = upperZone - p.uzl
        r.q0Gate = q0Potential > 0 ? 1 : 0
        r.q0Excess = q0Potential > 0 ? q0Potential : 0
        f.q0 = p.k0 * r.q0Excess
        upperZone = upperZone - f.q0
        r.upperZoneAfterQ0 = upperZone
        f.q1 = p.k1 * upperZone
        upperZone = upperZone - f.q1
        lowerZone = lowerZone + f.percolation
        r.lowerZoneAfterPercolation = lowerZone
        f.q2 = p.k2 * lowerZone
        lowerZone = lowerZone - f.q2

        s = HBVState(snowpack: snowpack, meltwater: meltwater, soilMoisture: soil, upperZone: upperZone, lowerZone: lowerZone)
        return f
    }
}
