// Glacier ice melt, sequential solver: the step and its exact reverse (docs/GLACIER.md). The
// same equations as Sources/HydroModel/Processes/GlacierProcess.swift: change both. Once the
// unit's snow has gone (snowpack 0 after the snow step; a step, no gradient), the glacier part
// GFRAC melts GFRAC CFICE DD max(T - TTG, 0), DD the snow's degree-day factor (per step, handed
// over in r->degree_day), limited by
// the ice store when its thickness is known (HBV_OPTION_ICE_LIMITED; the melt then leaves the
// ice store ICE, otherwise the ice is unlimited and ICE stays); the melt goes to the upper zone.
#include "hbv_sequential_types.h"

// The ice store changes only with a glacier whose ice is known; otherwise nothing moves it and
// no flux reads it, so the state layout (StateLayout, HBV_STATE_LAYOUT) leaves it out of the
// records and of the implicit Newton system. It is the table's last storage, so the implicit
// layout stays a leading block (hbv_implicit_fluxes.h).
#if HBV_STORAGE_ICE != HBV_STORAGE_COUNT - 1
#error "the ice store must be the table's last storage (the implicit state layout is a leading block)"
#endif

inline void hbv_glacier_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0), one = (realv)(1);
    r->g_bare = IF(s->snowpack > zero, zero, one);
    r->g_tmtt = x->f.temp - q->ttg;
    const realv warm = fmax(r->g_tmtt, zero);
    r->g_pot = (((q->gfrac * q->cfice) * r->degree_day) * warm) * r->g_bare;
    r->g_ice = s->ice;
    r->ice_melt = x->ice_limited ? fmin(r->g_pot, r->g_ice) : r->g_pot;
    if (x->ice_limited) s->ice = s->ice - r->ice_melt;
    s->upper = s->upper + r->ice_melt;
}

inline void hbv_glacier_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    // SUZ' = SUZ + melt;  ICE' = ICE - melt, melt = min(pot, ICE) (known ice); melt = pot (unlimited)
    const realv a_melt = x->ice_limited ? a->upper - a->ice : a->upper;
    const realv w_pot = x->ice_limited ? min_weight(r->g_pot, r->g_ice) : one;
    if (x->ice_limited) a->ice += (one - w_pot) * a_melt;
    // pot = GFRAC CFICE DD max(T - TTG, 0) bare
    const realv a_pot = w_pot * a_melt * r->g_bare;
    const realv warm = fmax(r->g_tmtt, zero);
    g->gfrac += a_pot * (q->cfice * r->degree_day) * warm;
    g->cfice += a_pot * (q->gfrac * r->degree_day) * warm;
    af->degree_day += a_pot * (q->gfrac * q->cfice) * warm;   // the snow adds it to its factor's gradient
    g->ttg -= IF(r->g_tmtt > zero, a_pot * ((q->gfrac * q->cfice) * r->degree_day), zero);
}

// Glacier, implicit solver: melt = GFRAC CFICE DD (T - TTG)+ (1 - lim(SP)) lim(ICE) from the
// ice store to the upper zone (lim(ICE) = 1 when the ice is unlimited). The same as the
// ImplicitProcess extension in GlacierProcess.swift: change both.
#include "hbv_implicit_types.h"

inline void ihbv_glacier_evaluate(const real *p, ihbv_fluxes *o) {
    o->ice_warm = fmax(o->temperature - p[HBV_PARAM_TTG], (real)0);
    real snow_slope, ice_slope = 0;
    const real snow = ihbv_limiter(o->S[HBV_STORAGE_SNOWPACK], IHBV_LIMITER_WIDTH, &snow_slope);
    const real ice = (o->options & HBV_OPTION_ICE_LIMITED) ? ihbv_limiter(o->S[HBV_STORAGE_ICE], IHBV_LIMITER_WIDTH, &ice_slope) : (real)1;
    o->ice_base = (1 - snow) * ice;
    const real potential = p[HBV_PARAM_GFRAC] * p[HBV_PARAM_CFICE] * o->degree_day * o->ice_warm;
    o->ice_melt = potential * o->ice_base;
    o->dice_melt_dsp = -potential * snow_slope * ice;
    o->dice_melt_dice = potential * (1 - snow) * ice_slope;
}

inline void ihbv_glacier_rates(const ihbv_fluxes *o, real *f) {
    if (o->options & HBV_OPTION_ICE_LIMITED) f[HBV_STORAGE_ICE] -= o->ice_melt;   // unlimited ice is not depleted
    f[HBV_STORAGE_SUZ] += o->ice_melt;
}

inline void ihbv_glacier_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    if (o->options & HBV_OPTION_ICE_LIMITED) {
        m[IHBV_AT(HBV_STORAGE_ICE, HBV_STORAGE_SNOWPACK)] -= o->dice_melt_dsp;
        m[IHBV_AT(HBV_STORAGE_ICE, HBV_STORAGE_ICE)] -= o->dice_melt_dice;
    }
    m[IHBV_AT(HBV_STORAGE_SUZ, HBV_STORAGE_SNOWPACK)] += o->dice_melt_dsp;
    m[IHBV_AT(HBV_STORAGE_SUZ, HBV_STORAGE_ICE)] += o->dice_melt_dice;
}

inline void ihbv_glacier_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {}

inline void ihbv_glacier_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                            ihbv_flux_adjoint *gf, real *g) {
    // The melt enters the upper zone, from the ice store when the ice is known.
    const real weight = (mu[HBV_STORAGE_SUZ] - ((o->options & HBV_OPTION_ICE_LIMITED) ? mu[HBV_STORAGE_ICE] : (real)0)) * o->ice_base;
    g[HBV_PARAM_GFRAC] += weight * p[HBV_PARAM_CFICE] * o->degree_day * o->ice_warm;
    g[HBV_PARAM_CFICE] += weight * p[HBV_PARAM_GFRAC] * o->degree_day * o->ice_warm;
    gf->degree_day += weight * p[HBV_PARAM_GFRAC] * p[HBV_PARAM_CFICE] * o->ice_warm;   // the snow adds it to its factor's gradient
    if (o->ice_warm > 0) g[HBV_PARAM_TTG] -= weight * p[HBV_PARAM_GFRAC] * p[HBV_PARAM_CFICE] * o->degree_day;
}
