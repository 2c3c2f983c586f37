// Runoff exchange (docs/EXCHANGE.md): the unit delivers EXCHANGE (Q0 + Q1 + Q2) to the channel
// network, gaining (> 1) or losing (< 1) the difference across its boundary. The same as
// Sources/HydroModel/Processes/RunoffExchangeProcess.swift: change both. No storage changes:
// the step's last operator, and its reverse the first, which hands dL/d(delivered) on to Q0,
// Q1 and Q2. Absent (no EXCHANGE), the null operator delivers the runoff as it is.
#include "hbv_sequential_types.h"

inline void hbv_runoff_exchange_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    r->runoff = hbv_generated_runoff(r);
    r->delivered = q->exchangeFactor * r->runoff;
    r->runoff_exchange = r->delivered - r->runoff;
}

inline void hbv_runoff_exchange_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                        hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    // delivered = EXCHANGE runoff;  runoff = (Q0 + Q1) + Q2
    g->exchangeFactor += af->delivered * r->runoff;
    const realv a_runoff = af->delivered * q->exchangeFactor;
    af->q0 += a_runoff; af->q1 += a_runoff; af->q2 += a_runoff;
}

inline void hbv_runoff_exchange_absent_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    r->runoff = hbv_generated_runoff(r);
    r->delivered = r->runoff;
}

inline void hbv_runoff_exchange_absent_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                               hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    af->q0 += af->delivered; af->q1 += af->delivered; af->q2 += af->delivered;
}

// Runoff exchange, implicit solver: the delivered runoff of the converged state and its slope by
// the runoff (ihbv_runoff_state_gradient and ihbv_parameter_gradient scale the runoff fluxes'
// weight by it). No rate, no Jacobian entry.
#include "hbv_implicit_types.h"

inline void ihbv_runoff_exchange_evaluate(const real *p, ihbv_fluxes *o) {
    o->delivered_slope = p[HBV_PARAM_EXCHANGE];
    o->delivered = p[HBV_PARAM_EXCHANGE] * o->runoff;
    o->runoff_exchange = o->delivered - o->runoff;
}

inline void ihbv_runoff_exchange_absent_evaluate(const real *p, ihbv_fluxes *o) {
    o->delivered_slope = 1;
    o->delivered = o->runoff;
}

inline void ihbv_runoff_exchange_rates(const ihbv_fluxes *o, real *f) {}

inline void ihbv_runoff_exchange_jacobian(const ihbv_fluxes *o, const real *p, real *m) {}

inline void ihbv_runoff_exchange_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {}

inline void ihbv_runoff_exchange_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                                    ihbv_flux_adjoint *gf, real *g) {
    g[HBV_PARAM_EXCHANGE] += gf->delivered * o->runoff;
}
