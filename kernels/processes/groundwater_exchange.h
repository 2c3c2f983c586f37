// Store-dependent groundwater exchange, sequential solver: the step and its exact reverse
// (docs/EXCHANGE.md). The same equations as
// Sources/HydroGPU/Processes/GroundwaterExchangeProcess.swift: change both.
// X = max(GX dt min(SLZ / GXREF, 1)^GXPOW, -SLZ) crosses the unit's boundary into (> 0) or out
// of (< 0) the lower zone; an empty store neither gains nor loses; the filling is capped at 1
// (GR4J's R/X3 <= 1), so the exchange is at most |GX| per day. The derivative of the max goes
// to the power law unless the store caps the loss (at a tie too: GX = 0 is exactly no exchange).
#include "hbv_sequential_types.h"

inline void hbv_groundwater_exchange_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0);
    r->gx_store = s->lower;
    const realv one = (realv)(1);
    const realv filling = r->gx_store / q->gxref;
    r->gx_power = IF(r->gx_store > zero, IF(filling < one, pow(fmax(filling, zero), q->gxpow), one), zero);
    r->gx_pot = (q->gx * x->dt) * r->gx_power;
    r->exchange = fmax(r->gx_pot, -r->gx_store);
    s->lower = r->gx_store + r->exchange;
}

inline void hbv_groundwater_exchange_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                             hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    const realv dtv = (realv)(x->dt);
    // slz' = SLZ + X;  X = max(pot, -SLZ)
    const realv a_x = a->lower;
    const realv w_pot = IF(r->gx_pot >= -r->gx_store, one, zero);   // 1 unless the store caps the loss
    realv a_slz = a->lower - (one - w_pot) * a_x;
    const realv a_pot = w_pot * a_x;
    // pot = (GX dt) power;  power = min(SLZ / GXREF, 1)^GXPOW where SLZ > 0
    g->gx += dtv * r->gx_power * a_pot;
    const realv a_power = (q->gx * x->dt) * a_pot;
    const realv filling = r->gx_store / q->gxref;
    const realv inside = IF(r->gx_store > zero && filling < one, one, zero);
    const realv safe_store = IF(r->gx_store > zero && filling < one, r->gx_store, one);
    const realv safe_filling = IF(r->gx_store > zero && filling < one, filling, one);
    const realv slope = q->gxpow * r->gx_power;
    a_slz += inside * (a_power * slope / safe_store);
    g->gxref -= inside * (a_power * slope / q->gxref);
    g->gxpow += inside * (a_power * r->gx_power * log(safe_filling));
    a->lower = a_slz;
}
