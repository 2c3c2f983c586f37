// Lower zone, sequential solver: the step and its exact reverse (MODEL.md 3.1). The same
// equations as Sources/HydroModel/Processes/LowerZoneProcess.swift: change both. Percolation in;
// Q2 = K2 SLZ, the baseflow.
#include "hbv_sequential_types.h"

inline void hbv_lower_zone_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    r->slz2 = s->lower + r->percolation;
    r->q2 = q->k2 * r->slz2;
    s->lower = r->slz2 - r->q2;
}

inline void hbv_lower_zone_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                   hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    // slz3 = slz2 - q2;  q2 = K2 slz2;  slz2 = slz1 + percolation
    realv a_slz2 = a->lower;
    const realv a_q2 = af->q2 - a->lower;
    a_slz2 += q->k2 * a_q2;
    g->k2 += r->slz2 * a_q2;
    af->percolation += a_slz2;
    a->lower = a_slz2;
}

// Lower zone, implicit solver: Q2 = K2 SLZ. The same as the ImplicitProcess extension in
// LowerZoneProcess.swift: change both.
#include "hbv_implicit_types.h"

inline void ihbv_lower_zone_evaluate(const real *p, ihbv_fluxes *o) {
    o->q2 = p[HBV_PARAM_K2] * o->S[HBV_STORAGE_SLZ];
    o->runoff += o->q2;
}

inline void ihbv_lower_zone_rates(const ihbv_fluxes *o, real *f) {
    f[HBV_STORAGE_SLZ] -= o->q2;
}

inline void ihbv_lower_zone_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    m[IHBV_AT(HBV_STORAGE_SLZ, HBV_STORAGE_SLZ)] -= p[HBV_PARAM_K2];
}

inline void ihbv_lower_zone_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {
    a[HBV_STORAGE_SLZ] += rbar * p[HBV_PARAM_K2];
}

inline void ihbv_lower_zone_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                               ihbv_flux_adjoint *gf, real *g) {
    g[HBV_PARAM_K2] += (rbar - mu[HBV_STORAGE_SLZ]) * o->S[HBV_STORAGE_SLZ];
}
