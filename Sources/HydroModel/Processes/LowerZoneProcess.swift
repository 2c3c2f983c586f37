import RealModule

/// Lower zone (MODEL.md 3.1): percolation flows in; Q2 = K2 SLZ, the baseflow.
/// kernels/processes/lower_zone.h is the same step and reverse in OpenCL C: change both.
public enum LowerZoneProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let lowerZone = s.lowerZone + f.percolation
        r.lowerZoneAfterPercolation = lowerZone
        f.q2 = p.k2 * lowerZone
        s.lowerZone = lowerZone - f.q2
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let gLowerAfterQ2 = g.lowerZone
        let gQ2 = gf.q2 - gLowerAfterQ2                       // SLZ -= Q2; runoff += Q2
        gp.k2 += gQ2 * r.lowerZoneAfterPercolation            // Q2 = K2 * SLZ
        let gLowerAfterPercolation = gLowerAfterQ2 + gQ2 * p.k2
        gf.percolation += gLowerAfterPercolation              // SLZ += percolation
        g.lowerZone = gLowerAfterPercolation
    }
}

/// Lower zone, implicit solver: Q2 = K2 SLZ. kernels/processes/lower_zone.h: the same in OpenCL C.
extension LowerZoneProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        o.q2 = o.par.k2 * o.state.lowerZone
        o.runoffRate += o.q2
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        f.lowerZone -= o.q2
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        m[ImplicitJacobian.at(.lowerZone, .lowerZone)] -= o.par.k2
    }

    @inlinable @inline(__always)
    public static func addRunoffStateGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ rbar: Real, _ a: inout HBVState<Real>) {
        a.lowerZone += rbar * o.par.k2
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        g.k2 += (rbar - mu.lowerZone) * o.state.lowerZone
    }
}
