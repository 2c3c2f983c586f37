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
