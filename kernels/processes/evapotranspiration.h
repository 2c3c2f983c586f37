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
