// The implicit HBV model (MODEL.md 3.2, docs/IMPLICIT-SOLVER.md): backward Euler over the five
// storages solved by Newton, and the implicit-function-theorem adjoint.
//
// Argument layout: that of kernels/hbv_sequential.cl (arguments 0-21, same meaning, same
// buffers; near_zero is unused here; a record is the L = HBV_LAYOUT_COUNT storages of the state
// layout, no powers: checkpoints [ceil(n/K)][L][U], scratch [K-1][L][U]), plus
//
//  #  forward (hbv_implicit_forward)           adjoint (hbv_implicit_adjoint)
// 21  real tolerance: Newton stops at          -
//     |F|_inf <= tolerance (mm)
// 22  uint max_iterations                       real tolerance       (22-24: to recompute
// 23  uint polishing_steps (Newton steps after  uint max_iterations   segments from checkpoints
//     convergence, kept if |F| does not rise)                         exactly as the forward did)
// 24  nonconverged [U] (uint, written): unit-   uint polishing_steps
//     steps of the window that hit the cap
//
// A work-item owns units u0 .. u0 + HYDRO_VW - 1 and runs them one after the other (Newton's
// iteration count differs per unit, so lanes are not vectorised); with HYDRO_VW = 1 (GPUs) a
// work-item is one unit. States live in registers; arrays are time-major [time][units].
//
// Reverse sweep: the forward keeps the storages at the start of steps step_begin + j*K. The
// adjoint of step t needs the converged S_t = the start of step t + 1: inside a segment it is
// recomputed into scratch (or read from the next checkpoint); only the segment's last step
// of the last segment is solved once more. Recomputation repeats the forward's arithmetic on
// the same device, so it gives the same S_t.
#include "hbv_implicit_fluxes.h"
#include "hbv_rates.h"
#include "hbv_vector.h"
#include "runoff_outputs.h"

// The values unit u uses at step t, rates per step (hbv_rates.h).
inline void ihbv_load_parameters(__global const real *values, __global const int *offset,
                                 __global const int *slot_of_step, uint steps, uint t, uint u, uint units,
                                 real dt, real *p) {
    for (int i = 0; i < HBV_PARAMETER_COUNT; ++i) {
        p[i] = values[offset[i] + (size_t)slot_of_step[i * steps + t] * units + u] * hbv_step_factor(i, dt);
    }
}

// Sum of the unit's storages S[0..HBV_STORAGE_COUNT), left to right, the ice store left out
// (its melt is an inflow of the balance, row 6).
inline real ihbv_total_storage(const real *S) {
    real total = 0;
    for (int i = 0; i < HBV_STORAGE_COUNT; ++i) if (i != HBV_STORAGE_ICE) total += S[i];
    return total;
}

inline void ihbv_load_column(__global const real *base, uint u, uint units, real *S) {
    for (int i = 0; i < HBV_STORAGE_COUNT; ++i) S[i] = base[(size_t)i * units + u];
}

inline void ihbv_store_column(const real *S, __global real *base, uint u, uint units) {
    for (int i = 0; i < HBV_STORAGE_COUNT; ++i) base[(size_t)i * units + u] = S[i];
}

// A record (checkpoint or scratch row) keeps the storages of the state layout
// (HBV_STATE_LAYOUT, StateLayout) at rows HBV_LAYOUT_SLOT(i); one it leaves out reads as 0
// (the ice store of a glacier that is off or unlimited: no flux reads it, no rate moves it).
inline void ihbv_load_record(__global const real *base, uint u, uint units, real *S) {
    for (int i = 0; i < HBV_STORAGE_COUNT; ++i) S[i] = HBV_LAYOUT_KEEPS(i) ? base[(size_t)HBV_LAYOUT_SLOT(i) * units + u] : 0;
}

inline void ihbv_store_record(const real *S, __global real *base, uint u, uint units) {
    for (int i = 0; i < HBV_STORAGE_COUNT; ++i) if (HBV_LAYOUT_KEEPS(i)) base[(size_t)HBV_LAYOUT_SLOT(i) * units + u] = S[i];
}

__kernel void hbv_implicit_forward(
    const uint units, const uint cells, const uint nmul, const uint steps,
    const uint step_begin, const uint step_end,
    const real dt, const real near_zero, const int options,
    __global const real *precip, __global const real *temp, __global const real *pet,
    __global const real *param_values, __global const int *param_offset, __global const int *slot_of_step,
    __global const real *initial_states, __global real *final_states,
    __global real *runoff, __global real *checkpoints, const uint checkpoint_interval,
    __global real *balance, const real tolerance, const uint max_iterations, const uint polishing_steps,
    __global uint *nonconverged) {
    const uint u0 = get_global_id(0) * HYDRO_VW;
    const size_t state_block = (size_t)HBV_LAYOUT_COUNT * units;
    for (uint u = u0; u < u0 + HYDRO_VW && u < units; ++u) {
        const uint cell = u / nmul;
        real S[HBV_STORAGE_COUNT], prev[HBV_STORAGE_COUNT], p[HBV_PARAMETER_COUNT];
        ihbv_fluxes o;
        ihbv_load_column(initial_states, u, units, S);
        const real storage_start = ihbv_total_storage(S);
        real sum_p = 0, sum_et = 0, sum_q = 0, sum_x = 0, sum_ice = 0;
        uint failures = 0, since_checkpoint = 0, checkpoint = 0;
        for (uint t = step_begin; t < step_end; ++t) {
            if (checkpoint_interval != 0) {
                if (since_checkpoint == 0) ihbv_store_record(S, checkpoints + checkpoint++ * state_block, u, units);
                if (++since_checkpoint == checkpoint_interval) since_checkpoint = 0;
            }
            ihbv_load_parameters(param_values, param_offset, slot_of_step, steps, t, u, units, dt, p);
            const size_t forcing = (size_t)t * cells + cell;
            const real P = precip[forcing];
            for (int i = 0; i < HBV_STORAGE_COUNT; ++i) prev[i] = S[i];
            if (!ihbv_solve_step(prev, S, p, P, temp[forcing], pet[forcing], dt, options,
                                 tolerance, max_iterations, polishing_steps, &o)) ++failures;
            const real q = ihbv_runoff(&o);
            runoff[(size_t)t * units + u] = q;
            sum_p += o.rain + o.snow;   // the corrected precipitation (RFCF, SFCF)
            sum_et += o.et;
            sum_q += q;
            sum_x += o.exchange + o.runoff_exchange;   // groundwater and runoff exchange
            sum_ice += o.ice_melt;
        }
        ihbv_store_column(S, final_states, u, units);
        balance[u] = sum_p;
        balance[units + u] = sum_et;
        balance[2 * (size_t)units + u] = sum_q;
        balance[3 * (size_t)units + u] = ihbv_total_storage(S) - storage_start;
        balance[4 * (size_t)units + u] = 0;   // no lower bounds: no numerical inflow
        balance[5 * (size_t)units + u] = sum_x;   // groundwater exchange (into the lower zone) and runoff exchange
        balance[6 * (size_t)units + u] = sum_ice;   // ice melt (a transfer from the ice store)
        nonconverged[u] = failures;
    }
}

__kernel void hbv_implicit_adjoint(
    const uint units, const uint cells, const uint nmul, const uint steps,
    const uint step_begin, const uint step_end,
    const real dt, const real near_zero, const int options,
    __global const real *precip, __global const real *temp, __global const real *pet,
    __global const real *param_values, __global const int *param_offset, __global const int *slot_of_step,
    __global const real *runoff_adjoint, __global const real *final_state_adjoint,
    __global const real *checkpoints, const uint checkpoint_interval, __global real *scratch,
    __global real *param_gradient, __global real *initial_state_adjoint,
    const real tolerance, const uint max_iterations, const uint polishing_steps) {
    const uint u0 = get_global_id(0) * HYDRO_VW;
    if (step_end <= step_begin) return;
    const size_t state_block = (size_t)HBV_LAYOUT_COUNT * units;
    const uint interval = checkpoint_interval;
    const uint segments = (step_end - step_begin + interval - 1) / interval;
    const real share = (real)1 / (real)nmul;
    for (uint u = u0; u < u0 + HYDRO_VW && u < units; ++u) {
        const uint cell = u / nmul;
        real mu[HBV_STORAGE_COUNT], S[HBV_STORAGE_COUNT], prev[HBV_STORAGE_COUNT], end_state[HBV_STORAGE_COUNT], p[HBV_PARAMETER_COUNT], step_gradient[HBV_PARAMETER_COUNT];
        real g[HBV_PARAMETER_COUNT];
        int slot[HBV_PARAMETER_COUNT];
        ihbv_fluxes o;
        ihbv_load_column(final_state_adjoint, u, units, mu);
        // Gradients collect in registers while a parameter's slot stays the same and are added
        // to param_gradient when it changes (as in the sequential adjoint).
        for (int i = 0; i < HBV_PARAMETER_COUNT; ++i) { g[i] = 0; slot[i] = slot_of_step[i * steps + step_end - 1]; }

        for (uint segment = segments; segment-- > 0;) {
            const uint first = step_begin + segment * interval;
            const uint last = min(first + interval, step_end);
            __global const real *checkpoint = checkpoints + segment * state_block;
            // Storages at the start of steps first+1 .. last-1 into scratch rows 0 .. last-first-2.
            ihbv_load_record(checkpoint, u, units, S);
            for (uint t = first; t + 1 < last; ++t) {
                ihbv_load_parameters(param_values, param_offset, slot_of_step, steps, t, u, units, dt, p);
                const size_t forcing = (size_t)t * cells + cell;
                for (int i = 0; i < HBV_STORAGE_COUNT; ++i) prev[i] = S[i];
                ihbv_solve_step(prev, S, p, precip[forcing], temp[forcing], pet[forcing], dt, options,
                                tolerance, max_iterations, polishing_steps, &o);
                ihbv_store_record(S, scratch + (t - first) * state_block, u, units);
            }
            // S_{last-1}: the next checkpoint, or solved from the start of step last-1 (in S).
            if (segment + 1 < segments) {
                ihbv_load_record(checkpoints + (segment + 1) * state_block, u, units, end_state);
            } else {
                const uint t = last - 1;
                ihbv_load_parameters(param_values, param_offset, slot_of_step, steps, t, u, units, dt, p);
                const size_t forcing = (size_t)t * cells + cell;
                ihbv_solve_step(S, end_state, p, precip[forcing], temp[forcing], pet[forcing], dt, options,
                                tolerance, max_iterations, polishing_steps, &o);
            }
            for (uint t = last; t-- > first;) {
                if (t + 1 < last) ihbv_load_record(scratch + (t - first) * state_block, u, units, end_state);
                for (int i = 0; i < HBV_PARAMETER_COUNT; ++i) {
                    const int now = slot_of_step[i * steps + t];
                    if (now != slot[i]) {
                        param_gradient[param_offset[i] + (size_t)slot[i] * units + u] += g[i] * hbv_step_factor(i, dt);
                        g[i] = 0;
                        slot[i] = now;
                    }
                    step_gradient[i] = 0;
                }
                ihbv_load_parameters(param_values, param_offset, slot_of_step, steps, t, u, units, dt, p);
                const size_t forcing = (size_t)t * cells + cell;
                const real rbar = runoff_adjoint[(size_t)t * cells + cell] * share;
                ihbv_adjoint_step(end_state, p, precip[forcing], temp[forcing], pet[forcing], dt, options,
                                  rbar, mu, step_gradient);
                for (int i = 0; i < HBV_PARAMETER_COUNT; ++i) g[i] += step_gradient[i];
            }
        }
        for (int i = 0; i < HBV_PARAMETER_COUNT; ++i) param_gradient[param_offset[i] + (size_t)slot[i] * units + u] += g[i] * hbv_step_factor(i, dt);
        ihbv_store_column(mu, initial_state_adjoint, u, units);
    }
}
