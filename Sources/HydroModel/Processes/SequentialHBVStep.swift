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
    public var exchangeStore: Real = 0
    public var exchangePower: Real = 0
    public var exchangeShare: Real = 0
    /// 1 when the unit's snow has gone after the snow step (ice can melt), else 0.
    public var glacierBare: Real = 0
    public var tMinusTTG: Real = 0
    public var iceShare: Real = 0
    public var iceDegreeDay: Real = 0
    /// Q0 + Q1 + Q2 before the runoff exchange scales it.
    public var generatedRunoff: Real = 0

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

/// δHBV's sequential explicit HBV step (MODEL.md 3.1): the process operators of
/// Sources/HydroModel/Processes applied in model/hbv.table's order. Float evaluation order follows
/// hydrodl2 statement by statement (left to right), so Float runs reproduce hydrodl2's float32
/// output to rounding.
public enum SequentialHBV {
    /// Advances `s` by one step and returns the step's fluxes.
    ///
    /// - Parameters:
    ///   - p: parameter values for this unit and step, rates per step.
    ///   - usesETExponent: ET factor with its exponent (δHBV 1.1p, hydrodl2 with a dynamic
    ///     exponent) or without (δHBV 1.0); `EvapotranspirationProcess`.
    ///   - active: the processes the run applies (capillary rise off without C: δHBV 1.0).
    ///   - record: filled with what `adjoint` needs.
    ///   - powers: where the step's power laws go: `.evaluate` computes them, `.store(p)` also
    ///     writes the recharge power law to `p[0]` and the ET power law to `p[1]` when it evaluates
    ///     them, `.replay(p)` reads them from there instead. pow is most of a step's cost, so a
    ///     run that stored them replays the step for its adjoint at a fraction of the cost; the
    ///     replayed step takes the same branches and gives the same bits.
    @inlinable @inline(__always)
    public static func step<Real: Real_>(_ s: inout HBVState<Real>, _ p: HBVStepParameters<Real>,
                                         precipitation P: Real, temperature T: Real, pet: Real, nearZero: Real,
                                         usesETExponent: Bool, active: ActiveProcesses,
                                         record r: inout SequentialHBVStepRecord<Real>,
                                         powers: StepPowers<Real> = .evaluate) -> HBVStepFluxes<Real> {
        var f = HBVStepFluxes<Real>()
        let x = SequentialStepInputs(precipitation: P, temperature: T, pet: pet, nearZero: nearZero,
                                     usesETExponent: usesETExponent, powers: powers, limitsIceMelt: active.limitsIceMelt)
        forwardProcesses(&s, &f, &r, p, x, active: active)
        return f
    }

    /// Reverse of `step`: every process's reverse in the opposite order, derivatives on the
    /// branch the forward took (gates and shares in `record`).
    ///
    /// - Parameters:
    ///   - g: on entry dL/d(storages after the step), on return dL/d(storages before it).
    ///   - runoffAdjoint: dL/d(delivered runoff) of this step (`HBVStepFluxes.delivered`).
    ///   - p: the parameter values the forward step used (rates per step).
    ///   - precipitation: the step's forcing precipitation (the corrections' derivatives).
    /// - Returns: dL/d(parameter values) of this step (rates per step).
    @inlinable @inline(__always)
    public static func adjoint<Real: Real_>(_ g: inout HBVState<Real>, runoffAdjoint gR: Real, _ p: HBVStepParameters<Real>,
                                            precipitation P: Real, pet: Real, usesETExponent: Bool, active: ActiveProcesses,
                                            record r: SequentialHBVStepRecord<Real>) -> HBVStepParameters<Real> {
        var gp = HBVStepParameters<Real>.zero
        // The output is the delivered runoff: the runoff exchange's reverse (or its null
        // operator's) hands its adjoint on to Q0, Q1 and Q2; the forcing is not differentiated.
        var gf = HBVStepFluxes<Real>()
        gf.delivered = gR
        let x = SequentialStepInputs<Real>(precipitation: P, temperature: 0, pet: pet, nearZero: 0,
                                           usesETExponent: usesETExponent, powers: .evaluate, limitsIceMelt: active.limitsIceMelt)
        reverseProcesses(&g, &gf, &gp, r, p, x, active: active)
        return gp
    }
}
