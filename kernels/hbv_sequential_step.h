// One step of δHBV's sequential (explicit, operator-split) HBV model and its exact adjoint,
// for HYDRO_VW units at a time. MODEL.md 3.1 and shared/reference/hydrodl2-hbv/README.md.
//
// The forward statements are written once, in hbv_step_trace(); the forward kernel and the
// adjoint's recomputation both call it, so the branches the adjoint differentiates are the
// branches the forward run took, bit for bit (FP_CONTRACT is off in hbv_vector.h).
//
// Derivative conventions (torch 2.x, which δHBV's gradients come from):
//   max(x, c)  (torch.clamp(min=c)):  gradient to x only where x > c strictly;
//   clamp(x, 0, 1):                    gradient only where 0 < x < 1 strictly;
//   min(a, b)  (torch.min):            to the smaller one; at a tie 1/2 to each;
//   min(SM/FC, 1) in the capillary rise is δHBV's clamp(max=1): gradient only where SM/FC < 1;
//   the rain/snow split T >= TT:       a step, zero gradient.
// Rates (CFMAX, PERC, K0, K1, K2, C) are per day and scale with dt; CFR is a fraction of CFMAX.
#include "hbv_vector.h"

// Parameters and storages in the model table's order (hbv_model.h, generated from
// model/hbv.table): the index is the row of the offset and slot tables / the state arrays.
#include "hbv_model.h"

typedef struct {
#define FIELD(i, name) realv name;
    HBV_PARAMETERS(FIELD)
#undef FIELD
} hbv_params;

typedef struct {
#define FIELD(i, name) realv name;
    HBV_STORAGES(FIELD)
#undef FIELD
} hbv_states;

typedef struct {
    realv precip, temp, pet;
} hbv_forcing;

// Every intermediate of one step, named as in MODEL.md 3.1; the adjoint reads them.
typedef struct {
    realv rain, snowfall, sp1, mpot, mpos, melt, mw1, rpot, rpos, refr, sp3, mw2, tpot, tosoil, mw3;
    realv wratio, wpow, wet, recharge, sm1, epot, excess, sm2;
    realv eratio, epow, ef, etpot, et, sm3pre, sm3;
    realv cratio, cmin, cpot, cap, sm4, slz1;
    realv suz1, perc, suz2, qpot, qpos, q0, suz3, q1, suz4, slz2, q2, slz3;
    realv runoff;
} hbv_trace;

// Weight of `a` in d min(a, b): 1 if a < b, 1/2 at a tie, 0 otherwise (b gets 1 - that).
inline realv min_weight(realv a, realv b) {
    return IF(a < b, (realv)(1), IF(a == b, (realv)(0.5f), (realv)(0)));
}

// One step from storages `s`; fills `r`, whose sp3, mw3, sm4, suz4, slz3 are the new storages.
// The two power laws are the step's costly part (about 80 % of the forward kernel on a CPU):
// with `known_powers` the adjoint passes the values this step's forward evaluation stored
// (`wpow_known` = (SM/FC)^BETA, `epow_known` = the ET factor before its clamp) instead of
// evaluating them again; everything else is recomputed.
inline void hbv_step_trace(const hbv_states *s, const hbv_params *q, const hbv_forcing *f,
                           real dt, real near_zero, int et_exponent,
                           int known_powers, realv wpow_known, realv epow_known, hbv_trace *r) {
    const realv zero = (realv)(0), one = (realv)(1);
    // Snow: rain or snow by temperature; melt limited by the pack, refreezing by the meltwater.
    r->rain = IF(f->temp >= q->tt, f->precip, zero);
    r->snowfall = IF(f->temp >= q->tt, zero, f->precip);
    r->sp1 = s->snowpack + r->snowfall;
    const realv cfmax = q->cfmax * dt;
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
    // Soil: recharge by wetness, excess above FC, ET limited by the soil store.
    r->wratio = s->soil / q->fc;
    r->wpow = known_powers ? wpow_known : pow(r->wratio, q->beta);
    r->wet = clamp(r->wpow, zero, one);
    r->recharge = (r->rain + r->tosoil) * r->wet;
    r->sm1 = ((s->soil + r->rain) + r->tosoil) - r->recharge;
    r->epot = r->sm1 - q->fc;
    r->excess = fmax(r->epot, zero);
    r->sm2 = r->sm1 - r->excess;
    r->eratio = r->sm2 / (q->lp * q->fc);
    r->epow = known_powers ? epow_known : (et_exponent ? pow(r->eratio, q->betaet) : r->eratio);
    r->ef = clamp(r->epow, zero, one);
    r->etpot = f->pet * r->ef;
    r->et = fmin(r->sm2, r->etpot);
    r->sm3pre = r->sm2 - r->et;
    r->sm3 = fmax(r->sm3pre, (realv)(near_zero));
    // Capillary rise from the lower zone (δHBV 1.1p; C = 0 is δHBV 1.0).
    r->cratio = r->sm3 / q->fc;
    r->cmin = fmin(r->cratio, one);
    r->cpot = ((q->c * dt) * s->lower) * (one - r->cmin);
    r->cap = fmin(s->lower, r->cpot);
    r->sm4 = r->sm3 + r->cap;
    r->slz1 = s->lower - r->cap;
    // Upper zone: percolation, quick flow above UZL, interflow; lower zone: baseflow.
    r->suz1 = (s->upper + r->recharge) + r->excess;
    r->perc = fmin(r->suz1, q->perc * dt);
    r->suz2 = r->suz1 - r->perc;
    r->qpot = r->suz2 - q->uzl;
    r->qpos = fmax(r->qpot, zero);
    r->q0 = (q->k0 * dt) * r->qpos;
    r->suz3 = r->suz2 - r->q0;
    r->q1 = (q->k1 * dt) * r->suz3;
    r->suz4 = r->suz3 - r->q1;
    r->slz2 = r->slz1 + r->perc;
    r->q2 = (q->k2 * dt) * r->slz2;
    r->slz3 = r->slz2 - r->q2;
    r->runoff = (r->q0 + r->q1) + r->q2;
}

// The storages at the end of a traced step.
inline hbv_states hbv_end_states(const hbv_trace *r) {
    hbv_states e;
    e.snowpack = r->sp3;
    e.meltwater = r->mw3;
    e.soil = r->sm4;
    e.upper = r->suz4;
    e.lower = r->slz3;
    return e;
}

// Reverse of one step from storages `s` and the step's stored power laws (see hbv_step_trace).
// On entry `a` holds dL/d(end storages); on exit dL/d(start storages). `a_runoff` is
// dL/d(runoff of this step); parameter gradients are added to `g`.
inline void hbv_step_adjoint(const hbv_states *s, realv wpow, realv epow, const hbv_params *q,
                             const hbv_forcing *f, real dt, real near_zero, int et_exponent,
                             realv a_runoff, hbv_states *a, hbv_params *g) {
    hbv_trace r;
    hbv_step_trace(s, q, f, dt, near_zero, et_exponent, 1, wpow, epow, &r);
    const realv zero = (realv)(0), one = (realv)(1);
    const realv dtv = (realv)(dt);

    realv a_q0 = a_runoff, a_q1 = a_runoff, a_q2 = a_runoff;
    // slz3 = slz2 - q2;  q2 = (K2 dt) slz2;  slz2 = slz1 + perc
    realv a_slz2 = a->lower;
    a_q2 -= a->lower;
    a_slz2 += (q->k2 * dt) * a_q2;
    g->k2 += dtv * r.slz2 * a_q2;
    realv a_slz1 = a_slz2;
    realv a_perc = a_slz2;
    // suz4 = suz3 - q1;  q1 = (K1 dt) suz3
    realv a_suz3 = a->upper;
    a_q1 -= a->upper;
    a_suz3 += (q->k1 * dt) * a_q1;
    g->k1 += dtv * r.suz3 * a_q1;
    // suz3 = suz2 - q0;  q0 = (K0 dt) qpos;  qpos = max(suz2 - UZL, 0)
    realv a_suz2 = a_suz3;
    a_q0 -= a_suz3;
    g->k0 += dtv * r.qpos * a_q0;
    const realv a_qpot = IF(r.qpot > zero, (q->k0 * dt) * a_q0, zero);
    a_suz2 += a_qpot;
    g->uzl -= a_qpot;
    // suz2 = suz1 - perc;  perc = min(suz1, PERC dt)
    realv a_suz1 = a_suz2;
    a_perc -= a_suz2;
    const realv w_perc = min_weight(r.suz1, q->perc * dt);
    a_suz1 += w_perc * a_perc;
    g->perc += dtv * (one - w_perc) * a_perc;
    // suz1 = (SUZ + recharge) + excess
    realv a_suz = a_suz1;
    realv a_recharge = a_suz1;
    realv a_excess = a_suz1;
    // slz1 = SLZ - cap;  sm4 = sm3 + cap;  cap = min(SLZ, cpot)
    realv a_slz = a_slz1;
    realv a_cap = a->soil - a_slz1;
    realv a_sm3 = a->soil;
    const realv w_cap = min_weight(s->lower, r.cpot);
    a_slz += w_cap * a_cap;
    const realv a_cpot = (one - w_cap) * a_cap;
    // cpot = ((C dt) SLZ) (1 - cmin);  cmin = min(sm3 / FC, 1)
    g->c += dtv * s->lower * (one - r.cmin) * a_cpot;
    a_slz += (q->c * dt) * (one - r.cmin) * a_cpot;
    const realv a_cmin = -((q->c * dt) * s->lower) * a_cpot;
    const realv a_cratio = IF(r.cratio < one, a_cmin, zero);
    a_sm3 += a_cratio / q->fc;
    g->fc -= a_cratio * r.cratio / q->fc;
    // sm3 = max(sm3pre, near_zero);  sm3pre = sm2 - et;  et = min(sm2, PET ef)
    const realv a_sm3pre = IF(r.sm3pre > (realv)(near_zero), a_sm3, zero);
    realv a_sm2 = a_sm3pre;
    const realv a_et = -a_sm3pre;
    const realv w_et = min_weight(r.sm2, r.etpot);
    a_sm2 += w_et * a_et;
    const realv a_ef = f->pet * ((one - w_et) * a_et);
    // ef = clamp(epow, 0, 1);  epow = eratio^BETAET (or eratio);  eratio = sm2 / (LP FC)
    const realv a_epow = IF(r.epow > zero && r.epow < one, a_ef, zero);
    realv a_eratio = a_epow;
    if (et_exponent) {
        // d x^b/dx = b x^b / x and d x^b/db = x^b ln x, both taken only inside the clamp (x > 0).
        a_eratio = IF(r.epow > zero && r.epow < one, a_epow * q->betaet * r.epow / r.eratio, zero);
        g->betaet += IF(r.epow > zero && r.epow < one, a_epow * r.epow * log(r.eratio), zero);
    }
    const realv lpfc = q->lp * q->fc;
    a_sm2 += a_eratio / lpfc;
    const realv a_lpfc = -a_eratio * r.eratio / lpfc;
    g->lp += a_lpfc * q->fc;
    g->fc += a_lpfc * q->lp;
    // sm2 = sm1 - excess;  excess = max(sm1 - FC, 0)
    realv a_sm1 = a_sm2;
    a_excess -= a_sm2;
    const realv a_epot = IF(r.epot > zero, a_excess, zero);
    a_sm1 += a_epot;
    g->fc -= a_epot;
    // sm1 = ((SM + rain) + tosoil) - recharge;  recharge = (rain + tosoil) wet
    realv a_sm = a_sm1;
    realv a_tosoil = a_sm1;
    a_recharge -= a_sm1;
    a_tosoil += r.wet * a_recharge;
    const realv a_wet = (r.rain + r.tosoil) * a_recharge;
    // wet = clamp(wpow, 0, 1);  wpow = wratio^BETA;  wratio = SM / FC
    const realv a_wratio = IF(r.wpow > zero && r.wpow < one, a_wet * q->beta * r.wpow / r.wratio, zero);
    g->beta += IF(r.wpow > zero && r.wpow < one, a_wet * r.wpow * log(r.wratio), zero);
    a_sm += a_wratio / q->fc;
    g->fc -= a_wratio * r.wratio / q->fc;
    // mw3 = mw2 - tosoil;  tosoil = max(mw2 - CWH sp3, 0)
    realv a_mw2 = a->meltwater;
    a_tosoil -= a->meltwater;
    const realv a_tpot = IF(r.tpot > zero, a_tosoil, zero);
    a_mw2 += a_tpot;
    realv a_sp3 = a->snowpack - q->cwh * a_tpot;
    g->cwh -= r.sp3 * a_tpot;
    // mw2 = mw1 - refr;  sp3 = sp2 + refr;  refr = min(max(rpot, 0), mw1)
    realv a_mw1 = a_mw2;
    realv a_refr = a_sp3 - a_mw2;
    realv a_sp2 = a_sp3;
    const realv w_refr = min_weight(r.rpos, r.mw1);
    a_mw1 += (one - w_refr) * a_refr;
    const realv a_rpot = IF(r.rpot > zero, w_refr * a_refr, zero);
    // rpot = (CFR (CFMAX dt)) (TT - T)
    g->cfr += (q->cfmax * dt) * (q->tt - f->temp) * a_rpot;
    g->cfmax += q->cfr * dtv * (q->tt - f->temp) * a_rpot;
    g->tt += (q->cfr * (q->cfmax * dt)) * a_rpot;
    // sp2 = sp1 - melt;  mw1 = MW + melt;  melt = min(max(mpot, 0), sp1)
    realv a_sp1 = a_sp2;
    const realv a_melt = a_mw1 - a_sp2;
    const realv a_mw = a_mw1;
    const realv w_melt = min_weight(r.mpos, r.sp1);
    a_sp1 += (one - w_melt) * a_melt;
    const realv a_mpot = IF(r.mpot > zero, w_melt * a_melt, zero);
    // mpot = (CFMAX dt) (T - TT)
    g->cfmax += dtv * (f->temp - q->tt) * a_mpot;
    g->tt -= (q->cfmax * dt) * a_mpot;
    // sp1 = SP + snowfall (the split itself has zero gradient)
    a->snowpack = a_sp1;
    a->meltwater = a_mw;
    a->soil = a_sm;
    a->upper = a_suz;
    a->lower = a_slz;
}
