import RealModule

/// Store-dependent groundwater exchange (GR4J's F (R/X3)^3.5 on HBV's lower zone, docs/EXCHANGE.md):
/// the lower zone gains or loses `GX min(SLZ / GXREF, 1)^GXPOW` per day across the unit's
/// boundary, GX signed (> 0 imports water from beyond the topographic catchment, < 0 loses it to
/// deep aquifers). The filling is capped at 1 as GR4J's R/X3 is (its store cannot exceed X3): a
/// gain that grew without bound with the store would feed itself and blow up. A loss takes at
/// most the whole store: `X = max(GX dt min(SLZ/GXREF, 1)^GXPOW, -SLZ)`.
/// Acts on the lower zone after the baseflow, so it shapes the next step's baseflow; the flux is
/// `HBVStepFluxes.exchange`, which the water balance counts as an inflow. Off (not applied) when
/// the problem gives none of GX, GXREF, GXPOW (`ActiveProcesses`); training holds GX at 0 unless
/// the config lists it. kernels/processes/groundwater_exchange.h is the same step and reverse in
/// OpenCL C: change both.
public enum GroundwaterExchangeProcess: SequentialProcess {
    @inlinable @inline(__always)
    public static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                            _ r: inout SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let store = s.lowerZone
        r.exchangeStore = store
        // An empty (or, by rounding, negative) store neither gains nor loses: the power law is 0
        // there; at or above GXREF the filling is 1.
        let filling = store / p.gxref
        r.exchangePower = store > 0 ? (filling < 1 ? Real.pow(filling, p.gxpow) : 1) : 0
        let potential = p.gx * r.exchangePower
        // d max(potential, -SLZ) / d potential: 1 unless the loss is capped by the store (at a tie,
        // e.g. an empty store and GX = 0, the potential's path, so GX = 0 is exactly no exchange).
        r.exchangeShare = potential >= -store ? 1 : 0
        f.exchange = Swift.max(potential, -store)
        s.lowerZone = store + f.exchange
    }

    @inlinable @inline(__always)
    public static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                            _ gp: inout HBVStepParameters<Real>,
                                            _ r: SequentialHBVStepRecord<Real>,
                                            _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>) {
        let gExchange = gf.exchange + g.lowerZone                    // SLZ += X
        var gStore = g.lowerZone - gExchange * (1 - r.exchangeShare)  // X = max(pot, -SLZ)
        let gPotential = gExchange * r.exchangeShare
        gp.gx += gPotential * r.exchangePower                         // pot = GX power
        let gPower = gPotential * p.gx
        let filling = r.exchangeStore / p.gxref
        if r.exchangeStore > 0 && filling < 1 {                       // power = min(SLZ / GXREF, 1)^GXPOW
            let slope = p.gxpow * r.exchangePower
            gStore += gPower * slope / r.exchangeStore
            gp.gxref -= gPower * slope / p.gxref
            gp.gxpow += gPower * r.exchangePower * Real.log(filling)
        }
        g.lowerZone = gStore
    }
}

/// Groundwater exchange, implicit solver: the flux `X = GX h P(SLZ)` into the lower zone, with
/// `P = min(SLZ/GXREF, 1)^GXPOW` for SLZ > 0 and 0 otherwise (docs/EXCHANGE.md). No loss cap is
/// needed: P(0) = 0 and GXPOW >= 1, so backward Euler's `SLZ = SLZ0 + GX h P(SLZ)` has its root in
/// [0, SLZ0] when GX < 0. The kink of the min at SLZ = GXREF is kept (P is continuous there and
/// monotone, which Newton handles; a smoothed cap would change the sequential solver's
/// equation). GX = 0 (the off value) adds exactly nothing. kernels/processes/groundwater_exchange.h:
/// the same in OpenCL C.
extension GroundwaterExchangeProcess: ImplicitProcess {
    @inlinable @inline(__always)
    public static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>) {
        let store = o.state.lowerZone
        let filling = store / o.par.gxref
        if store > 0 && filling < 1 {
            o.exchangePower = Real.pow(filling, o.par.gxpow)
            o.dExchangedSLZ = o.par.gx * o.par.gxpow * o.exchangePower / store
        } else {
            o.exchangePower = store > 0 ? 1 : 0
            o.dExchangedSLZ = 0
        }
        o.exchange = o.par.gx * o.exchangePower
    }

    @inlinable @inline(__always)
    public static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>) {
        f.lowerZone += o.exchange
    }

    @inlinable @inline(__always)
    public static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>) {
        m[ImplicitJacobian.at(.lowerZone, .lowerZone)] += o.dExchangedSLZ
    }

    @inlinable @inline(__always)
    public static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                         _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>) {
        let weight = mu.lowerZone                          // X enters the lower zone from outside
        g.gx += weight * o.exchangePower
        let store = o.state.lowerZone
        let filling = store / o.par.gxref
        if store > 0 && filling < 1 {                      // dP/dGXREF = -GXPOW P / GXREF; dP/dGXPOW = P log(filling)
            let dX = weight * o.par.gx * o.exchangePower
            g.gxref -= dX * o.par.gxpow / o.par.gxref
            g.gxpow += dX * Real.log(filling)
        }
    }
}
