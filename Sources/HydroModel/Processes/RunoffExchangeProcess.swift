import RealModule

/// Runoff exchange (docs/EXCHANGE.md): the unit delivers `EXCHANGE (Q0 + Q1 + Q2)` to the channel
/// network. HBV closes its water balance on the topographic catchment; a karst spring (the Lez)
/// drains an aquifer larger than it, and deep losses take water out of others. A factor above 1
/// imports water in proportion to what the unit produces (a contributing area larger than the
/// unit), below 1 it loses some. The difference, `(EXCHANGE - 1) (Q0 + Q1 + Q2)`, crosses the
/// unit's boundary: `HBVStepFluxes.runoffExchange`, which the water balance counts with the
/// groundwater exchange. No storage changes, so it is the last operator of a step and its
/// reverse the first: it hands dL/d(delivered) on to Q0, Q1 and Q2.
///
/// Off (a problem without EXCHANGE, `ActiveProcesses`) its null operator delivers the runoff as
/// it is. kernels/processes/runoff_exchange.h is the same in OpenCL C: change both.
public enum RunoffExchangeProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let runoff = f.runoff
        r.generatedRunoff = runoff
        f.delivered = p.exchangeFactor * runoff
        f.runoffExchange = f.delivered - runoff
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        gp.exchangeFactor += gf.delivered * r.generatedRunoff   // delivered = EXCHANGE (Q0 + Q1 + Q2)
        let gRunoff = gf.delivered * p.exchangeFactor
        gf.q0 += gRunoff; gf.q1 += gRunoff; gf.q2 += gRunoff
    }

    /// Null operator: the runoff is delivered as it is.
    @inlinable @inline(__always)
    public static func absentForward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                                  _ r: inout SequentialHBVStepRecord<Real>,
                                                  _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        f.delivered = f.runoff
    }

    @inlinable @inline(__always)
    public static func absentReverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                                  _ gp: inout HBVStepParameters<Real>,
                                                  _ r: SequentialHBVStepRecord<Real>,
                                                  _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        gf.q0 += gf.delivered; gf.q1 += gf.delivered; gf.q2 += gf.delivered
    }
}

/// Runoff exchange, implicit solver: the delivered runoff `EXCHANGE runoff` of the converged
/// state, and its slope by the runoff, which the solver's adjoint applies to the runoff fluxes'
/// weight (`ImplicitHBVFluxes.accumulateRunoffStateGradient`). No rate, no Jacobian entry: the
/// exchange moves no storage. kernels/processes/runoff_exchange.h: the same in OpenCL C.
extension RunoffExchangeProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        o.deliveredSlope = o.par.exchangeFactor
        o.delivered = o.par.exchangeFactor * o.runoffRate
        o.runoffExchange = o.delivered - o.runoffRate
    }

    /// Null operator: the runoff is delivered as it is.
    @inlinable @inline(__always)
    public static func evaluateAbsent<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        o.deliveredSlope = 1
        o.delivered = o.runoffRate
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {}

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {}

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        g.exchangeFactor += gf.delivered * o.runoffRate
    }
}
