import RealModule

/// Glacier ice melt (docs/GLACIER.md): on the glacier part GFRAC of a unit, once the snow has
/// gone, ice melts by degree-day, `GFRAC CFICE DD max(T - TTG, 0)` per step with DD the snow's
/// degree-day factor (`HBVStepFluxes.degreeDayFactor`; CFICE >= 1: ice melts faster than snow), limited by and taken from the ice store ICE when its thickness is
/// known (`ActiveProcesses.limitsIceMelt`); otherwise the ice is unlimited and ICE stays as it is.
/// The melt passes to the upper zone: a glacier has no soil to fill, its melt water drains
/// fast (HBV-light's glacier routine bypasses the soil routine likewise).
///
/// One forcing and one set of snow parameters per unit, so the snow on the glacier part is as
/// deep as on the rest: "snow gone" is the unit's snowpack after the snow step being 0. That
/// switch is a step (no gradient through it), as the rain/snow split. ICE (mm water equivalent
/// over the unit's area) lies outside the unit's water: the water balance counts the ice melt
/// as an inflow (`HBVStepFluxes.iceMelt`) and leaves ICE out of the storage sum. Off (not
/// applied) for a problem without GFRAC, CFICE, TTG.
/// kernels/processes/glacier.h is the same step and reverse in OpenCL C: change both.
public enum GlacierProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        r.glacierBare = s.snowpack > 0 ? 0 : 1
        r.tMinusTTG = x.temperature - p.ttg
        let warm = r.tMinusTTG > 0 ? r.tMinusTTG : 0
        let potential = (((p.gfrac * p.cfice) * f.degreeDayFactor) * warm) * r.glacierBare
        r.iceDegreeDay = f.degreeDayFactor
        if x.limitsIceMelt {
            r.iceShare = share(potential, s.ice)
            f.iceMelt = Swift.min(potential, s.ice)
            s.ice = s.ice - f.iceMelt
        } else {
            r.iceShare = 1
            f.iceMelt = potential
        }
        s.upperZone = s.upperZone + f.iceMelt
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        // SUZ += melt; ICE -= melt (known ice only); melt = min(pot, ICE) (or pot)
        let gMelt = x.limitsIceMelt ? g.upperZone - g.ice : g.upperZone
        if x.limitsIceMelt { g.ice += gMelt * (1 - r.iceShare) }
        let gPotential = gMelt * r.iceShare * r.glacierBare   // pot = GFRAC CFICE DD max(T - TTG, 0) bare
        let warm = r.tMinusTTG > 0 ? r.tMinusTTG : 0
        let dd = r.iceDegreeDay
        gp.gfrac += gPotential * (p.cfice * dd) * warm
        gp.cfice += gPotential * (p.gfrac * dd) * warm
        gf.degreeDayFactor += gPotential * (p.gfrac * p.cfice) * warm   // the snow adds it to its factor's gradient
        if r.tMinusTTG > 0 { gp.ttg -= gPotential * ((p.gfrac * p.cfice) * dd) }
    }
}

/// Glacier, implicit solver: ice melt `GFRAC CFICE DD (T - TTG)+ (1 - lim(SP)) lim(ICE)` from
/// the ice store to the upper zone, the snow-gone switch smoothed by the snow's limiter of
/// width 0.1 mm (`ImplicitHBVConstants.limiterWidth`: bare once the pack is below 0.1 mm) and
/// the ice limit by the same limiter (1 when the ice is not limited).
/// kernels/processes/glacier.h: the same in OpenCL C.
// Only a glacier with known ice moves the ice store; otherwise its rate is 0 and no flux reads
// it, so it stays constant and its row and column of the implicit Jacobian are the identity's:
// the state layout (`StateLayout`) leaves it out of the records and the Newton system (a 5 x 5
// system, as before the glacier).

extension GlacierProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let p = o.par
        o.iceWarm = max(o.temperature - p.ttg, 0)
        let snow = limiter(o.state.snowpack)
        let ice = o.active.limitsIceMelt ? limiter(o.state.ice) : (Real(1), Real(0))
        o.iceBase = (1 - snow.0) * ice.0
        let potential = p.gfrac * p.cfice * o.degreeDay * o.iceWarm
        o.iceMelt = potential * o.iceBase
        o.dIceMeltdSP = -potential * snow.1 * ice.0
        o.dIceMeltdICE = potential * (1 - snow.0) * ice.1
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        if o.active.limitsIceMelt { f.ice -= o.iceMelt }   // unlimited ice is not depleted
        f.upperZone += o.iceMelt
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        if o.active.limitsIceMelt {
            m[ImplicitJacobian.at(.ice, .snowpack)] -= o.dIceMeltdSP
            m[ImplicitJacobian.at(.ice, .ice)] -= o.dIceMeltdICE
        }
        m[ImplicitJacobian.at(.upperZone, .snowpack)] += o.dIceMeltdSP
        m[ImplicitJacobian.at(.upperZone, .ice)] += o.dIceMeltdICE
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        let p = o.par
        // The melt enters the upper zone, from the ice store when the ice is known.
        let weight = (mu.upperZone - (o.active.limitsIceMelt ? mu.ice : 0)) * o.iceBase
        g.gfrac += weight * p.cfice * o.degreeDay * o.iceWarm
        g.cfice += weight * p.gfrac * o.degreeDay * o.iceWarm
        gf.degreeDay += weight * p.gfrac * p.cfice * o.iceWarm   // the snow adds it to its factor's gradient
        if o.iceWarm > 0 { g.ttg -= weight * p.gfrac * p.cfice * o.degreeDay }
    }
}
