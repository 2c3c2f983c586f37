// δHBV's sequential HBV model (MODEL.md 3.1): forward and hand-written adjoint kernels.
//
// ===================================== Argument layout =====================================
// Shared by every runoff solver's kernels (the implicit kernels follow it). Build options:
// -DHYDRO_VW=N (units per work-item: 1 on GPUs, 16 on AVX-512 CPUs, else 8), HYDRO_REAL
// defaults to float.
//
// Sizes: U = units = cells * nmul (unit = cell * nmul + component), C = cells, T = steps
// (rows of every time-major array: the whole record), P = HBV_PARAMETER_COUNT parameters and
// S = HBV_STORAGE_COUNT storages in model/hbv.table's order (hbv_model.h, generated from the
// table). Every array is dense, no padding; the launch has
// ceil(U / HYDRO_VW) work-items (any local size; extra work-items return at once).
// A launch runs steps [step_begin, step_end) of the record: warm-up and windows reuse the
// same buffers; "window" below means those steps, n = step_end - step_begin.
//
//  #  forward (hbv_sequential_forward)         adjoint (hbv_sequential_adjoint)
//  0  uint units  U                            same
//  1  uint cells  C                            same
//  2  uint nmul                                same
//  3  uint steps  T                            same
//  4  uint step_begin                          same
//  5  uint step_end                            same
//  6  real dt (days per step)                  same
//  7  real near_zero (SM floor after ET)       same
//  8  int  options: bit 0 the ET factor has its exponent; bit HBV_ACTIVE_<process> (hbv_model.h)
//     the process is applied (processes switched by presence, ActiveProcesses); ignored by a
//     program built with -DHBV_BUILD_OPTIONS (hbv_specialisation.h)                same
//  9  precip  [T][C] mm/step                   same
// 10  temp    [T][C] degC                      same
// 11  pet     [T][C] mm/step                   same
// 12  param_values: parameter p, slot s, unit u at param_offset[p] + s*U + u (each
//     parameter's [slots_p][U] block concatenated)                            same
// 13  int param_offset [P] (elements)          same
// 14  int slot_of_step [P][T]: the slot parameter p uses at step t             same
// 15  initial_states [S][U] (read)             runoff_adjoint [T][C]: dL/d(cell runoff); each
//                                              of a cell's nmul units gets 1/nmul of it
// 16  final_states [S][U] (written; may be     final_state_adjoint [S][U]: dL/d(storages at
//     the same buffer as initial_states)       step_end), zeros for a plain loss on runoff
// 17  runoff [T][U] per unit (written for      checkpoints (read), as written by the forward
//     window rows; the per-cell mean over nmul
//     is kernel runoff_component_mean)
// 18  checkpoints [ceil(n/K)][L+2][U]: the step  uint K
//     record of steps step_begin + j*K: the L
//     storages of the state layout at the
//     step's start (HBV_LAYOUT_SLOT), then its
//     (SM/FC)^BETA and ET power law (the
//     adjoint does not evaluate pow again)
// 19  uint K: checkpoint interval, 0 = none;   scratch [K-1][L+2][U] (step records recomputed
//     K = 1 stores the whole trajectory          within a segment; any 1-element buffer when K = 1)
// 20  balance [6][U] (written): per-unit       param_gradient, same layout as param_values:
//     window totals of P, ET, Q, storage        dL/d(physical value) ADDED (+=) to it, so the
//     change (end - start) and numerical        caller zeroes it (or accumulates windows)
//     inflow (water added by the SM floor),
//     groundwater and runoff exchange (in > 0, out < 0)
// 21                                           initial_state_adjoint [S][U] (written):
//                                              dL/d(storages at step_begin)
// 22                                           initial_states [S][U] (read): the storages at
//                                              step_begin the records leave out (the forward's
//                                              argument 15, unchanged since)
//
// Memory for the reverse sweep: (ceil(n/K) + K - 1) * (L + 2) * U reals; K = 1 is the stored
// trajectory (no recomputation), larger K recomputes each segment once from its checkpoint.
// (Other solvers' kernels keep this argument order; their record width is their own.)
// L = HBV_LAYOUT_COUNT: the records keep the storages of the run's state layout (build define
// HBV_STATE_LAYOUT, StateLayout; every storage without it): not the snow's without snow (its
// null operator empties them in the first step), not the ice without a glacier whose ice is known.
// Build options besides HYDRO_VW: the problem's processes and given parameters as constants
// (hbv_specialisation.h).
// A work-item owns its units' columns of every array, so gradients need no atomics.
// ==========================================================================================
#include "hbv_sequential_step.h"
#include "hbv_rates.h"
#include "hbv_specialisation.h"
#include "runoff_outputs.h"

// Every storage of units u0.. from a [HBV_STORAGE_COUNT][units] array (initial and final
// states and their adjoints: the solvers' boundary keeps the full layout).
inline hbv_states load_states(__global const real *base, uint u0, uint units) {
    hbv_states s;
#define LOAD(i, name) s.name = load_units(base + (size_t)(i) * units, u0, units);
    HBV_STORAGES(LOAD)
#undef LOAD
    return s;
}

inline void store_states(hbv_states s, __global real *base, uint u0, uint units) {
#define STORE(i, name) store_units(s.name, base + (size_t)(i) * units, u0, units);
    HBV_STORAGES(STORE)
#undef STORE
}

// A step record: the storages of the state layout (HBV_STATE_LAYOUT, StateLayout) at the
// step's start, at rows HBV_LAYOUT_SLOT(i), then the step's two power laws.
#define HBV_RECORD_COUNT (HBV_LAYOUT_COUNT + 2)
#define HBV_RECORD_WPOW HBV_LAYOUT_COUNT
#define HBV_RECORD_EPOW (HBV_LAYOUT_COUNT + 1)

// The layout's storages of a record. A storage it leaves out reads as 0 (no step after the
// run's first reads a nonzero value of it: the snow's null operator has emptied its storages,
// nothing moves or reads the ice of a glacier that is off or unlimited), except at the window's
// first step (`first`), where it is the initial state: the null operator drains that into the soil.
inline hbv_states load_record_states(__global const real *record, __global const real *initial, uint u0, uint units, bool first) {
    hbv_states s;
#define LOAD(i, name) s.name = HBV_LAYOUT_KEEPS(i) ? load_units(record + (size_t)HBV_LAYOUT_SLOT(i) * units, u0, units) \
                                                  : (first ? load_units(initial + (size_t)(i) * units, u0, units) : (realv)(0));
    HBV_STORAGES(LOAD)
#undef LOAD
    return s;
}

inline void store_record_states(hbv_states s, __global real *record, uint u0, uint units) {
#define STORE(i, name) if (HBV_LAYOUT_KEEPS(i)) store_units(s.name, record + (size_t)HBV_LAYOUT_SLOT(i) * units, u0, units);
    HBV_STORAGES(STORE)
#undef STORE
}

// Sum of the unit's storages, left to right in the table's order. The glacier's ice store lies
// outside the unit's water: the balance counts its melt as an inflow (row 6) instead.
inline realv total_storage(hbv_states s) {
    realv total = (realv)(0);
#define ADD(i, name) if ((i) != HBV_STORAGE_ICE) total += s.name;
    HBV_STORAGES(ADD)
#undef ADD
    return total;
}

// The values units u0.. use at step t, rates per step (hbv_rates.h); a parameter the problem
// does not give is its absent value, without a load (hbv_specialisation.h).
inline hbv_params load_params(__global const real *values, __global const int *offset,
                              __global const int *slot_of_step, uint steps, uint t, uint u0, uint units, real dt) {
    hbv_params q;
#define LOAD(i, name) \
    q.name = (HBV_PARAMETER_GIVEN(i) ? load_units(values + offset[i] + (size_t)slot_of_step[(i) * steps + t] * units, u0, units) \
                                     : (realv)(HBV_ABSENT_VALUE_##name)) * hbv_step_factor(i, dt);
    HBV_PARAMETERS(LOAD)
#undef LOAD
    return q;
}

inline hbv_forcing load_forcing(__global const real *precip, __global const real *temp,
                                __global const real *pet, uint t, uint cells, uint u0, uint units, uint nmul) {
    const size_t row = (size_t)t * cells;
    hbv_forcing f;
    f.precip = load_cells_of_units(precip + row, u0, units, nmul);
    f.temp = load_cells_of_units(temp + row, u0, units, nmul);
    f.pet = load_cells_of_units(pet + row, u0, units, nmul);
    return f;
}

__kernel void hbv_sequential_forward(
    const uint units, const uint cells, const uint nmul, const uint steps,
    const uint step_begin, const uint step_end,
    const real dt, const real near_zero, const int options,
    __global const real *precip, __global const real *temp, __global const real *pet,
    __global const real *param_values, __global const int *param_offset, __global const int *slot_of_step,
    __global const real *initial_states, __global real *final_states,
    __global real *runoff, __global real *checkpoints, const uint checkpoint_interval,
    __global real *balance) {
    const uint u0 = get_global_id(0) * HYDRO_VW;
    if (u0 >= units) return;
    const size_t record_block = (size_t)HBV_RECORD_COUNT * units;
    const int opts = HBV_KERNEL_OPTIONS(options);

    hbv_states s = load_states(initial_states, u0, units);
    const realv storage_start = total_storage(s);
    realv sum_p = (realv)(0), sum_et = (realv)(0), sum_q = (realv)(0), sum_floor = (realv)(0), sum_exchange = (realv)(0),
          sum_ice = (realv)(0);
    uint since_checkpoint = 0, checkpoint = 0;
    for (uint t = step_begin; t < step_end; ++t) {
        __global real *record = 0;
        if (checkpoint_interval != 0) {
            if (since_checkpoint == 0) {
                record = checkpoints + checkpoint++ * record_block;
                store_record_states(s, record, u0, units);
            }
            if (++since_checkpoint == checkpoint_interval) since_checkpoint = 0;
        }
        const hbv_params q = load_params(param_values, param_offset, slot_of_step, steps, t, u0, units, dt);
        const hbv_forcing f = load_forcing(precip, temp, pet, t, cells, u0, units, nmul);
        hbv_trace r;
        hbv_step_trace(&s, &q, &f, dt, near_zero, opts, 0, (realv)(0), (realv)(0), &r);
        if (record) {
            store_units(r.wpow, record + HBV_RECORD_WPOW * (size_t)units, u0, units);
            store_units(r.epow, record + HBV_RECORD_EPOW * (size_t)units, u0, units);
        }
        s = hbv_end_states(&r);
        store_units(r.delivered, runoff + (size_t)t * units, u0, units);
        sum_p += r.rain + r.snowfall;   // the corrected precipitation (RFCF, SFCF)
        sum_et += r.et;
        sum_q += r.delivered;
        sum_floor += r.sm3 - r.sm3pre;
        sum_exchange += r.exchange + r.runoff_exchange;   // groundwater and runoff exchange
        sum_ice += r.ice_melt;
    }
    store_states(s, final_states, u0, units);
    store_units(sum_p, balance, u0, units);
    store_units(sum_et, balance + units, u0, units);
    store_units(sum_q, balance + 2 * (size_t)units, u0, units);
    store_units(total_storage(s) - storage_start, balance + 3 * (size_t)units, u0, units);
    store_units(sum_floor, balance + 4 * (size_t)units, u0, units);
    store_units(sum_exchange, balance + 5 * (size_t)units, u0, units);
    store_units(sum_ice, balance + 6 * (size_t)units, u0, units);
}

__kernel void hbv_sequential_adjoint(
    const uint units, const uint cells, const uint nmul, const uint steps,
    const uint step_begin, const uint step_end,
    const real dt, const real near_zero, const int options,
    __global const real *precip, __global const real *temp, __global const real *pet,
    __global const real *param_values, __global const int *param_offset, __global const int *slot_of_step,
    __global const real *runoff_adjoint, __global const real *final_state_adjoint,
    __global const real *checkpoints, const uint checkpoint_interval, __global real *scratch,
    __global real *param_gradient, __global real *initial_state_adjoint, __global const real *initial_states) {
    const uint u0 = get_global_id(0) * HYDRO_VW;
    if (u0 >= units || step_end <= step_begin) return;
    const size_t record_block = (size_t)HBV_RECORD_COUNT * units;
    const uint interval = checkpoint_interval;
    if (interval == 0) return;
    const uint segments = (step_end - step_begin + interval - 1) / interval;
    const real share = (real)1 / (real)nmul;
    const int opts = HBV_KERNEL_OPTIONS(options);

    hbv_states a = load_states(final_state_adjoint, u0, units);
    // Gradients collect in registers while a parameter's slot stays the same (all steps for a
    // static parameter) and are added to param_gradient when the slot changes. A parameter the
    // problem does not give has none (hbv_specialisation.h).
    hbv_params g;
    int slot[HBV_PARAMETER_COUNT];
#define START(i, name) g.name = (realv)(0); if (HBV_PARAMETER_GIVEN(i)) slot[i] = slot_of_step[(i) * steps + step_end - 1];
    HBV_PARAMETERS(START)
#undef START

    for (uint segment = segments; segment-- > 0;) {
        const uint first = step_begin + segment * interval;
        const uint last = min(first + interval, step_end);
        __global const real *checkpoint = checkpoints + segment * record_block;
        // Recompute the records of steps first+1 .. last-1 of this segment into the scratch
        // (record j is step first+1+j): storages from the end of the step before, powers from
        // the step itself, so the segment's last step is evaluated once more for its powers.
        if (last - first > 1) {
            hbv_states s = load_record_states(checkpoint, initial_states, u0, units, first == step_begin);
            for (uint t = first; t < last; ++t) {
                const hbv_params q = load_params(param_values, param_offset, slot_of_step, steps, t, u0, units, dt);
                const hbv_forcing f = load_forcing(precip, temp, pet, t, cells, u0, units, nmul);
                hbv_trace r;
                hbv_step_trace(&s, &q, &f, dt, near_zero, opts, 0, (realv)(0), (realv)(0), &r);
                if (t > first) {
                    __global real *record = scratch + (t - first - 1) * record_block;
                    store_units(r.wpow, record + HBV_RECORD_WPOW * (size_t)units, u0, units);
                    store_units(r.epow, record + HBV_RECORD_EPOW * (size_t)units, u0, units);
                }
                s = hbv_end_states(&r);
                if (t + 1 < last) store_record_states(s, scratch + (t - first) * record_block, u0, units);
            }
        }
        for (uint t = last; t-- > first;) {
            __global const real *record = t == first ? checkpoint : scratch + (t - first - 1) * record_block;
            const hbv_states start = load_record_states(record, initial_states, u0, units, t == step_begin);
            const realv wpow = load_units(record + HBV_RECORD_WPOW * (size_t)units, u0, units);
            const realv epow = load_units(record + HBV_RECORD_EPOW * (size_t)units, u0, units);
#define FLUSH(i, name) if (HBV_PARAMETER_GIVEN(i)) { \
            const int now = slot_of_step[(i) * steps + t]; \
            if (now != slot[i]) { \
                accumulate_units(g.name * hbv_step_factor(i, dt), param_gradient + param_offset[i] + (size_t)slot[i] * units, u0, units); \
                g.name = (realv)(0); \
                slot[i] = now; \
            } }
            HBV_PARAMETERS(FLUSH)
#undef FLUSH
            const hbv_params q = load_params(param_values, param_offset, slot_of_step, steps, t, u0, units, dt);
            const hbv_forcing f = load_forcing(precip, temp, pet, t, cells, u0, units, nmul);
            const realv a_runoff = load_cells_of_units(runoff_adjoint + (size_t)t * cells, u0, units, nmul) * share;
            hbv_step_adjoint(&start, wpow, epow, &q, &f, dt, near_zero, opts, a_runoff, &a, &g);
        }
    }
#define FLUSH(i, name) if (HBV_PARAMETER_GIVEN(i)) \
    accumulate_units(g.name * hbv_step_factor(i, dt), param_gradient + param_offset[i] + (size_t)slot[i] * units, u0, units);
    HBV_PARAMETERS(FLUSH)
#undef FLUSH
    store_states(a, initial_state_adjoint, u0, units);
}
