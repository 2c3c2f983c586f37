// Recharge, sequential solver: the step and its exact reverse (MODEL.md 3.1). The same equations
// as Sources/HydroModel/Processes/RechargeProcess.swift: change both. Rain and snow outflow enter
// the soil, the share clamp((SM/FC)^BETA, 0, 1) recharges the upper zone, water above FC leaves
// as excess. The kernels' one writing of the sequential recharge power law.
#include "hbv_sequential_types.h"

inline void hbv_recharge_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0), one = (realv)(1);
    r->wratio = s->soil / q->fc;
    r->wpow = x->known_powers ? x->wpow_known : pow(r->wratio, q->beta);
    r->wet = clamp(r->wpow, zero, one);
    r->recharge = (r->rain + r->tosoil) * r->wet;
    r->sm1 = ((s->soil + r->rain) + r->tosoil) - r->recharge;
    r->epot = r->sm1 - q->fc;
    r->excess = fmax(r->epot, zero);
    s->soil = r->sm1 - r->excess;
}

inline void hbv_recharge_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                 hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    // sm2 = sm1 - excess;  excess = max(sm1 - FC, 0)
    realv a_sm1 = a->soil;
    const realv a_excess = af->excess - a->soil;
    const realv a_epot = IF(r->epot > zero, a_excess, zero);
    a_sm1 += a_epot;
    g->fc -= a_epot;
    // sm1 = ((SM + rain) + tosoil) - recharge;  recharge = (rain + tosoil) wet
    realv a_sm = a_sm1;
    realv a_tosoil = a_sm1;
    const realv a_recharge = af->recharge - a_sm1;
    a_tosoil += r->wet * a_recharge;
    const realv a_wet = (r->rain + r->tosoil) * a_recharge;
    // wet = clamp(wpow, 0, 1);  wpow = wratio^BETA;  wratio = SM / FC
    const realv a_wratio = IF(r->wpow > zero && r->wpow < one, a_wet * q->beta * r->wpow / r->wratio, zero);
    g->beta += IF(r->wpow > zero && r->wpow < one, a_wet * r->wpow * log(r->wratio), zero);
    a_sm += a_wratio / q->fc;
    g->fc -= a_wratio * r->wratio / q->fc;
    af->tosoil += a_tosoil;
    a->soil = a_sm;
}
