// Store-dependent groundwater exchange, sequential solver: the step and its exact reverse
// (docs/EXCHANGE.md). The same equations as
// Sources/HydroModel/Processes/GroundwaterExchangeProcess.swift: change both.
// X = max(GX dt min(SLZ / GXREF, 1)^GXPOW, -SLZ) (GX arrives per step, hbv_rates.h) crosses the unit's boundary into (> 0) or out
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
    r->gx_pot = q->gx * r->gx_power;
    r->exchange = fmax(r->gx_pot, -r->gx_store);
    s->lower = r->gx_store + r->exchange;
}

inline void hbv_groundwater_exchange_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                             hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    // slz' = SLZ + X;  X = max(pot, -SLZ)
    const realv a_x = a->lower;
    const realv w_pot = IF(r->gx_pot >= -r->gx_store, one, zero);   // 1 unless the store caps the loss
    realv a_slz = a->lower - (one - w_pot) * a_x;
    const realv a_pot = w_pot * a_x;
    // pot = GX power;  power = min(SLZ / GXREF, 1)^GXPOW where SLZ > 0
    g->gx += r->gx_power * a_pot;
    const realv a_power = q->gx * a_pot;
    const realv filling = r->gx_store / q->gxref;
    // Inside the power law, and with a power that did not underflow: a filling that flushes to 0
    // in Float has log(filling) = -inf, and 0 * -inf would poison the GXPOW gradient with NaN.
    const realv inside = IF(r->gx_store > zero && filling < one && r->gx_power > zero, one, zero);
    const realv safe_store = IF(r->gx_store > zero && filling < one && r->gx_power > zero, r->gx_store, one);
    const realv safe_filling = IF(r->gx_store > zero && filling < one && r->gx_power > zero, filling, one);
    const realv slope = q->gxpow * r->gx_power;
    a_slz += inside * (a_power * slope / safe_store);
    g->gxref -= inside * (a_power * slope / q->gxref);
    g->gxpow += inside * (a_power * r->gx_power * log(safe_filling));
    a->lower = a_slz;
}

// Groundwater exchange, implicit solver: X = GX h P(SLZ) into the lower zone, P =
// min(SLZ/GXREF, 1)^GXPOW for SLZ > 0, else 0; no loss cap (P(0) = 0). The same as the
// ImplicitProcess extension in GroundwaterExchangeProcess.swift: change both.
#include "hbv_implicit_types.h"

inline void ihbv_groundwater_exchange_evaluate(const real *p, ihbv_fluxes *o) {
    const real store = o->S[HBV_STORAGE_SLZ];
    const real filling = store / p[HBV_PARAM_GXREF];
    if (store > 0 && filling < 1) {
        o->gx_power = pow(filling, p[HBV_PARAM_GXPOW]);
        o->dexchange_dslz = p[HBV_PARAM_GX] * p[HBV_PARAM_GXPOW] * o->gx_power / store;
    } else {
        o->gx_power = store > 0 ? (real)1 : (real)0;
        o->dexchange_dslz = 0;
    }
    o->exchange = p[HBV_PARAM_GX] * o->gx_power;
}

inline void ihbv_groundwater_exchange_rates(const ihbv_fluxes *o, real *f) {
    f[HBV_STORAGE_SLZ] += o->exchange;
}

inline void ihbv_groundwater_exchange_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    m[IHBV_AT(HBV_STORAGE_SLZ, HBV_STORAGE_SLZ)] += o->dexchange_dslz;
}

inline void ihbv_groundwater_exchange_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {}

inline void ihbv_groundwater_exchange_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                                         ihbv_flux_adjoint *gf, real *g) {
    const real weight = mu[HBV_STORAGE_SLZ];   // X enters the lower zone from outside
    g[HBV_PARAM_GX] += weight * o->gx_power;
    const real store = o->S[HBV_STORAGE_SLZ];
    const real filling = store / p[HBV_PARAM_GXREF];
    if (store > 0 && filling < 1 && o->gx_power > 0) {   // a power that underflowed: log(filling) may be -inf
        const real dx = weight * p[HBV_PARAM_GX] * o->gx_power;
        g[HBV_PARAM_GXREF] -= dx * p[HBV_PARAM_GXPOW] / p[HBV_PARAM_GXREF];
        g[HBV_PARAM_GXPOW] += dx * log(filling);
    }
}
