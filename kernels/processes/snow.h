// Snow, sequential solver: the step and its exact reverse (MODEL.md 3.1). The same equations as
// Sources/HydroModel/Processes/SnowProcess.swift: change both. Rain or snow by temperature; melt
// CFMAX (T - TT) limited by the pack, refreezing CFR CFMAX (TT - T) by the meltwater;
// liquid water above CWH times the pack leaves to the soil. The split has zero gradient. The
// split corrects the precipitation (HBV-light): rain RFCF P, snowfall SFCF P.
#include "hbv_sequential_types.h"

inline void hbv_snow_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0);
    const hbv_forcing *f = &x->f;
    r->rain = IF(f->temp >= q->tt, f->precip * q->rfcf, zero);
    r->snowfall = IF(f->temp >= q->tt, zero, f->precip * q->sfcf);
    r->sp1 = s->snowpack + r->snowfall;
    const realv cfmax = q->cfmax;
    r->degree_day = cfmax;   // handed on: the glacier's ice melts at CFICE times it
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
    // rpot = (CFR CFMAX) (TT - T)
    g->cfr += q->cfmax * (q->tt - f->temp) * a_rpot;
    g->cfmax += q->cfr * (q->tt - f->temp) * a_rpot;
    g->tt += (q->cfr * q->cfmax) * a_rpot;
    // sp2 = sp1 - melt;  mw1 = MW + melt;  melt = min(max(mpot, 0), sp1)
    realv a_sp1 = a_sp2;
    const realv a_melt = a_mw1 - a_sp2;
    const realv a_mw = a_mw1;
    const realv w_melt = min_weight(r->mpos, r->sp1);
    a_sp1 += (one - w_melt) * a_melt;
    const realv a_mpot = IF(r->mpot > zero, w_melt * a_melt, zero);
    // mpot = CFMAX (T - TT)
    g->cfmax += (f->temp - q->tt) * a_mpot;
    g->cfmax += af->degree_day;   // the glacier's use of the degree-day factor
    g->tt -= q->cfmax * a_mpot;
    // sp1 = SP + snowfall (the split itself has zero gradient); snowfall = SFCF P, rain = RFCF P,
    // and rain joins the soil beside the release, so the recharge gave it the release's adjoint.
    g->rfcf += IF(f->temp >= q->tt, af->tosoil * f->precip, zero);
    g->sfcf += IF(f->temp >= q->tt, zero, a_sp1 * f->precip);
    a->snowpack = a_sp1;
    a->meltwater = a_mw;
}

// No snow (the process is off: the case has no snow parameters): the null operator. All
// precipitation is rain, and whatever the snow storages hold (their initial values) drains to
// the soil at once, so no water stays frozen. tosoil = MW + SP is, bit for bit, what the snow
// operator gives at a temperature far above TT (all the pack melts, nothing refreezes, CWH
// holds nothing of an empty pack). SnowProcess.absentForward in Swift: change both.
inline void hbv_snow_absent_forward(hbv_states *s, const hbv_params *q, const hbv_step_inputs *x, hbv_trace *r) {
    const realv zero = (realv)(0);
    r->rain = x->f.precip;
    r->snowfall = zero;
    r->tosoil = s->meltwater + s->snowpack;
    s->snowpack = zero;
    s->meltwater = zero;
}

// Reverse of the null operator: the storages after it are constants (0); each storage before
// it reaches the soil whole through tosoil.
inline void hbv_snow_absent_reverse(const hbv_trace *r, const hbv_params *q, const hbv_step_inputs *x,
                                    hbv_states *a, hbv_flux_adjoint *af, hbv_params *g) {
    a->snowpack = af->tosoil;
    a->meltwater = af->tosoil;
}

// Snow, implicit solver: the split at TT, melt CFMAX (T - TT)+ lim(SP), refreeze
// CFR CFMAX (TT - T)+ lim(MW), the liquid water above CWH SP draining to the soil at kappa.
// The same as the ImplicitProcess extension in SnowProcess.swift: change both.
#include "hbv_implicit_types.h"

inline void ihbv_snow_evaluate(const real *p, ihbv_fluxes *o) {
    const real T = o->temperature, kappa = o->kappa;
    const real sp = o->S[HBV_STORAGE_SNOWPACK], mw = o->S[HBV_STORAGE_MELTWATER];
    o->rain = T >= p[HBV_PARAM_TT] ? o->precipitation * p[HBV_PARAM_RFCF] : (real)0;
    o->snow = T >= p[HBV_PARAM_TT] ? (real)0 : o->precipitation * p[HBV_PARAM_SFCF];
    o->pos_melt = fmax(T - p[HBV_PARAM_TT], (real)0);
    o->pos_cold = fmax(p[HBV_PARAM_TT] - T, (real)0);
    real lsp_slope, lmw_slope;
    o->lim_sp = ihbv_limiter(sp, IHBV_LIMITER_WIDTH, &lsp_slope);
    o->lim_mw = ihbv_limiter(mw, IHBV_LIMITER_WIDTH, &lmw_slope);
    o->degree_day = p[HBV_PARAM_CFMAX];   // handed on: the glacier's ice melts at CFICE times it
    o->melt = p[HBV_PARAM_CFMAX] * o->pos_melt * o->lim_sp;
    o->dmelt_dsp = p[HBV_PARAM_CFMAX] * o->pos_melt * lsp_slope;
    o->refr = p[HBV_PARAM_CFR] * p[HBV_PARAM_CFMAX] * o->pos_cold * o->lim_mw;
    o->drefr_dmw = p[HBV_PARAM_CFR] * p[HBV_PARAM_CFMAX] * o->pos_cold * lmw_slope;
    const real water = ihbv_ramp(mw - p[HBV_PARAM_CWH] * sp, IHBV_RAMP_WIDTH, &o->water_slope);
    o->tosoil = kappa * water;
    o->dtosoil_dmw = kappa * o->water_slope;
    o->dtosoil_dsp = -kappa * o->water_slope * p[HBV_PARAM_CWH];
}

// No snow, implicit solver: all precipitation is rain and the snow storages (their initial
// values) drain through the meltwater to the soil at the drainage rate kappa: melt = kappa SP,
// tosoil = kappa MW, no parameter involved. SnowProcess.evaluateAbsent in Swift: change both.
inline void ihbv_snow_absent_evaluate(const real *p, ihbv_fluxes *o) {
    const real kappa = o->kappa;
    o->rain = o->precipitation;
    o->snow = 0;
    o->pos_melt = 0; o->pos_cold = 0; o->lim_sp = 0; o->lim_mw = 0; o->water_slope = 0;
    o->melt = kappa * o->S[HBV_STORAGE_SNOWPACK];
    o->dmelt_dsp = kappa;
    o->refr = 0;
    o->drefr_dmw = 0;
    o->tosoil = kappa * o->S[HBV_STORAGE_MELTWATER];
    o->dtosoil_dmw = kappa;
    o->dtosoil_dsp = 0;
}

inline void ihbv_snow_rates(const ihbv_fluxes *o, real *f) {
    f[HBV_STORAGE_SNOWPACK] += o->snow + o->refr - o->melt;
    f[HBV_STORAGE_MELTWATER] += o->melt - o->refr - o->tosoil;
    f[HBV_STORAGE_SM] += o->rain + o->tosoil;
}

inline void ihbv_snow_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    m[IHBV_AT(HBV_STORAGE_SNOWPACK, HBV_STORAGE_SNOWPACK)] -= o->dmelt_dsp;
    m[IHBV_AT(HBV_STORAGE_SNOWPACK, HBV_STORAGE_MELTWATER)] += o->drefr_dmw;
    m[IHBV_AT(HBV_STORAGE_MELTWATER, HBV_STORAGE_SNOWPACK)] += o->dmelt_dsp - o->dtosoil_dsp;
    m[IHBV_AT(HBV_STORAGE_MELTWATER, HBV_STORAGE_MELTWATER)] += -o->drefr_dmw - o->dtosoil_dmw;
    m[IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_SNOWPACK)] += o->dtosoil_dsp;
    m[IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_MELTWATER)] += o->dtosoil_dmw;
}

inline void ihbv_snow_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {}

inline void ihbv_snow_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                         ihbv_flux_adjoint *gf, real *g) {
    // Weight of each flux: mu[to] - mu[from]; the release also feeds recharge (gf).
    const real g_melt = mu[HBV_STORAGE_MELTWATER] - mu[HBV_STORAGE_SNOWPACK];
    const real g_refr = -g_melt;
    const real g_tos = mu[HBV_STORAGE_SM] - mu[HBV_STORAGE_MELTWATER] + gf->tosoil;
    g[HBV_PARAM_CFMAX] += g_melt * o->pos_melt * o->lim_sp + g_refr * p[HBV_PARAM_CFR] * o->pos_cold * o->lim_mw + gf->degree_day;
    g[HBV_PARAM_CFR] += g_refr * p[HBV_PARAM_CFMAX] * o->pos_cold * o->lim_mw;
    real d_tt = 0;
    if (o->pos_melt > 0) d_tt -= g_melt * p[HBV_PARAM_CFMAX] * o->lim_sp;
    if (o->pos_cold > 0) d_tt += g_refr * p[HBV_PARAM_CFR] * p[HBV_PARAM_CFMAX] * o->lim_mw;
    g[HBV_PARAM_TT] += d_tt;
    g[HBV_PARAM_CWH] += g_tos * (-o->kappa * o->water_slope * o->S[HBV_STORAGE_SNOWPACK]);
    // rain = RFCF P into the soil, shared by recharge as the release (gf); snowfall = SFCF P into the pack.
    if (o->temperature >= p[HBV_PARAM_TT]) g[HBV_PARAM_RFCF] += (mu[HBV_STORAGE_SM] + gf->tosoil) * o->precipitation;
    else g[HBV_PARAM_SFCF] += mu[HBV_STORAGE_SNOWPACK] * o->precipitation;
}
