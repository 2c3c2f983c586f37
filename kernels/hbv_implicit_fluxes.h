// The implicit HBV fluxes, their partial derivatives, the 5x5 solve and one Newton step
// (docs/IMPLICIT-SOLVER.md). The same code as Sources/ReferenceBackend/ImplicitHBVFluxes.swift
// and ImplicitHBVNewton.swift, statement for statement: change both.
//
// Everything is per step: the parameter rates (K0 K1 K2 PERC CFMAX C) arrive multiplied by the
// step length h, forcing is mm per step, and the fixed drainage rate kappa is multiplied by h.
#include "common.h"
#include "hbv_model.h"

// Side of the state Jacobian: one row and column per storage.
#define IHBV_N HBV_STORAGE_COUNT

#pragma OPENCL FP_CONTRACT OFF

#define IHBV_RAMP_WIDTH ((real)0.1)
#define IHBV_LIMITER_WIDTH ((real)0.1)
#define IHBV_DRAINAGE_RATE ((real)4)
#define IHBV_LINE_SEARCH_HALVINGS 10


// ramp(x) = max(x, 0) rounded over [0, w]; *slope = ramp'.
inline real ihbv_ramp(real x, real w, real *slope) {
    if (x <= 0) { *slope = 0; return 0; }
    if (x < w) { *slope = x / w; return x * x / (2 * w); }
    *slope = 1;
    return x - w / 2;
}

// lim(s) = min(s / w, 1) rounded over [0, w], linear below 0 (Newton iterates only).
inline real ihbv_limiter(real s, real w, real *slope) {
    if (s < 0) { *slope = 2 / w; return 2 * s / w; }
    if (s < w) {
        const real r = s / w;
        *slope = 2 * (1 - r) / w;
        return r * (2 - r);
    }
    *slope = 0;
    return 1;
}

typedef struct {
    real rain, snow, pet, beta_et, kappa;
    int uses_et_exponent;
    real sp, mw, sm, suz, slz;
    real melt, refr, tosoil, recharge, excess, et, cap, perc, q0, q1, q2;
    real pos_melt, pos_cold, lim_sp, lim_mw, lim_sm, lim_suz;
    real dmelt_dsp, drefr_dmw, water_slope, dtosoil_dmw, dtosoil_dsp;
    real s, wet, dwet_dsm, inflow;
    int soil_inside, et_inside;
    real excess_slope, dexcess_dsm;
    real x, ef, det_dsm, dcap_dsm, dcap_dslz, dperc_dsuz;
    real q0_ramp, q0_slope, dq0_dsuz;
} ihbv_fluxes;

// Every flux at storages S (mm) with per-step parameters p[14], forcing P, PET (mm per step), T.
inline void ihbv_evaluate(const real *S, const real *p, real precipitation, real T, real pet_step,
                          real h, int uses_et_exponent, ihbv_fluxes *o) {
    const real kappa = IHBV_DRAINAGE_RATE * h;
    const real wr = IHBV_RAMP_WIDTH, wl = IHBV_LIMITER_WIDTH;
    real slope;
    o->kappa = kappa;
    o->uses_et_exponent = uses_et_exponent;
    o->beta_et = uses_et_exponent ? p[HBV_PARAM_BETAET] : (real)1;
    o->sp = S[0]; o->mw = S[1]; o->sm = S[2]; o->suz = S[3]; o->slz = S[4];
    o->rain = T >= p[HBV_PARAM_TT] ? precipitation : (real)0;
    o->snow = precipitation - o->rain;
    o->pet = pet_step;

    // Snow: melt limited by the pack, refreeze by the liquid water, release above CWH*SP.
    o->pos_melt = fmax(T - p[HBV_PARAM_TT], (real)0);
    o->pos_cold = fmax(p[HBV_PARAM_TT] - T, (real)0);
    real lsp_slope, lmw_slope;
    o->lim_sp = ihbv_limiter(o->sp, wl, &lsp_slope);
    o->lim_mw = ihbv_limiter(o->mw, wl, &lmw_slope);
    o->melt = p[HBV_PARAM_CFMAX] * o->pos_melt * o->lim_sp;
    o->dmelt_dsp = p[HBV_PARAM_CFMAX] * o->pos_melt * lsp_slope;
    o->refr = p[HBV_PARAM_CFR] * p[HBV_PARAM_CFMAX] * o->pos_cold * o->lim_mw;
    o->drefr_dmw = p[HBV_PARAM_CFR] * p[HBV_PARAM_CFMAX] * o->pos_cold * lmw_slope;
    const real water = ihbv_ramp(o->mw - p[HBV_PARAM_CWH] * o->sp, wr, &o->water_slope);
    o->tosoil = kappa * water;
    o->dtosoil_dmw = kappa * o->water_slope;
    o->dtosoil_dsp = -kappa * o->water_slope * p[HBV_PARAM_CWH];

    // Soil: recharge fraction sat(SM/FC)^BETA, excess above FC.
    const real fc = p[HBV_PARAM_FC];
    o->soil_inside = o->sm > 0 && o->sm < fc;
    o->s = o->sm <= 0 ? (real)0 : (o->sm >= fc ? (real)1 : o->sm / fc);
    if (o->s <= 0) {
        o->wet = 0;
        o->dwet_dsm = 0;
    } else if (o->soil_inside) {
        o->wet = pow(o->s, p[HBV_PARAM_BETA]);
        o->dwet_dsm = p[HBV_PARAM_BETA] * o->wet / o->sm;
    } else {
        o->wet = 1;
        o->dwet_dsm = 0;
    }
    o->inflow = o->rain + o->tosoil;
    o->recharge = o->inflow * o->wet;
    const real ex = ihbv_ramp(o->sm - fc, wr, &o->excess_slope);
    o->excess = kappa * ex;
    o->dexcess_dsm = kappa * o->excess_slope;

    // ET: PET * sat(SM/(LP FC))^BETAET * lim(SM).
    real lsm_slope;
    o->lim_sm = ihbv_limiter(o->sm, wl, &lsm_slope);
    const real lpfc = p[HBV_PARAM_LP] * fc;
    o->et_inside = o->sm > 0 && o->sm < lpfc;
    o->x = o->sm <= 0 ? (real)0 : (o->sm >= lpfc ? (real)1 : o->sm / lpfc);
    if (o->x <= 0) {
        o->ef = 0;
        o->et = 0;
        o->det_dsm = 0;
    } else if (o->et_inside) {
        o->ef = pow(o->x, o->beta_et);
        o->et = o->pet * o->ef * o->lim_sm;
        o->det_dsm = o->pet * (o->lim_sm * o->beta_et * o->ef / o->sm + o->ef * lsm_slope);
    } else {
        o->ef = 1;
        o->et = o->pet * o->lim_sm;
        o->det_dsm = o->pet * lsm_slope;
    }

    // Capillary rise from SLZ into the soil.
    o->cap = p[HBV_PARAM_C] * o->slz * (1 - o->s);
    o->dcap_dsm = o->soil_inside ? -p[HBV_PARAM_C] * o->slz / fc : (real)0;
    o->dcap_dslz = p[HBV_PARAM_C] * (1 - o->s);

    // Upper and lower zones.
    real lsuz_slope;
    o->lim_suz = ihbv_limiter(o->suz, wl, &lsuz_slope);
    o->perc = p[HBV_PARAM_PERC] * o->lim_suz;
    o->dperc_dsuz = p[HBV_PARAM_PERC] * lsuz_slope;
    o->q0_ramp = ihbv_ramp(o->suz - p[HBV_PARAM_UZL], wr, &o->q0_slope);
    o->q0 = p[HBV_PARAM_K0] * o->q0_ramp;
    o->dq0_dsuz = p[HBV_PARAM_K0] * o->q0_slope;
    o->q1 = p[HBV_PARAM_K1] * o->suz;
    o->q2 = p[HBV_PARAM_K2] * o->slz;
}

inline real ihbv_runoff(const ihbv_fluxes *o) { return o->q0 + o->q1 + o->q2; }

// h * dS/dt (mm per step).
inline void ihbv_rates(const ihbv_fluxes *o, real *f) {
    f[0] = o->snow + o->refr - o->melt;
    f[1] = o->melt - o->refr - o->tosoil;
    f[2] = o->rain + o->tosoil - o->recharge - o->excess - o->et + o->cap;
    f[3] = o->recharge + o->excess - o->perc - o->q0 - o->q1;
    f[4] = o->perc - o->cap - o->q2;
}

// d(h f)/dS, row-major: m[i*5 + j] = d f_i / d S_j.
inline void ihbv_state_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    const real drech_dsp = o->dtosoil_dsp * o->wet, drech_dmw = o->dtosoil_dmw * o->wet;
    const real drech_dsm = o->inflow * o->dwet_dsm;
    m[0] = -o->dmelt_dsp; m[1] = o->drefr_dmw; m[2] = 0; m[3] = 0; m[4] = 0;
    m[5] = o->dmelt_dsp - o->dtosoil_dsp; m[6] = -o->drefr_dmw - o->dtosoil_dmw; m[7] = 0; m[8] = 0; m[9] = 0;
    m[10] = o->dtosoil_dsp - drech_dsp; m[11] = o->dtosoil_dmw - drech_dmw;
    m[12] = -drech_dsm - o->dexcess_dsm - o->det_dsm + o->dcap_dsm; m[13] = 0; m[14] = o->dcap_dslz;
    m[15] = drech_dsp; m[16] = drech_dmw; m[17] = drech_dsm + o->dexcess_dsm;
    m[18] = -o->dperc_dsuz - o->dq0_dsuz - p[HBV_PARAM_K1]; m[19] = 0;
    m[20] = 0; m[21] = 0; m[22] = -o->dcap_dsm; m[23] = o->dperc_dsuz; m[24] = -o->dcap_dslz - p[HBV_PARAM_K2];
}

// a += rbar * d(Q0 + Q1 + Q2)/dS.
inline void ihbv_runoff_state_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {
    a[3] += rbar * (o->dq0_dsuz + p[HBV_PARAM_K1]);
    a[4] += rbar * p[HBV_PARAM_K2];
}

// g += mu^T d(h f)/dtheta + rbar d(Q0+Q1+Q2)/dtheta (derivatives w.r.t. the per-step values).
inline void ihbv_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar, real *g) {
    const real kappa = o->kappa;
    const real g_melt = mu[1] - mu[0];
    const real g_refr = -g_melt;
    const real g_rech = mu[3] - mu[2];
    const real g_tos = mu[2] - mu[1] + g_rech * o->wet;
    const real g_ex = g_rech;
    const real g_et = -mu[2];
    const real g_cap = mu[2] - mu[4];
    const real g_perc = mu[4] - mu[3];
    const real g_q0 = rbar - mu[3];
    const real g_q2 = rbar - mu[4];
    real d_fc = 0, d_beta = 0, d_lp = 0, d_betaet = 0;

    g[HBV_PARAM_CFMAX] += g_melt * o->pos_melt * o->lim_sp + g_refr * p[HBV_PARAM_CFR] * o->pos_cold * o->lim_mw;
    g[HBV_PARAM_CFR] += g_refr * p[HBV_PARAM_CFMAX] * o->pos_cold * o->lim_mw;
    real d_tt = 0;
    if (o->pos_melt > 0) d_tt -= g_melt * p[HBV_PARAM_CFMAX] * o->lim_sp;
    if (o->pos_cold > 0) d_tt += g_refr * p[HBV_PARAM_CFR] * p[HBV_PARAM_CFMAX] * o->lim_mw;
    g[HBV_PARAM_TT] += d_tt;
    g[HBV_PARAM_CWH] += g_tos * (-kappa * o->water_slope * o->sp);

    if (o->soil_inside) {
        d_beta += g_rech * o->inflow * o->wet * log(o->s);
        d_fc -= g_rech * o->inflow * o->dwet_dsm * o->s;
        d_fc += g_cap * p[HBV_PARAM_C] * o->slz * o->s / p[HBV_PARAM_FC];
    }
    d_fc -= g_ex * kappa * o->excess_slope;
    if (o->et_inside) {
        const real common = g_et * o->pet * o->lim_sm * o->beta_et * o->ef;
        d_lp -= common / p[HBV_PARAM_LP];
        d_fc -= common / p[HBV_PARAM_FC];
        if (o->uses_et_exponent) d_betaet += g_et * o->pet * o->lim_sm * o->ef * log(o->x);
    }
    g[HBV_PARAM_FC] += d_fc;
    g[HBV_PARAM_BETA] += d_beta;
    g[HBV_PARAM_LP] += d_lp;
    g[HBV_PARAM_BETAET] += d_betaet;
    g[HBV_PARAM_C] += g_cap * o->slz * (1 - o->s);
    g[HBV_PARAM_PERC] += g_perc * o->lim_suz;
    g[HBV_PARAM_K0] += g_q0 * o->q0_ramp;
    g[HBV_PARAM_UZL] -= g_q0 * p[HBV_PARAM_K0] * o->q0_slope;
    g[HBV_PARAM_K1] += g_q0 * o->suz;
    g[HBV_PARAM_K2] += g_q2 * o->slz;
}

// Solves m x = b (one row and column per storage, row-major) by Gaussian elimination with partial pivoting; b becomes x.
// Returns 0 when a pivot is zero or not finite.
inline int ihbv_solve(real *m, real *b) {
    for (int k = 0; k < IHBV_N; ++k) {
        int pivot = k;
        real largest = fabs(m[k * IHBV_N + k]);
        for (int i = k + 1; i < IHBV_N; ++i) {
            if (fabs(m[i * IHBV_N + k]) > largest) { largest = fabs(m[i * IHBV_N + k]); pivot = i; }
        }
        if (!(largest > 0) || isinf(largest)) return 0;
        if (pivot != k) {
            for (int j = 0; j < IHBV_N; ++j) { const real t = m[k * IHBV_N + j]; m[k * IHBV_N + j] = m[pivot * IHBV_N + j]; m[pivot * IHBV_N + j] = t; }
            const real t = b[k]; b[k] = b[pivot]; b[pivot] = t;
        }
        const real inverse = 1 / m[k * IHBV_N + k];
        for (int i = k + 1; i < IHBV_N; ++i) {
            const real factor = m[i * IHBV_N + k] * inverse;
            if (factor == 0) continue;
            for (int j = k + 1; j < IHBV_N; ++j) m[i * IHBV_N + j] -= factor * m[k * IHBV_N + j];
            b[i] -= factor * b[k];
        }
    }
    for (int k = 4; k >= 0; --k) {
        real sum = b[k];
        for (int j = k + 1; j < IHBV_N; ++j) sum -= m[k * IHBV_N + j] * b[j];
        b[k] = sum / m[k * IHBV_N + k];
    }
    for (int k = 0; k < IHBV_N; ++k) if (!isfinite(b[k])) return 0;
    return 1;
}

// F(S) = (S - S_prev) - h f(S) into F; returns |F|_inf (infinite when NaN) and fills *o.
inline real ihbv_residual(const real *prev, const real *S, real *F, const real *p, real P, real T, real E,
                          real h, int uses_et_exponent, ihbv_fluxes *o) {
    ihbv_evaluate(S, p, P, T, E, h, uses_et_exponent, o);
    ihbv_rates(o, F);
    real norm = 0;
    for (int i = 0; i < IHBV_N; ++i) {
        F[i] = (S[i] - prev[i]) - F[i];
        norm = isnan(F[i]) ? INFINITY : fmax(norm, fabs(F[i]));
    }
    return norm;
}

// One backward-Euler step: S gets S_t from prev = S_{t-1}; *o the fluxes at S_t.
// Returns 1 when |F|_inf <= tolerance within max_iterations Newton steps. After convergence up
// to polishing_steps further full Newton steps are taken, each only if it does not raise |F|.
inline int ihbv_solve_step(const real *prev, real *S, const real *p, real P, real T, real E,
                           real h, int uses_et_exponent, real tolerance, uint max_iterations,
                           uint polishing_steps, ihbv_fluxes *o) {
    real F[IHBV_N], J[IHBV_N * IHBV_N], dx[IHBV_N], trial_S[IHBV_N], trial_F[IHBV_N];
    ihbv_fluxes trial;
    for (int i = 0; i < IHBV_N; ++i) S[i] = prev[i];
    real norm = ihbv_residual(prev, S, F, p, P, T, E, h, uses_et_exponent, o);
    uint iteration = 0;
    uint polishing = polishing_steps;
    while (iteration < max_iterations) {
        if (norm <= tolerance) {
            // Converged; optionally refine (quadratic convergence makes one step nearly exact).
            if (polishing == 0 || norm == 0) break;
            --polishing;
        }
        const int polish = norm <= tolerance;
        ++iteration;
        // J = I - d(h f)/dS; Newton direction dx = -J^{-1} F.
        ihbv_state_jacobian(o, p, J);
        for (int k = 0; k < IHBV_N * IHBV_N; ++k) J[k] = -J[k];
        for (int i = 0; i < IHBV_N; ++i) { J[i * IHBV_N + i] += 1; dx[i] = -F[i]; }
        if (!ihbv_solve(J, dx)) {
            for (int i = 0; i < IHBV_N; ++i) dx[i] = -F[i];   // singular: fixed-point direction
        }
        real lambda = 1;
        int accepted = 0;
        for (int halving = 0; halving <= IHBV_LINE_SEARCH_HALVINGS; ++halving) {
            for (int i = 0; i < IHBV_N; ++i) trial_S[i] = S[i] + lambda * dx[i];
            const real trial_norm = ihbv_residual(prev, trial_S, trial_F, p, P, T, E, h, uses_et_exponent, &trial);
            const int reduces = polish ? trial_norm <= norm : trial_norm <= (1 - (real)1e-4 * lambda) * norm;
            if (reduces || (halving == IHBV_LINE_SEARCH_HALVINGS && !polish)) {
                // Accepted, or the damped fallback: the smallest step is taken anyway.
                for (int i = 0; i < IHBV_N; ++i) { S[i] = trial_S[i]; F[i] = trial_F[i]; }
                norm = trial_norm;
                *o = trial;
                accepted = 1;
                break;
            }
            if (polish) break;   // a polishing step that does not help is not taken
            lambda /= 2;
        }
        if (polish && !accepted) break;
    }
    return norm <= tolerance;
}

// Reverse of one step. mu holds mu_{t+1} on entry and mu_t = dL/dS_{t-1} on exit; S is the
// converged S_t; rbar = dL/d(unit runoff of step t). Adds this step's gradients to g[14].
inline void ihbv_adjoint_step(const real *S, const real *p, real P, real T, real E, real h,
                              int uses_et_exponent, real rbar, real *mu, real *g) {
    ihbv_fluxes o;
    real J[IHBV_N * IHBV_N], JT[IHBV_N * IHBV_N];
    ihbv_evaluate(S, p, P, T, E, h, uses_et_exponent, &o);
    ihbv_runoff_state_gradient(&o, p, rbar, mu);
    ihbv_state_jacobian(&o, p, J);
    for (int i = 0; i < IHBV_N; ++i)
        for (int j = 0; j < IHBV_N; ++j) JT[j * IHBV_N + i] = (i == j ? (real)1 : (real)0) - J[i * IHBV_N + j];
    if (!ihbv_solve(JT, mu)) {
        for (int i = 0; i < IHBV_N; ++i) mu[i] = NAN;
    }
    ihbv_parameter_gradient(&o, p, mu, rbar, g);
}
