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
