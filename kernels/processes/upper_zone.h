// Upper zone, sequential solver: the step and its exact reverse (MODEL.md 3.1). The same
// equations as Sources/HydroModel/Processes/UpperZoneProcess.swift: change both. Recharge and
// excess in; percolation min(SUZ, PERC dt) out to the lower zone; Q0 = K0 dt max(SUZ - UZL, 0);
// Q1 = K1 dt SUZ.
#include "hbv_sequential_types.h"

inline void hbv_upper_zone_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0);
    const real dt = x->dt;
    r->suz1 = (s->upper + r->recharge) + r->excess;
    r->percolation = fmin(r->suz1, q->perc * dt);
    r->suz2 = r->suz1 - r->percolation;
    r->qpot = r->suz2 - q->uzl;
    r->qpos = fmax(r->qpot, zero);
    r->q0 = (q->k0 * dt) * r->qpos;
    r->suz3 = r->suz2 - r->q0;
    r->q1 = (q->k1 * dt) * r->suz3;
    s->upper = r->suz3 - r->q1;
}

inline void hbv_upper_zone_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                   hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    const realv dtv = (realv)(x->dt);
    const real dt = x->dt;
    // suz4 = suz3 - q1;  q1 = (K1 dt) suz3
    realv a_suz3 = a->upper;
    const realv a_q1 = af->q1 - a->upper;
    a_suz3 += (q->k1 * dt) * a_q1;
    g->k1 += dtv * r->suz3 * a_q1;
    // suz3 = suz2 - q0;  q0 = (K0 dt) qpos;  qpos = max(suz2 - UZL, 0)
    realv a_suz2 = a_suz3;
    const realv a_q0 = af->q0 - a_suz3;
    g->k0 += dtv * r->qpos * a_q0;
    const realv a_qpot = IF(r->qpot > zero, (q->k0 * dt) * a_q0, zero);
    a_suz2 += a_qpot;
    g->uzl -= a_qpot;
    // suz2 = suz1 - percolation;  percolation = min(suz1, PERC dt)
    realv a_suz1 = a_suz2;
    const realv a_perc = af->percolation - a_suz2;
    const realv w_perc = min_weight(r->suz1, q->perc * dt);
    a_suz1 += w_perc * a_perc;
    g->perc += dtv * (one - w_perc) * a_perc;
    // suz1 = (SUZ + recharge) + excess
    af->recharge += a_suz1;
    af->excess += a_suz1;
    a->upper = a_suz1;
}
