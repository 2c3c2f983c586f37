// Lower zone, sequential solver: the step and its exact reverse (MODEL.md 3.1). The same
// equations as Sources/HydroModel/Processes/LowerZoneProcess.swift: change both. Percolation in;
// Q2 = K2 dt SLZ, the baseflow.
#include "hbv_sequential_types.h"

inline void hbv_lower_zone_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    r->slz2 = s->lower + r->percolation;
    r->q2 = (q->k2 * x->dt) * r->slz2;
    s->lower = r->slz2 - r->q2;
}

inline void hbv_lower_zone_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                   hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv dtv = (realv)(x->dt);
    // slz3 = slz2 - q2;  q2 = (K2 dt) slz2;  slz2 = slz1 + percolation
    realv a_slz2 = a->lower;
    const realv a_q2 = af->q2 - a->lower;
    a_slz2 += (q->k2 * x->dt) * a_q2;
    g->k2 += dtv * r->slz2 * a_q2;
    af->percolation += a_slz2;
    a->lower = a_slz2;
}
