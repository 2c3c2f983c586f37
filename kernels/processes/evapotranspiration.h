// Evapotranspiration, sequential solver: the step and its exact reverse (MODEL.md 3.1). The
// same equations as Sources/HydroModel/Processes/EvapotranspirationProcess.swift: change both.
// PET times clamp((SM/(LP FC))^BETAET, 0, 1) (no exponent without et_exponent, δHBV 1.0), at
// most the soil water; then SM is kept at least near_zero.
#include "hbv_sequential_types.h"

inline void hbv_evapotranspiration_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0), one = (realv)(1);
    r->sm2 = s->soil;
    r->eratio = r->sm2 / (q->lp * q->fc);
    r->epow = x->known_powers ? x->epow_known : (x->et_exponent ? pow(r->eratio, q->betaet) : r->eratio);
    r->ef = clamp(r->epow, zero, one);
    r->etpot = x->f.pet * r->ef;
    r->et = fmin(r->sm2, r->etpot);
    r->sm3pre = r->sm2 - r->et;
    r->sm3 = fmax(r->sm3pre, (realv)(x->near_zero));
    s->soil = r->sm3;
}

inline void hbv_evapotranspiration_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                           hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    // sm3 = max(sm3pre, near_zero);  sm3pre = sm2 - et;  et = min(sm2, PET ef)
    const realv a_sm3pre = IF(r->sm3pre > (realv)(x->near_zero), a->soil, zero);
    realv a_sm2 = a_sm3pre;
    const realv a_et = -a_sm3pre;
    const realv w_et = min_weight(r->sm2, r->etpot);
    a_sm2 += w_et * a_et;
    const realv a_ef = x->f.pet * ((one - w_et) * a_et);
    // ef = clamp(epow, 0, 1);  epow = eratio^BETAET (or eratio);  eratio = sm2 / (LP FC)
    const realv a_epow = IF(r->epow > zero && r->epow < one, a_ef, zero);
    realv a_eratio = a_epow;
    if (x->et_exponent) {
        // d x^b/dx = b x^b / x and d x^b/db = x^b ln x, both taken only inside the clamp (x > 0).
        a_eratio = IF(r->epow > zero && r->epow < one, a_epow * q->betaet * r->epow / r->eratio, zero);
        g->betaet += IF(r->epow > zero && r->epow < one, a_epow * r->epow * log(r->eratio), zero);
    }
    const realv lpfc = q->lp * q->fc;
    a_sm2 += a_eratio / lpfc;
    const realv a_lpfc = -a_eratio * r->eratio / lpfc;
    g->lp += a_lpfc * q->fc;
    g->fc += a_lpfc * q->lp;
    a->soil = a_sm2;
}

// Evapotranspiration, implicit solver: PET sat(SM/(LP FC))^BETAET lim(SM) (exponent 1 without
// the ET exponent). The same as the ImplicitProcess extension in EvapotranspirationProcess.swift.
#include "hbv_implicit_types.h"

inline void ihbv_evapotranspiration_evaluate(const real *p, ihbv_fluxes *o) {
    const real sm = o->S[HBV_STORAGE_SM];
    o->beta_et = o->uses_et_exponent ? p[HBV_PARAM_BETAET] : (real)1;
    real lsm_slope;
    o->lim_sm = ihbv_limiter(sm, IHBV_LIMITER_WIDTH, &lsm_slope);
    const real lpfc = p[HBV_PARAM_LP] * p[HBV_PARAM_FC];
    o->et_inside = sm > 0 && sm < lpfc;
    o->x = sm <= 0 ? (real)0 : (sm >= lpfc ? (real)1 : sm / lpfc);
    if (o->x <= 0) {
        o->ef = 0;
        o->et = 0;
        o->det_dsm = 0;
    } else if (o->et_inside) {
        o->ef = pow(o->x, o->beta_et);
        o->et = o->pet * o->ef * o->lim_sm;
        o->det_dsm = o->pet * (o->lim_sm * o->beta_et * o->ef / sm + o->ef * lsm_slope);
    } else {
        o->ef = 1;
        o->et = o->pet * o->lim_sm;
        o->det_dsm = o->pet * lsm_slope;
    }
}

inline void ihbv_evapotranspiration_rates(const ihbv_fluxes *o, real *f) {
    f[HBV_STORAGE_SM] -= o->et;
}

inline void ihbv_evapotranspiration_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    m[IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_SM)] -= o->det_dsm;
}

inline void ihbv_evapotranspiration_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {}

inline void ihbv_evapotranspiration_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                                       ihbv_flux_adjoint *gf, real *g) {
    if (!o->et_inside) return;
    const real g_et = -mu[HBV_STORAGE_SM];   // ET leaves the soil
    // ef = (SM/(LP FC))^b: d/dLP = -b ef / LP, d/dFC = -b ef / FC, d/db = ef ln x.
    const real common = g_et * o->pet * o->lim_sm * o->beta_et * o->ef;
    g[HBV_PARAM_LP] -= common / p[HBV_PARAM_LP];
    g[HBV_PARAM_FC] -= common / p[HBV_PARAM_FC];
    if (o->uses_et_exponent) g[HBV_PARAM_BETAET] += g_et * o->pet * o->lim_sm * o->ef * log(o->x);
}
