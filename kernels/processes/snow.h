// Snow, sequential solver: the step and its exact reverse (MODEL.md 3.1). The same equations as
// Sources/HydroModel/Processes/SnowProcess.swift: change both. Rain or snow by temperature; melt
// CFMAX dt (T - TT) limited by the pack, refreezing CFR CFMAX dt (TT - T) by the meltwater;
// liquid water above CWH times the pack leaves to the soil. The split has zero gradient.
#include "hbv_sequential_types.h"

inline void hbv_snow_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0);
    const hbv_forcing *f = &x->f;
    r->rain = IF(f->temp >= q->tt, f->precip, zero);
    r->snowfall = IF(f->temp >= q->tt, zero, f->precip);
    r->sp1 = s->snowpack + r->snowfall;
    const realv cfmax = q->cfmax * x->dt;
    r->mpot = cfmax * (f->temp - q->tt);
    r->mpos = fmax(r->mpot, zero);
    r->melt = fmin(r->mpos, r->sp1);
    r->mw1 = s->meltwater + r->melt;
    const realv sp2 = r->sp1 - r->melt;
    r->rpot = (q->cfr * cfmax) * (q->tt - f->temp);
    r->rpos = fmax(r->rpot, zero);
    r->refr = fmin(r->rpos, r->mw1);
    r->sp3 = sp2 + r->refr;
    r->mw2 = r->mw1 - r->refr;
    r->tpot = r->mw2 - q->cwh * r->sp3;
    r->tosoil = fmax(r->tpot, zero);
    r->mw3 = r->mw2 - r->tosoil;
    s->snowpack = r->sp3;
    s->meltwater = r->mw3;
}

inline void hbv_snow_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                             hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    const realv zero = (realv)(0), one = (realv)(1);
    const realv dtv = (realv)(x->dt);
    const real dt = x->dt;
    const hbv_forcing *f = &x->f;
    // mw3 = mw2 - tosoil;  tosoil = max(mw2 - CWH sp3, 0)
    realv a_mw2 = a->meltwater;
    const realv a_tosoil = af->tosoil - a->meltwater;
    const realv a_tpot = IF(r->tpot > zero, a_tosoil, zero);
    a_mw2 += a_tpot;
    realv a_sp3 = a->snowpack - q->cwh * a_tpot;
    g->cwh -= r->sp3 * a_tpot;
    // mw2 = mw1 - refr;  sp3 = sp2 + refr;  refr = min(max(rpot, 0), mw1)
    realv a_mw1 = a_mw2;
    realv a_refr = a_sp3 - a_mw2;
    realv a_sp2 = a_sp3;
    const realv w_refr = min_weight(r->rpos, r->mw1);
    a_mw1 += (one - w_refr) * a_refr;
    const realv a_rpot = IF(r->rpot > zero, w_refr * a_refr, zero);
    // rpot = (CFR (CFMAX dt)) (TT - T)
    g->cfr += (q->cfmax * dt) * (q->tt - f->temp) * a_rpot;
    g->cfmax += q->cfr * dtv * (q->tt - f->temp) * a_rpot;
    g->tt += (q->cfr * (q->cfmax * dt)) * a_rpot;
    // sp2 = sp1 - melt;  mw1 = MW + melt;  melt = min(max(mpot, 0), sp1)
    realv a_sp1 = a_sp2;
    const realv a_melt = a_mw1 - a_sp2;
    const realv a_mw = a_mw1;
    const realv w_melt = min_weight(r->mpos, r->sp1);
    a_sp1 += (one - w_melt) * a_melt;
    const realv a_mpot = IF(r->mpot > zero, w_melt * a_melt, zero);
    // mpot = (CFMAX dt) (T - TT)
    g->cfmax += dtv * (f->temp - q->tt) * a_mpot;
    g->tt -= (q->cfmax * dt) * a_mpot;
    // sp1 = SP + snowfall (the split itself has zero gradient)
    a->snowpack = a_sp1;
    a->meltwater = a_mw;
}
