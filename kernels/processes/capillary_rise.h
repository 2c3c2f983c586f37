// Capillary rise, sequential solver: the step and its exact reverse (δHBV 1.1p). The same
// equations as Sources/HydroModel/Processes/CapillaryRiseProcess.swift: change both.
// C times the lower zone times 1 - min(SM/FC, 1), at most the lower zone, into the soil
// (C = 0 is δHBV 1.0). min(SM/FC, 1) is δHBV's clamp(max=1): gradient only where SM/FC < 1.
#include "hbv_sequential_types.h"

inline void hbv_capillary_rise_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv one = (realv)(1);
    r->slz0 = s->lower;
    r->cratio = s->soil / q->fc;
    r->cmin = fmin(r->cratio, one);
    r->cpot = (q->c * r->slz0) * (one - r->cmin);
    r->cap = fmin(r->slz0, r->cpot);
    s->soil = s->soil + r->cap;
    s->lower = r->slz0 - r->cap;
}

inline void hbv_capillary_rise_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                       hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    // slz1 = SLZ - cap;  sm4 = sm3 + cap;  cap = min(SLZ, cpot)
    realv a_slz = a->lower;
    realv a_cap = a->soil - a->lower;
    realv a_sm3 = a->soil;
    const realv w_cap = min_weight(r->slz0, r->cpot);
    a_slz += w_cap * a_cap;
    const realv a_cpot = (one - w_cap) * a_cap;
    // cpot = (C SLZ) (1 - cmin);  cmin = min(sm3 / FC, 1)
    g->c += r->slz0 * (one - r->cmin) * a_cpot;
    a_slz += q->c * (one - r->cmin) * a_cpot;
    const realv a_cmin = -(q->c * r->slz0) * a_cpot;
    const realv a_cratio = IF(r->cratio < one, a_cmin, zero);
    a_sm3 += a_cratio / q->fc;
    g->fc -= a_cratio * r->cratio / q->fc;
    a->soil = a_sm3;
    a->lower = a_slz;
}

// Capillary rise, implicit solver: C SLZ (1 - sat(SM/FC)) from the lower zone into the soil.
// The same as the ImplicitProcess extension in CapillaryRiseProcess.swift: change both.
#include "hbv_implicit_types.h"

inline void ihbv_capillary_rise_evaluate(const real *p, ihbv_fluxes *o) {
    const real slz = o->S[HBV_STORAGE_SLZ];
    // s = sat(SM/FC) and soil_inside come from recharge.
    o->cap = p[HBV_PARAM_C] * slz * (1 - o->s);
    o->dcap_dsm = o->soil_inside ? -p[HBV_PARAM_C] * slz / p[HBV_PARAM_FC] : (real)0;
    o->dcap_dslz = p[HBV_PARAM_C] * (1 - o->s);
}

inline void ihbv_capillary_rise_rates(const ihbv_fluxes *o, real *f) {
    f[HBV_STORAGE_SM] += o->cap;
    f[HBV_STORAGE_SLZ] -= o->cap;
}

inline void ihbv_capillary_rise_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    m[IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_SM)] += o->dcap_dsm;
    m[IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_SLZ)] += o->dcap_dslz;
    m[IHBV_AT(HBV_STORAGE_SLZ, HBV_STORAGE_SM)] -= o->dcap_dsm;
    m[IHBV_AT(HBV_STORAGE_SLZ, HBV_STORAGE_SLZ)] -= o->dcap_dslz;
}

inline void ihbv_capillary_rise_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {}

inline void ihbv_capillary_rise_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                                   ihbv_flux_adjoint *gf, real *g) {
    const real slz = o->S[HBV_STORAGE_SLZ];
    const real g_cap = mu[HBV_STORAGE_SM] - mu[HBV_STORAGE_SLZ];   // lower zone -> soil
    if (o->soil_inside) g[HBV_PARAM_FC] += g_cap * p[HBV_PARAM_C] * slz * o->s / p[HBV_PARAM_FC];
    g[HBV_PARAM_C] += g_cap * slz * (1 - o->s);
}
