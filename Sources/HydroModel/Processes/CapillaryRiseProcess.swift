import RealModule

/// Capillary rise (δHBV 1.1p): C times the lower zone times the soil deficit 1 - min(SM/FC, 1),
/// at most the lower zone, back into the soil. δHBV clamps SM/FC at 1 (clamp gradient). Off
/// (not applied) when the problem gives no C (`ActiveProcesses`).
/// kernels/processes/capillary_rise.h is the same step and reverse in OpenCL C: change both.
public enum CapillaryRiseProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let soil = s.soilMoisture, lowerZone = s.lowerZone
        r.soilAfterET = soil
        r.lowerZoneStart = lowerZone
        let ratio = soil / p.fc
        r.capillaryRatioGate = ratio < 1 ? 1 : 0
        r.capillaryRelative = ratio < 1 ? ratio : 1
        let capillaryPotential = (p.c * lowerZone) * (1 - r.capillaryRelative)
        r.capillaryShare = share(lowerZone, capillaryPotential)
        f.capillaryRise = Swift.min(lowerZone, capillaryPotential)
        s.soilMoisture = soil + f.capillaryRise
        s.lowerZone = lowerZone - f.capillaryRise
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        var gSoil = g.soilMoisture
        let gCapillary = gSoil - g.lowerZone                  // SM += cap; SLZ -= cap
        var gLowerIn = g.lowerZone + gCapillary * r.capillaryShare   // cap = min(SLZ, pot)
        let gPotential = gCapillary * (1 - r.capillaryShare)
        let oneMinusRelative = 1 - r.capillaryRelative        // pot = (C * SLZ) * (1 - rel)
        gp.c += gPotential * r.lowerZoneStart * oneMinusRelative
        gLowerIn += gPotential * p.c * oneMinusRelative
        let gRatio = -gPotential * (p.c * r.lowerZoneStart) * r.capillaryRatioGate   // rel = clamp(SM/FC, max 1)
        gSoil += gRatio / p.fc
        gp.fc += -gRatio * r.capillaryRelative / p.fc
        g.soilMoisture = gSoil
        g.lowerZone = gLowerIn
    }
}
