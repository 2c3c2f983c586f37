import RealModule

/// Upper zone (MODEL.md 3.1): recharge and excess flow in; percolation min(SUZ, PERC) to the
/// lower zone; Q0 = K0 max(SUZ - UZL, 0); Q1 = K1 SUZ.
/// kernels/processes/upper_zone.h is the same step and reverse in OpenCL C: change both.
public enum UpperZoneProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
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
        s.upperZone = upperZone - f.q1
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let gUpperAfterQ1 = g.upperZone
        let gQ1 = gf.q1 - gUpperAfterQ1                       // SUZ -= Q1
        gp.k1 += gQ1 * r.upperZoneAfterQ0                     // Q1 = K1 * SUZ
        let gUpperAfterQ0 = gUpperAfterQ1 + gQ1 * p.k1
        let gQ0 = gf.q0 - gUpperAfterQ0                       // SUZ -= Q0
        gp.k0 += gQ0 * r.q0Excess                             // Q0 = K0 * max(SUZ - UZL, 0)
        let gQ0Potential = gQ0 * p.k0 * r.q0Gate
        let gUpperAfterPerc = gUpperAfterQ0 + gQ0Potential
        gp.uzl += -gQ0Potential
        let gPercolation = gf.percolation - gUpperAfterPerc   // SUZ -= PERC
        let gUpperIn = gUpperAfterPerc + gPercolation * r.percolationShare   // PERC = min(SUZ, PERC)
        gp.perc += gPercolation * (1 - r.percolationShare)
        gf.recharge += gUpperIn                               // SUZ = (SUZ + recharge) + excess
        gf.excess += gUpperIn
        g.upperZone = gUpperIn
    }
}

/// Upper zone, implicit solver: percolation PERC lim(SUZ) to the lower zone, Q0 = K0 ramp(SUZ -
/// UZL), Q1 = K1 SUZ. kernels/processes/upper_zone.h: the same in OpenCL C.
extension UpperZoneProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let p = o.par, suz = o.state.upperZone
        let lsuz = limiter(suz)
        o.limSUZ = lsuz.0
        o.percolation = p.perc * o.limSUZ
        o.dPercdSUZ = p.perc * lsuz.1
        let r0 = ramp(suz - p.uzl)
        o.q0Ramp = r0.0; o.q0Slope = r0.1
        o.q0 = p.k0 * o.q0Ramp
        o.dQ0dSUZ = p.k0 * o.q0Slope
        o.q1 = p.k1 * suz
        o.runoffRate = o.runoffRate + o.q0 + o.q1
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        f.upperZone = f.upperZone - o.percolation - o.q0 - o.q1
        f.lowerZone += o.percolation
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        let suz = ImplicitJacobian.at(.upperZone, .upperZone)
        m[suz] = m[suz] - o.dPercdSUZ - o.dQ0dSUZ - o.par.k1
        m[ImplicitJacobian.at(.lowerZone, .upperZone)] += o.dPercdSUZ
    }

    @inlinable @inline(__always)
    public static func addRunoffStateGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ rbar: Real, _ a: inout HBVState<Real>) {
        a.upperZone += rbar * (o.dQ0dSUZ + o.par.k1)
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        let gPerc = mu.lowerZone - mu.upperZone       // upper -> lower zone
        let gQ0 = rbar - mu.upperZone                 // Q0 and Q1 leave as runoff
        g.perc += gPerc * o.limSUZ
        g.k0 += gQ0 * o.q0Ramp
        g.uzl -= gQ0 * o.par.k0 * o.q0Slope
        g.k1 += gQ0 * o.state.upperZone
    }
}
