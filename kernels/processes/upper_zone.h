// Upper zone, sequential solver: the step and its exact reverse (MODEL.md 3.1). The same
// equations as Sources/HydroModel/Processes/UpperZoneProcess.swift: change both. Recharge and
// excess in; percolation min(SUZ, PERC) out to the lower zone; Q0 = K0 max(SUZ - UZL, 0);
// Q1 = K1 SUZ.
#include "hbv_sequential_types.h"

inline void hbv_upper_zone_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0);
    r->suz1 = (s->upper + r->recharge) + r->excess;
    r->percolation = fmin(r->suz1, q->perc);
    r->suz2 = r->suz1 - r->percolation;
    r->qpot = r->suz2 - q->uzl;
    r->qpos = fmax(r->qpot, zero);
    r->q0 = q->k0 * r->qpos;
    r->suz3 = r->suz2 - r->q0;
    r->q1 = q->k1 * r->suz3;
    s->upper = r->suz3 - r->q1;
}

inline void hbv_upper_zone_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                   hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    // suz4 = suz3 - q1;  q1 = K1 suz3
    realv a_suz3 = a->upper;
    const realv a_q1 = af->q1 - a->upper;
    a_suz3 += q->k1 * a_q1;
    g->k1 += r->suz3 * a_q1;
    // suz3 = suz2 - q0;  q0 = K0 qpos;  qpos = max(suz2 - UZL, 0)
    realv a_suz2 = a_suz3;
    const realv a_q0 = af->q0 - a_suz3;
    g->k0 += r->qpos * a_q0;
    const realv a_qpot = IF(r->qpot > zero, q->k0 * a_q0, zero);
    a_suz2 += a_qpot;
    g->uzl -= a_qpot;
    // suz2 = suz1 - percolation;  percolation = min(suz1, PERC)
    realv a_suz1 = a_suz2;
    const realv a_perc = af->percolation - a_suz2;
    const realv w_perc = min_weight(r->suz1, q->perc);
    a_suz1 += w_perc * a_perc;
    g->perc += (one - w_perc) * a_perc;
    // suz1 = (SUZ + recharge) + excess
    af->recharge += a_suz1;
    af->excess += a_suz1;
    a->upper = a_suz1;
}

// Upper zone, implicit solver: percolation PERC lim(SUZ) to the lower zone, Q0 = K0 ramp(SUZ -
// UZL), Q1 = K1 SUZ. The same as the ImplicitProcess extension in UpperZoneProcess.swift.
#include "hbv_implicit_types.h"

inline void ihbv_upper_zone_evaluate(const real *p, ihbv_fluxes *o) {
    const real suz = o->S[HBV_STORAGE_SUZ];
    real lsuz_slope;
    o->lim_suz = ihbv_limiter(suz, IHBV_LIMITER_WIDTH, &lsuz_slope);
    o->percolation = p[HBV_PARAM_PERC] * o->lim_suz;
    o->dperc_dsuz = p[HBV_PARAM_PERC] * lsuz_slope;
    o->q0_ramp = ihbv_ramp(suz - p[HBV_PARAM_UZL], IHBV_RAMP_WIDTH, &o->q0_slope);
    o->q0 = p[HBV_PARAM_K0] * o->q0_ramp;
    o->dq0_dsuz = p[HBV_PARAM_K0] * o->q0_slope;
    o->q1 = p[HBV_PARAM_K1] * suz;
    o->runoff = o->runoff + o->q0 + o->q1;
}

inline void ihbv_upper_zone_rates(const ihbv_fluxes *o, real *f) {
    f[HBV_STORAGE_SUZ] = f[HBV_STORAGE_SUZ] - o->percolation - o->q0 - o->q1;
    f[HBV_STORAGE_SLZ] += o->percolation;
}

inline void ihbv_upper_zone_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    const int suz = IHBV_AT(HBV_STORAGE_SUZ, HBV_STORAGE_SUZ);
    m[suz] = m[suz] - o->dperc_dsuz - o->dq0_dsuz - p[HBV_PARAM_K1];
    m[IHBV_AT(HBV_STORAGE_SLZ, HBV_STORAGE_SUZ)] += o->dperc_dsuz;
}

inline void ihbv_upper_zone_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {
    a[HBV_STORAGE_SUZ] += rbar * (o->dq0_dsuz + p[HBV_PARAM_K1]);
}

inline void ihbv_upper_zone_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                               ihbv_flux_adjoint *gf, real *g) {
    const real g_perc = mu[HBV_STORAGE_SLZ] - mu[HBV_STORAGE_SUZ];   // upper -> lower zone
    const real g_q0 = rbar - mu[HBV_STORAGE_SUZ];                    // Q0 and Q1 leave as runoff
    g[HBV_PARAM_PERC] += g_perc * o->lim_suz;
    g[HBV_PARAM_K0] += g_q0 * o->q0_ramp;
    g[HBV_PARAM_UZL] -= g_q0 * p[HBV_PARAM_K0] * o->q0_slope;
    g[HBV_PARAM_K1] += g_q0 * o->S[HBV_STORAGE_SUZ];
}
