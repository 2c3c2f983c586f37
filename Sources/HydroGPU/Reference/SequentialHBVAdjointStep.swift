import RealModule

extension SequentialHBV {
    /// Reverse of `step`: the exact reverse of its statements, derivatives on the branch the
    /// forward took (gates and shares in `record`).
    ///
    /// - Parameters:
    ///   - g: on entry dL/d(storages after the step), on return dL/d(storages before it).
    ///   - runoffAdjoint: dL/d(Q0 + Q1 + Q2) of this step.
    ///   - p: the parameter values the forward step used (rates per step).
    /// - Returns: dL/d(parameter values) of this step (rates per step).
    @inlinable @inline(__always)
    public static func adjoint<Real: Real_>(_ g: inout HBVState<Real>, runoffAdjoint gR: Real, _ p: HBVStepParameters<Real>,
                                            pet: Real, usesETExponent: Bool, hasCapillaryRise: Bool,
                                            record r: SequentialHBVStepRecord<Real>) -> HBVStepParameters<Real> {
        var gp = HBVStepParameters<Real>.zero

        // Groundwater boxes, last statement first.
        let gLowerAfterQ2 = g.lowerZone
        let gQ2 = gR - gLowerAfterQ2                          // SLZ -= Q2; runoff += Q2
        gp.k2 = gQ2 * r.lowerZoneAfterPercolation             // Q2 = K2 * SLZ
        let gLowerAfterPerc = gLowerAfterQ2 + gQ2 * p.k2
        var gPerc = gLowerAfterPerc                           // SLZ += PERC
        let gLowerBeforePerc = gLowerAfterPerc
        let gUpperAfterQ1 = g.upperZone
        let gQ1 = gR - gUpperAfterQ1                          // SUZ -= Q1
        gp.k1 = gQ1 * r.upperZoneAfterQ0                      // Q1 = K1 * SUZ
        let gUpperAfterQ0 = gUpperAfterQ1 + gQ1 * p.k1
        let gQ0 = gR - gUpperAfterQ0                          // SUZ -= Q0
        gp.k0 = gQ0 * r.q0Excess                              // Q0 = K0 * max(SUZ - UZL, 0)
        let gQ0Potential = gQ0 * p.k0 * r.q0Gate
        let gUpperAfterPerc = gUpperAfterQ0 + gQ0Potential
        gp.uzl = -gQ0Potential
        gPerc -= gUpperAfterPerc                              // SUZ -= PERC
        let gUpperIn = gUpperAfterPerc + gPerc * r.percolationShare   // PERC = min(SUZ, PERC)
        gp.perc = gPerc * (1 - r.percolationShare)
        var gRecharge = gUpperIn                              // SUZ = (SUZ + recharge) + excess
        var gExcess = gUpperIn

        // Capillary rise.
        var gSoil = g.soilMoisture
        var gLowerIn = gLowerBeforePerc
        if hasCapillaryRise {
            let gCapillary = gSoil - gLowerBeforePerc         // SM += cap; SLZ -= cap
            gLowerIn = gLowerBeforePerc + gCapillary * r.capillaryShare    // cap = min(SLZ, pot)
            let gPotential = gCapillary * (1 - r.capillaryShare)
            let oneMinusRelative = 1 - r.capillaryRelative    // pot = (C * SLZ) * (1 - rel)
            gp.c = gPotential * r.lowerZoneStart * oneMinusRelative
            gLowerIn += gPotential * p.c * oneMinusRelative
            let gRatio = -gPotential * (p.c * r.lowerZoneStart) * r.capillaryRatioGate   // rel = clamp(SM/FC, max 1)
            gSoil += gRatio / p.fc
            gp.fc = -gRatio * r.capillaryRelative / p.fc
        }

        // ET and the nearzero bound.
        let gSoilAfterET = gSoil * r.soilClampGate            // SM = max(SM - ET, nearzero)
        var gSoilAfterExcess = gSoilAfterET
        let gET = -gSoilAfterET
        gSoilAfterExcess += gET * r.etShare                   // ET = min(SM, PET * ef)
        let gEvaporationFactor = gET * (1 - r.etShare) * pet
        let gETPower = gEvaporationFactor * r.etGate          // ef = clamp(base^BETAET, 0, 1)
        var gETBase = gETPower
        if usesETExponent {
            if r.etGate > 0 {
                gp.betaet = gETPower * r.etPower * Real.log(r.etBase)
                gETBase = gETPower * p.betaet * r.etPower / r.etBase
            } else {
                gETBase = 0
            }
        }
        let lpfc = p.lp * p.fc                                // base = SM / (LP * FC)
        gSoilAfterExcess += gETBase / lpfc
        let gLPFC = -gETBase * r.etBase / lpfc
        gp.lp = gLPFC * p.fc
        gp.fc += gLPFC * p.lp

        // Excess above field capacity.
        var gSoilAfterRecharge = gSoilAfterExcess             // SM -= excess
        gExcess -= gSoilAfterExcess
        let gExcessPotential = gExcess * r.excessGate          // excess = max(SM - FC, 0)
        gSoilAfterRecharge += gExcessPotential
        gp.fc -= gExcessPotential

        // Recharge.
        var gSoilIn = gSoilAfterRecharge                      // SM = ((SM + RAIN) + tosoil) - recharge
        var gTosoil = gSoilAfterRecharge
        gRecharge -= gSoilAfterRecharge
        gTosoil += gRecharge * r.wetness                      // recharge = (RAIN + tosoil) * wetness
        if r.wetnessGate > 0 {                                // wetness = clamp((SM/FC)^BETA, 0, 1)
            let gPower = gRecharge * r.inflow
            gp.beta = gPower * r.wetnessPower * Real.log(r.wetnessRatio)
            let gRatio = gPower * p.beta * r.wetnessPower / r.wetnessRatio
            gSoilIn += gRatio / p.fc
            gp.fc -= gRatio * r.wetnessRatio / p.fc
        }

        // Snow, last statement first.
        var gMeltwaterAfterRefreeze = g.meltwater
        gTosoil -= g.meltwater                                // MELTWATER -= tosoil
        let gTosoilPotential = gTosoil * r.tosoilGate         // tosoil = max(MW - CWH * SP, 0)
        gMeltwaterAfterRefreeze += gTosoilPotential
        gp.cwh = -gTosoilPotential * r.snowpackAfterRefreeze
        let gSnowpackAfterRefreeze = g.snowpack - gTosoilPotential * p.cwh
        let gRefreeze = gSnowpackAfterRefreeze - gMeltwaterAfterRefreeze   // SP += refr; MW -= refr
        let gSnowpackAfterMelt = gSnowpackAfterRefreeze
        var gMeltwaterAfterMelt = gMeltwaterAfterRefreeze
        let gRefreezePotential = gRefreeze * r.refreezeShare * r.refreezeGate   // refr = min(max(pot, 0), MW)
        gMeltwaterAfterMelt += gRefreeze * (1 - r.refreezeShare)
        let ttMinusT = -r.tMinusTT                            // pot = (CFR * CFMAX) * (TT - T)
        gp.cfr = gRefreezePotential * ttMinusT * p.cfmax
        gp.cfmax = gRefreezePotential * ttMinusT * p.cfr
        gp.tt = gRefreezePotential * (p.cfr * p.cfmax)
        let gMelt = gMeltwaterAfterMelt - gSnowpackAfterMelt  // MW += melt; SP -= melt
        let gSnowpackIn = gSnowpackAfterMelt + gMelt * (1 - r.meltShare)   // melt = min(max(pot, 0), SP)
        let gMeltPotential = gMelt * r.meltShare * r.meltGate
        gp.cfmax += gMeltPotential * r.tMinusTT                // pot = CFMAX * (T - TT)
        gp.tt -= gMeltPotential * p.cfmax

        g = HBVState(snowpack: gSnowpackIn, meltwater: gMeltwaterAfterMelt, soilMoisture: gSoilIn,
                     upperZone: gUpperIn, lowerZone: gLowerIn)
        return gp
    }
}
