import RealModule

/// Evapotranspiration (MODEL.md 3.1): PET times clamp((SM/(LP FC))^BETAET, 0, 1) (exponent 1
/// without the ET exponent, δHBV 1.0), at most the soil water; soil moisture is then kept at
/// least `nearZero` (δHBV's nearzero; the water that adds is the audit's numerical inflow).
/// kernels/processes/evapotranspiration.h is the same step and reverse in OpenCL C: change both.
public enum EvapotranspirationProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let soil = s.soilMoisture
        r.etBase = soil / (p.lp * p.fc)
        // base >= 1 gives a power >= 1 (BETAET > 0): clamped to 1, closed gate, no pow needed.
        r.etPower = x.usesETExponent && r.etBase < 1 ? x.powers.value(1) { Real.pow(r.etBase, p.betaet) } : r.etBase
        r.etGate = (r.etPower > 0 && r.etPower < 1) ? 1 : 0
        f.evaporationFactor = Swift.min(Swift.max(r.etPower, 0), 1)
        let etPotential = x.pet * f.evaporationFactor
        r.etShare = share(soil, etPotential)
        f.evapotranspiration = Swift.min(soil, etPotential)
        let soilAfterET = soil - f.evapotranspiration
        r.soilClampGate = soilAfterET > x.nearZero ? 1 : 0
        s.soilMoisture = soilAfterET > x.nearZero ? soilAfterET : x.nearZero
        f.numericalInflow = s.soilMoisture - soilAfterET
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let gSoilAfterET = g.soilMoisture * r.soilClampGate   // SM = max(SM - ET, nearzero)
        var gSoilIn = gSoilAfterET
        let gET = -gSoilAfterET
        gSoilIn += gET * r.etShare                            // ET = min(SM, PET * ef)
        let gEvaporationFactor = gET * (1 - r.etShare) * x.pet
        let gETPower = gEvaporationFactor * r.etGate          // ef = clamp(base^BETAET, 0, 1)
        var gETBase = gETPower
        if x.usesETExponent {
            if r.etGate > 0 {
                gp.betaet += gETPower * r.etPower * Real.log(r.etBase)
                gETBase = gETPower * p.betaet * r.etPower / r.etBase
            } else {
                gETBase = 0
            }
        }
        let lpfc = p.lp * p.fc                                // base = SM / (LP * FC)
        gSoilIn += gETBase / lpfc
        let gLPFC = -gETBase * r.etBase / lpfc
        gp.lp += gLPFC * p.fc
        gp.fc += gLPFC * p.lp
        g.soilMoisture = gSoilIn
    }
}

/// Evapotranspiration, implicit solver: PET sat(SM/(LP FC))^BETAET lim(SM) (exponent 1 without
/// the ET exponent). kernels/processes/evapotranspiration.h: the same in OpenCL C.
extension EvapotranspirationProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let p = o.par, sm = o.state.soilMoisture, pet = o.pet
        o.etExponent = o.usesETExponent ? p.betaet : 1
        let lsm = limiter(sm)
        o.limSM = lsm.0
        let lpfc = p.lp * p.fc
        o.etInside = sm > 0 && sm < lpfc
        o.x = sm <= 0 ? 0 : (sm >= lpfc ? 1 : sm / lpfc)
        if o.x <= 0 {
            o.ef = 0
            o.et = 0
            o.dETdSM = 0
        } else if o.etInside {
            o.ef = Real.pow(o.x, o.etExponent)
            o.et = pet * o.ef * o.limSM
            // d/dSM of x^b is b x^b / SM: bounded once multiplied by lim(SM).
            o.dETdSM = pet * (o.limSM * o.etExponent * o.ef / sm + o.ef * lsm.1)
        } else {
            o.ef = 1
            o.et = pet * o.limSM
            o.dETdSM = pet * lsm.1
        }
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        f.soilMoisture -= o.et
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        m[ImplicitJacobian.at(.soilMoisture, .soilMoisture)] -= o.dETdSM
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        guard o.etInside else { return }
        let p = o.par
        let gET = -mu.soilMoisture                    // ET leaves the soil
        // ef = (SM/(LP FC))^b: d/dLP = -b ef / LP, d/dFC = -b ef / FC, d/db = ef ln x.
        let common = gET * o.pet * o.limSM * o.etExponent * o.ef
        g.lp -= common / p.lp
        g.fc -= common / p.fc
        if o.usesETExponent { g.betaet += gET * o.pet * o.limSM * o.ef * Real.log(o.x) }
    }
}
