// Capillary rise, sequential solver: the step and its exact reverse (δHBV 1.1p). The same
// equations as Sources/HydroModel/Processes/CapillaryRiseProcess.swift: change both.
// C dt times the lower zone times 1 - min(SM/FC, 1), at most the lower zone, into the soil
// (C = 0 is δHBV 1.0). min(SM/FC, 1) is δHBV's clamp(max=1): gradient only where SM/FC < 1.
#include "hbv_sequential_types.h"

inline void hbv_capillary_rise_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv one = (realv)(1);
    r->slz0 = s->lower;
    r->cratio = s->soil / q->fc;
    r->cmin = fmin(r->cratio, one);
    r->cpot = ((q->c * x->dt) * r->slz0) * (one - r->cmin);
    r->cap = fmin(r->slz0, r->cpot);
    s->soil = s->soil + r->cap;
    s->lower = r->slz0 - r->cap;
}

inline void hbv_capillary_rise_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                       hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    const realv dtv = (realv)(x->dt);
    const real dt = x->dt;
    // slz1 = SLZ - cap;  sm4 = sm3 + cap;  cap = min(SLZ, cpot)
    realv a_slz = a->lower;
    realv a_cap = a->soil - a->lower;
    realv a_sm3 = a->soil;
    const realv w_cap = min_weight(r->slz0, r->cpot);
    a_slz += w_cap * a_cap;
    const realv a_cpot = (one - w_cap) * a_cap;
    // cpot = ((C dt) SLZ) (1 - cmin);  cmin = min(sm3 / FC, 1)
    g->c += dtv * r->slz0 * (one - r->cmin) * a_cpot;
    a_slz += (q->c * dt) * (one - r->cmin) * a_cpot;
    const realv a_cmin = -((q->c * dt) * r->slz0) * a_cpot;
    const realv a_cratio = IF(r->cratio < one, a_cmin, zero);
    a_sm3 += a_cratio / q->fc;
    g->fc -= a_cratio * r->cratio / q->fc;
    a->soil = a_sm3;
    a->lower = a_slz;
}
