import RealModule

/// Recharge (MODEL.md 3.1): rain and snow outflow enter the soil; the share
/// clamp((SM/FC)^BETA, 0, 1) of them recharges the upper zone; soil water above FC leaves as
/// excess (also to the upper zone). The sequential solver's one writing of the recharge power law.
/// kernels/processes/recharge.h is the same step and reverse in OpenCL C: change both.
public enum RechargeProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        // pow is the cost of this step; skip it where its value cannot matter: with no inflow
        // recharge is 0 * wetness and no adjoint reaches wetness (tosoil = 0 has a closed gate,
        // rain has no gradient); with SM >= FC the clamp gives 1 with a closed gate.
        r.inflow = f.rain + f.tosoil
        r.wetnessRatio = s.soilMoisture / p.fc
        if r.inflow == 0 || r.wetnessRatio >= 1 {
            r.wetnessPower = r.wetnessRatio >= 1 ? 1 : 0
            r.wetnessGate = 0
        } else {
            r.wetnessPower = x.powers.value(0) { Real.pow(r.wetnessRatio, p.beta) }
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
        s.soilMoisture = soil
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        // Excess above field capacity.
        var gSoilAfterRecharge = g.soilMoisture               // SM -= excess
        let gExcess = gf.excess - g.soilMoisture
        let gExcessPotential = gExcess * r.excessGate         // excess = max(SM - FC, 0)
        gSoilAfterRecharge += gExcessPotential
        gp.fc -= gExcessPotential

        // Recharge.
        var gSoilIn = gSoilAfterRecharge                      // SM = ((SM + RAIN) + tosoil) - recharge
        var gTosoil = gSoilAfterRecharge
        let gRecharge = gf.recharge - gSoilAfterRecharge
        gTosoil += gRecharge * r.wetness                      // recharge = (RAIN + tosoil) * wetness
        if r.wetnessGate > 0 {                                // wetness = clamp((SM/FC)^BETA, 0, 1)
            let gPower = gRecharge * r.inflow
            gp.beta += gPower * r.wetnessPower * Real.log(r.wetnessRatio)
            let gRatio = gPower * p.beta * r.wetnessPower / r.wetnessRatio
            gSoilIn += gRatio / p.fc
            gp.fc -= gRatio * r.wetnessRatio / p.fc
        }
        gf.tosoil += gTosoil
        g.soilMoisture = gSoilIn
    }
}

/// Recharge, implicit solver: the inflow (rain and the snow's release) times sat(SM/FC)^BETA to
/// the upper zone, and soil water above FC draining there at the drainage rate kappa. The
/// implicit solver's one writing of the recharge power law.
/// kernels/processes/recharge.h: the same in OpenCL C.
extension RechargeProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let p = o.par, sm = o.state.soilMoisture
        o.soilInside = sm > 0 && sm < p.fc
        o.s = sm <= 0 ? 0 : (sm >= p.fc ? 1 : sm / p.fc)
        if o.s <= 0 {
            // Only Newton iterates reach SM <= 0; the clamp makes the slope 0 there.
            o.wet = 0
            o.dWetdSM = 0
        } else if o.soilInside {
            o.wet = Real.pow(o.s, p.beta)
            o.dWetdSM = p.beta * o.wet / sm
        } else {
            o.wet = 1
            o.dWetdSM = 0
        }
        o.inflow = o.rain + o.tosoil
        o.recharge = o.inflow * o.wet
        let ex = ramp(sm - p.fc)
        o.excessSlope = ex.1
        o.excess = o.kappaStep * ex.0
        o.dExcessdSM = o.kappaStep * o.excessSlope
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        f.soilMoisture = f.soilMoisture - o.recharge - o.excess
        f.upperZone = f.upperZone + o.recharge + o.excess
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        // The inflow's slopes come from the snow (its release to the soil).
        let dRechdSP = o.dTosoildSP * o.wet, dRechdMW = o.dTosoildMW * o.wet, dRechdSM = o.inflow * o.dWetdSM
        let sm = ImplicitJacobian.at(.soilMoisture, .soilMoisture)
        m[ImplicitJacobian.at(.soilMoisture, .snowpack)] -= dRechdSP
        m[ImplicitJacobian.at(.soilMoisture, .meltwater)] -= dRechdMW
        m[sm] = m[sm] - dRechdSM - o.dExcessdSM
        m[ImplicitJacobian.at(.upperZone, .snowpack)] += dRechdSP
        m[ImplicitJacobian.at(.upperZone, .meltwater)] += dRechdMW
        m[ImplicitJacobian.at(.upperZone, .soilMoisture)] += dRechdSM + o.dExcessdSM
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        let p = o.par
        let gRech = mu.upperZone - mu.soilMoisture   // recharge and excess: soil -> upper zone
        if o.soilInside {
            // wet = (SM/FC)^BETA: d/dBETA = wet ln s, d/dFC = -dWet/dSM * SM/FC.
            g.beta += gRech * o.inflow * o.wet * Real.log(o.s)
            g.fc -= gRech * o.inflow * o.dWetdSM * o.s
        }
        g.fc -= gRech * o.kappaStep * o.excessSlope
        gf.tosoil += gRech * o.wet                    // the share of the inflow that recharges
    }
}
