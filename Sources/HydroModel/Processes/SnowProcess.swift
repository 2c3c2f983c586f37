import RealModule

/// Snow (MODEL.md 3.1): the rain/snow split at TT, degree-day melt CFMAX (T - TT) limited by the
/// pack, refreeze CFR CFMAX (TT - T) limited by the liquid water, and the liquid water above
/// CWH times the pack leaving to the soil (`tosoil`). The split is a step in T: no gradient to
/// TT through it. The split corrects the forcing's precipitation as HBV-light does: rain is
/// RFCF P, snowfall SFCF P (gauge undercatch; both 1 unless a config lists them, and P x 1 is
/// P exactly). The corrected precipitation is what the water balance counts as P.
/// kernels/processes/snow.h is the same step and reverse in OpenCL C: change both.
public enum SnowProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let T = x.temperature
        let isRain = T >= p.tt
        f.rain = isRain ? x.precipitation * p.rfcf : 0
        f.snow = isRain ? 0 : x.precipitation * p.sfcf
        var snowpack = s.snowpack + f.snow
        r.tMinusTT = T - p.tt
        f.degreeDayFactor = p.cfmax   // handed on: the glacier's ice melts at CFICE times it
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
        s.snowpack = snowpack
        s.meltwater = meltwater
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        var gMeltwaterAfterRefreeze = g.meltwater
        let gTosoil = gf.tosoil - g.meltwater                 // MELTWATER -= tosoil
        let gTosoilPotential = gTosoil * r.tosoilGate         // tosoil = max(MW - CWH * SP, 0)
        gMeltwaterAfterRefreeze += gTosoilPotential
        gp.cwh += -gTosoilPotential * r.snowpackAfterRefreeze
        let gSnowpackAfterRefreeze = g.snowpack - gTosoilPotential * p.cwh
        let gRefreeze = gSnowpackAfterRefreeze - gMeltwaterAfterRefreeze   // SP += refr; MW -= refr
        let gSnowpackAfterMelt = gSnowpackAfterRefreeze
        var gMeltwaterAfterMelt = gMeltwaterAfterRefreeze
        let gRefreezePotential = gRefreeze * r.refreezeShare * r.refreezeGate   // refr = min(max(pot, 0), MW)
        gMeltwaterAfterMelt += gRefreeze * (1 - r.refreezeShare)
        let ttMinusT = -r.tMinusTT                            // pot = (CFR * CFMAX) * (TT - T)
        gp.cfr += gRefreezePotential * ttMinusT * p.cfmax
        var gCFMAX = gRefreezePotential * ttMinusT * p.cfr
        var gTT = gRefreezePotential * (p.cfr * p.cfmax)
        let gMelt = gMeltwaterAfterMelt - gSnowpackAfterMelt  // MW += melt; SP -= melt
        let gSnowpackIn = gSnowpackAfterMelt + gMelt * (1 - r.meltShare)   // melt = min(max(pot, 0), SP)
        let gMeltPotential = gMelt * r.meltShare * r.meltGate
        gCFMAX += gMeltPotential * r.tMinusTT                 // pot = CFMAX * (T - TT)
        gTT -= gMeltPotential * p.cfmax
        gp.cfmax += gCFMAX + gf.degreeDayFactor   // the glacier's use of the degree-day factor
        gp.tt += gTT
        // rain = RFCF P, snowfall = SFCF P (one of them, by the split): snowfall joins the pack
        // (SP + snowfall); rain joins the soil beside the release, so the recharge gave it the
        // release's adjoint, gf.tosoil.
        if r.tMinusTT >= 0 { gp.rfcf += gf.tosoil * x.precipitation } else { gp.sfcf += gSnowpackIn * x.precipitation }
        g.snowpack = gSnowpackIn
        g.meltwater = gMeltwaterAfterMelt
    }
}

/// No snow: the null operator the solvers apply in place of `SnowProcess` when the process is
/// off (a problem without snow parameters, `ActiveProcesses`; model/hbv.table's `absent` column
/// is `null`), as Wflow's `NoSnowModel`. All precipitation is rain, and whatever the snow
/// storages hold (their initial values) drains to the soil at once, so no water stays frozen.
/// `tosoil = MW + SP` is, bit for bit, what `forward` gives at a temperature far above TT (the
/// whole pack melts, nothing refreezes, an empty pack holds no liquid water): a case without
/// snow runs as it did when "snow off" meant forcing 20 °C.
/// kernels/processes/snow.h (`hbv_snow_absent_forward`) is the same in OpenCL C.
extension SnowProcess {
    @inlinable @inline(__always)
    public static func absentForward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                                  _ r: inout SequentialHBVStepRecord<Real>,
                                                  _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        f.rain = x.precipitation
        f.snow = 0
        f.tosoil = s.meltwater + s.snowpack
        s.snowpack = 0
        s.meltwater = 0
    }

    /// Reverse of `absentForward`: the storages after it are constants (0); each storage before
    /// it reaches the soil whole through `tosoil`. No parameter is involved.
    @inlinable @inline(__always)
    public static func absentReverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                                  _ gp: inout HBVStepParameters<Real>,
                                                  _ r: SequentialHBVStepRecord<Real>,
                                                  _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        g.snowpack = gf.tosoil
        g.meltwater = gf.tosoil
    }

    /// No snow, implicit solver: all precipitation is rain and the snow storages (their initial
    /// values) drain through the meltwater to the soil at the drainage rate kappa
    /// (melt = kappa SP, tosoil = kappa MW), smooth and free of parameters; `addRates`,
    /// `addStateJacobian` and `addParameterGradient` then read these fields as for the snow
    /// operator (every parameter term is multiplied by a zero here).
    /// kernels/processes/snow.h (`ihbv_snow_absent_evaluate`) is the same in OpenCL C.
    @inlinable @inline(__always)
    public static func evaluateAbsent<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let kappa = o.kappaStep
        o.rain = o.precipitation
        o.snow = 0
        o.posMelt = 0; o.posCold = 0; o.limSP = 0; o.limMW = 0; o.waterSlope = 0
        o.melt = kappa * o.state.snowpack
        o.dMeltdSP = kappa
        o.refr = 0
        o.dRefrdMW = 0
        o.tosoil = kappa * o.state.meltwater
        o.dTosoildMW = kappa
        o.dTosoildSP = 0
    }
}

/// Snow, implicit solver: the split at TT, melt CFMAX (T - TT)+ lim(SP), refreeze
/// CFR CFMAX (TT - T)+ lim(MW), and the liquid water above CWH SP draining to the soil at the
/// drainage rate kappa (docs/IMPLICIT-SOLVER.md 2). kernels/processes/snow.h: the same in OpenCL C.
extension SnowProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let p = o.par, T = o.temperature, kappa = o.kappaStep
        let sp = o.state.snowpack, mw = o.state.meltwater
        o.rain = T >= p.tt ? o.precipitation * p.rfcf : 0
        o.snow = T >= p.tt ? 0 : o.precipitation * p.sfcf
        o.posMelt = max(T - p.tt, 0)
        o.posCold = max(p.tt - T, 0)
        let lsp = limiter(sp)
        let lmw = limiter(mw)
        o.limSP = lsp.0; o.limMW = lmw.0
        o.degreeDay = p.cfmax   // handed on: the glacier's ice melts at CFICE times it
        o.melt = p.cfmax * o.posMelt * o.limSP
        o.dMeltdSP = p.cfmax * o.posMelt * lsp.1
        o.refr = p.cfr * p.cfmax * o.posCold * o.limMW
        o.dRefrdMW = p.cfr * p.cfmax * o.posCold * lmw.1
        let water = ramp(mw - p.cwh * sp)
        o.waterSlope = water.1
        o.tosoil = kappa * water.0
        o.dTosoildMW = kappa * o.waterSlope
        o.dTosoildSP = -kappa * o.waterSlope * p.cwh
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        f.snowpack += o.snow + o.refr - o.melt
        f.meltwater += o.melt - o.refr - o.tosoil
        f.soilMoisture += o.rain + o.tosoil
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        m[ImplicitJacobian.at(.snowpack, .snowpack)] -= o.dMeltdSP
        m[ImplicitJacobian.at(.snowpack, .meltwater)] += o.dRefrdMW
        m[ImplicitJacobian.at(.meltwater, .snowpack)] += o.dMeltdSP - o.dTosoildSP
        m[ImplicitJacobian.at(.meltwater, .meltwater)] += -o.dRefrdMW - o.dTosoildMW
        m[ImplicitJacobian.at(.soilMoisture, .snowpack)] += o.dTosoildSP
        m[ImplicitJacobian.at(.soilMoisture, .meltwater)] += o.dTosoildMW
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        let p = o.par
        // Weight of each flux: mu[to] - mu[from]; the release also feeds recharge (gf).
        let gMelt = mu.meltwater - mu.snowpack
        let gRefr = -gMelt
        let gTos = mu.soilMoisture - mu.meltwater + gf.tosoil
        g.cfmax += gMelt * o.posMelt * o.limSP + gRefr * p.cfr * o.posCold * o.limMW + gf.degreeDay
        g.cfr += gRefr * p.cfmax * o.posCold * o.limMW
        var dTT: Real = 0
        if o.posMelt > 0 { dTT -= gMelt * p.cfmax * o.limSP }
        if o.posCold > 0 { dTT += gRefr * p.cfr * p.cfmax * o.limMW }
        g.tt += dTT
        g.cwh += gTos * (-o.kappaStep * o.waterSlope * o.state.snowpack)
        // rain = RFCF P into the soil, which recharge shares as the release (gf.tosoil); snowfall
        // = SFCF P into the pack.
        if o.temperature >= p.tt { g.rfcf += (mu.soilMoisture + gf.tosoil) * o.precipitation } else { g.sfcf += mu.snowpack * o.precipitation }
    }
}
