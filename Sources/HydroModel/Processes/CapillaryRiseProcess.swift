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

/// Capillary rise, implicit solver: C SLZ (1 - sat(SM/FC)) from the lower zone into the soil
/// (evaluated with C = 0 when the problem gives none: every term vanishes).
/// kernels/processes/capillary_rise.h: the same in OpenCL C.
extension CapillaryRiseProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let p = o.par, slz = o.state.lowerZone
        // s = sat(SM/FC) and soilInside come from recharge.
        o.cap = p.c * slz * (1 - o.s)
        o.dCapdSM = o.soilInside ? -p.c * slz / p.fc : 0
        o.dCapdSLZ = p.c * (1 - o.s)
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        f.soilMoisture += o.cap
        f.lowerZone -= o.cap
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        m[ImplicitJacobian.at(.soilMoisture, .soilMoisture)] += o.dCapdSM
        m[ImplicitJacobian.at(.soilMoisture, .lowerZone)] += o.dCapdSLZ
        m[ImplicitJacobian.at(.lowerZone, .soilMoisture)] -= o.dCapdSM
        m[ImplicitJacobian.at(.lowerZone, .lowerZone)] -= o.dCapdSLZ
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        let p = o.par, slz = o.state.lowerZone
        let gCap = mu.soilMoisture - mu.lowerZone     // lower zone -> soil
        if o.soilInside { g.fc += gCap * p.c * slz * o.s / p.fc }
        g.c += gCap * slz * (1 - o.s)
    }
}
