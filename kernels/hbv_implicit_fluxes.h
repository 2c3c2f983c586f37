// The implicit HBV model's composition (docs/IMPLICIT-SOLVER.md): every process operator's
// smooth fluxes and partial derivatives (kernels/processes/<process>.h, the ihbv_<process>_*
// functions) summed in model/hbv.table's process order (HBV_PROCESSES), the storage-sized
// solve and one Newton step. The same as Sources/ReferenceBackend/ImplicitHBVFluxes.swift and
// ImplicitHBVNewton.swift, statement for statement: change both. No physics here.
#include "hbv_implicit_types.h"
// Generated from the table: #include "processes/<process>.h" for every process.
#include "hbv_process_operators.h"

// Side of the state Jacobian: one row and column per storage.
#define IHBV_N HBV_STORAGE_COUNT
// The storages Newton and the adjoint solve for: the state layout's (HBV_STATE_LAYOUT, a build
// define; StateLayout), a leading block of the storages (the implicit layout leaves out only the
// ice store, the table's last storage, when nothing moves it).
#if !HBV_LAYOUT_IS_LEADING_BLOCK
#error "the implicit solver's state layout must be a leading block of the storages"
#endif
#define IHBV_SOLVED HBV_LAYOUT_COUNT
#define IHBV_LINE_SEARCH_HALVINGS 10

// Every flux at storages S (mm) with per-step parameters p, forcing P, PET (mm per step), T.
// `options`: the kernels' options argument (bit 0 the ET exponent, HBV_ACTIVE_<process> bits).
inline void ihbv_evaluate(const real *S, const real *p, real precipitation, real T, real pet_step,
                          real h, int options, ihbv_fluxes *o) {
    // Every field starts at zero: an operator that is off (IHBV_EVALUATE_<process>) adds nothing.
    const ihbv_fluxes zero = { 0 };
    *o = zero;
    for (int i = 0; i < IHBV_N; ++i) o->S[i] = S[i];
    o->precipitation = precipitation;
    o->temperature = T;
    o->pet = pet_step;
    o->kappa = IHBV_DRAINAGE_RATE * h;
    o->uses_et_exponent = options & 1;
    o->options = options;
    o->beta_et = 1;
#define EVALUATE(name) IHBV_EVALUATE_##name(p, o)
    HBV_PROCESSES(EVALUATE)
#undef EVALUATE
}

// The step's output: the runoff the unit delivers (after the runoff exchange).
inline real ihbv_runoff(const ihbv_fluxes *o) { return o->delivered; }

// h * dS/dt (mm per step).
inline void ihbv_rates(const ihbv_fluxes *o, real *f) {
    for (int i = 0; i < IHBV_N; ++i) f[i] = 0;
#define RATES(name) ihbv_##name##_rates(o, f);
    HBV_PROCESSES(RATES)
#undef RATES
}

// d(h f)/dS, row-major: m[IHBV_AT(i, j)] = d f_i / d S_j.
inline void ihbv_state_jacobian(const ihbv_fluxes *o, const real *p, real *m) {
    for (int k = 0; k < IHBV_N * IHBV_N; ++k) m[k] = 0;
#define JACOBIAN(name) ihbv_##name##_jacobian(o, p, m);
    HBV_PROCESSES(JACOBIAN)
#undef JACOBIAN
}

// a += rbar * d(delivered)/dS: the runoff fluxes' weight is rbar d(delivered)/d(runoff).
inline void ihbv_runoff_state_gradient(const ihbv_fluxes *o, const real *p, real rbar, real *a) {
    const real runoff_weight = rbar * o->delivered_slope;
#define RUNOFF_GRADIENT(name) ihbv_##name##_runoff_gradient(o, p, runoff_weight, a);
    HBV_PROCESSES(RUNOFF_GRADIENT)
#undef RUNOFF_GRADIENT
}

// g += mu^T d(h f)/dtheta + rbar d(delivered)/dtheta (derivatives w.r.t. the per-step values),
// in the reverse process order: a flux's consumer adds its weight to gf before its producer
// reads it. The runoff exchange reads rbar (gf.delivered); the runoff fluxes rbar d(delivered)/d(runoff).
inline void ihbv_parameter_gradient(const ihbv_fluxes *o, const real *p, const real *mu, real rbar, real *g) {
    ihbv_flux_adjoint gf = { 0 };
    gf.delivered = rbar;
    const real runoff_weight = rbar * o->delivered_slope;
#define PARAMETER_GRADIENT(name) ihbv_##name##_parameter_gradient(o, p, mu, runoff_weight, &gf, g);
    HBV_PROCESSES_REVERSED(PARAMETER_GRADIENT)
#undef PARAMETER_GRADIENT
}

// Solves m x = b for the leading n x n block of m (one row and column per storage, row-major,
// stride IHBV_N; the trailing storages, those the state layout leaves out, are decoupled and
// constant in the step) by Gaussian elimination with partial pivoting; b[0..n) becomes x.
// Returns 0 when a pivot is zero or not finite.
inline int ihbv_solve(real *m, real *b, int n) {
    for (int k = 0; k < n; ++k) {
        int pivot = k;
        real largest = fabs(m[k * IHBV_N + k]);
        for (int i = k + 1; i < n; ++i) {
            if (fabs(m[i * IHBV_N + k]) > largest) { largest = fabs(m[i * IHBV_N + k]); pivot = i; }
        }
        if (!(largest > 0) || isinf(largest)) return 0;
        if (pivot != k) {
            for (int j = 0; j < n; ++j) { const real t = m[k * IHBV_N + j]; m[k * IHBV_N + j] = m[pivot * IHBV_N + j]; m[pivot * IHBV_N + j] = t; }
            const real t = b[k]; b[k] = b[pivot]; b[pivot] = t;
        }
        const real inverse = 1 / m[k * IHBV_N + k];
        for (int i = k + 1; i < n; ++i) {
            const real factor = m[i * IHBV_N + k] * inverse;
            if (factor == 0) continue;
            for (int j = k + 1; j < n; ++j) m[i * IHBV_N + j] -= factor * m[k * IHBV_N + j];
            b[i] -= factor * b[k];
        }
    }
    for (int k = n - 1; k >= 0; --k) {
        real sum = b[k];
        for (int j = k + 1; j < n; ++j) sum -= m[k * IHBV_N + j] * b[j];
        b[k] = sum / m[k * IHBV_N + k];
    }
    for (int k = 0; k < n; ++k) if (!isfinite(b[k])) return 0;
    return 1;
}

// F(S) = (S - S_prev) - h f(S) into F; returns |F|_inf (infinite when NaN) and fills *o.
inline real ihbv_residual(const real *prev, const real *S, real *F, const real *p, real P, real T, real E,
                          real h, int options, ihbv_fluxes *o) {
    ihbv_evaluate(S, p, P, T, E, h, options, o);
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
                           real h, int options, real tolerance, uint max_iterations,
                           uint polishing_steps, ihbv_fluxes *o) {
    real F[IHBV_N], J[IHBV_N * IHBV_N], dx[IHBV_N], trial_S[IHBV_N], trial_F[IHBV_N];
    ihbv_fluxes trial;
    for (int i = 0; i < IHBV_N; ++i) S[i] = prev[i];
    real norm = ihbv_residual(prev, S, F, p, P, T, E, h, options, o);
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
        // Storages past the solved block (the state layout's) are constant this step (rate 0, no flux reads them).
        if (!ihbv_solve(J, dx, IHBV_SOLVED)) {
            for (int i = 0; i < IHBV_N; ++i) dx[i] = -F[i];   // singular: fixed-point direction
        }
        real lambda = 1;
        int accepted = 0;
        for (int halving = 0; halving <= IHBV_LINE_SEARCH_HALVINGS; ++halving) {
            for (int i = 0; i < IHBV_N; ++i) trial_S[i] = S[i] + lambda * dx[i];
            const real trial_norm = ihbv_residual(prev, trial_S, trial_F, p, P, T, E, h, options, &trial);
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
// converged S_t; rbar = dL/d(unit runoff of step t). Adds this step's gradients to g[HBV_PARAMETER_COUNT].
inline void ihbv_adjoint_step(const real *S, const real *p, real P, real T, real E, real h,
                              int options, real rbar, real *mu, real *g) {
    ihbv_fluxes o;
    real J[IHBV_N * IHBV_N], JT[IHBV_N * IHBV_N];
    ihbv_evaluate(S, p, P, T, E, h, options, &o);
    ihbv_runoff_state_gradient(&o, p, rbar, mu);
    ihbv_state_jacobian(&o, p, J);
    for (int i = 0; i < IHBV_N; ++i)
        for (int j = 0; j < IHBV_N; ++j) JT[j * IHBV_N + i] = (i == j ? (real)1 : (real)0) - J[i * IHBV_N + j];
    // Storages past the solved block are constant in the step: their mu_t is a_t.
    if (!ihbv_solve(JT, mu, IHBV_SOLVED)) {
        for (int i = 0; i < IHBV_N; ++i) mu[i] = NAN;
    }
    ihbv_parameter_gradient(&o, p, mu, rbar, g);
}
