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

// Recharge, implicit solver: the inflow (rain and the snow's release) times sat(SM/FC)^BETA to
// the upper zone, soil water above FC draining there at kappa. The kernels' one writing of the
// implicit recharge power law; the same as the ImplicitProcess extension in
// RechargeProcess.swift: change both.
#include "hbv_implicit_types.h"

inline void ihbv_recharge_evaluate(const real *p, ihbv_fluxes *o) {
    const real sm = o->S[HBV_STORAGE_SM], fc = p[HBV_PARAM_FC];
    o->soil_inside = sm > 0 && sm < fc;
    o->s = sm <= 0 ? (real)0 : (sm >= fc ? (real)1 : sm / fc);
    if (o->s <= 0) {
        // Only Newton iterates reach SM <= 0; the clamp makes the slope 0 there.
        o->wet = 0;
        o->dwet_dsm = 0;
    } else if (o->soil_inside) {
        o->wet = pow(o->s, p[HBV_PARAM_BETA]);
        o->dwet_dsm = p[HBV_PARAM_BETA] * o->wet / sm;
    } else {
        o->wet = 1;
        o->dwet_dsm = 0;
    }
    o->inflow = o->rain + o->tosoil;
    o->recharge = o->inflow * o->wet;
    const real ex = ihbv_ramp(sm - fc, IHBV_RAMP_WIDTH, &o->excess_slope);
    o->excess = o->kappa * ex;
    o->dexcess_dsm = o->kappa * o->excess_slope;
}

inline void ihbv_recharge_rates(const ihbv_fluxes *o, real *f) {
    f[HBV_STORAGE_SM] = f[HBV_STORAGE_SM] - o->recharge - o->excess;
    f[HBV_STORAGE_SUZ] = f[HBV_STORAGE_SUZ] + o->recharge + o->excess;
}

inline void ihbv_recharge_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    // The inflow's slopes come from the snow (its release to the soil).
    const real drech_dsp = o->dtosoil_dsp * o->wet, drech_dmw = o->dtosoil_dmw * o->wet;
    const real drech_dsm = o->inflow * o->dwet_dsm;
    const int sm = IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_SM);
    m[IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_SNOWPACK)] -= drech_dsp;
    m[IHBV_AT(HBV_STORAGE_SM, HBV_STORAGE_MELTWATER)] -= drech_dmw;
    m[sm] = m[sm] - drech_dsm - o->dexcess_dsm;
    m[IHBV_AT(HBV_STORAGE_SUZ, HBV_STORAGE_SNOWPACK)] += drech_dsp;
    m[IHBV_AT(HBV_STORAGE_SUZ, HBV_STORAGE_MELTWATER)] += drech_dmw;
    m[IHBV_AT(HBV_STORAGE_SUZ, HBV_STORAGE_SM)] += drech_dsm + o->dexcess_dsm;
}

inline void ihbv_recharge_runoff_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {}

inline void ihbv_recharge_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar,
                                             ihbv_flux_adjoint *gf, real *g) {
    const real g_rech = mu[HBV_STORAGE_SUZ] - mu[HBV_STORAGE_SM];   // recharge and excess: soil -> upper zone
    if (o->soil_inside) {
        g[HBV_PARAM_BETA] += g_rech * o->inflow * o->wet * log(o->s);
        g[HBV_PARAM_FC] -= g_rech * o->inflow * o->dwet_dsm * o->s;
    }
    g[HBV_PARAM_FC] -= g_rech * o->kappa * o->excess_slope;
    gf->tosoil += g_rech * o->wet;   // the share of the inflow that recharges
}
