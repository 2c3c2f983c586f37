// The calibration's parameter expansion and its pull-back on the device (docs/TRAINING.md,
// "The parameter chain on the device"): ParameterSpace.expand and .pullBack of one free
// parameter per launch, so that the free raw vector goes up (a few floats) and dL/d(raw) comes
// down, instead of one value per unit and slot each way.
//
// Layouts (Sources/HydroModel/Model/ParameterLayout.swift). A free parameter's raw values are
// raw[raw_offset + (slot * groups + group) * components + k]; its physical series, in the runoff
// kernels' parameter buffer, is values[value_offset + slot * units + cell * components + k] with
// units = cells * components. The spatial layout is a group per cell (`group_of_cell`: all 0 for
// a uniform parameter, the zone for zones, the cell itself for a distributed one); the temporal
// layout only sets the slot count (1, 12 or one per step): which slot a step reads is the
// runoff kernels' slot-of-step table, uploaded with the problem.
//
// The pull-back sums each group's per-unit gradients without floating-point atomics, in an order
// fixed by the host's tables alone, so an evaluation repeats bit for bit on one device:
//   1. pull_back_partial: a group's cells, listed in cell order (`members`, grouped), are cut
//      into chunks of at most a fixed number of cells (`chunk_start`); one work-item per
//      (slot, chunk, component) adds its chunk's values in list order with Kahan compensation.
//   2. pull_back_reduce: one work-item per free raw value adds its group's chunks in order
//      (Kahan again) and multiplies by d(physical)/d(raw), the same for every cell of the group.
// A uniform parameter over 10^5 cells is a few hundred chunks, so neither stage serialises on
// one work-item; a distributed one is one cell per chunk, a copy times the derivative.
#include "common.h"

// lower + span * sigmoid(raw) (ParameterBounds.physical), and its derivative span * s (1 - s).
inline real expansion_sigmoid(const real raw) { return 1 / (1 + exp(-raw)); }

// One work-item per (slot, unit) of the parameter's block: total = slots * units.
__kernel void expand_parameter(const uint units, const uint components, const uint groups, const uint total,
                               __global const int *group_of_cell, const uint raw_offset,
                               __global const real *raw, const real lower, const real span,
                               const uint value_offset, __global real *values) {
    const uint i = get_global_id(0);
    if (i >= total) return;
    const uint slot = i / units, unit = i % units;
    const uint cell = unit / components, k = unit % components;
    const size_t r = raw_offset + ((size_t)slot * groups + (uint)group_of_cell[cell]) * components + k;
    values[value_offset + (size_t)i] = lower + span * expansion_sigmoid(raw[r]);
}

// partials[partial_offset + (slot * chunks + chunk) * components + k] = the sum, over the cells
// members[chunk_start[chunk] .. chunk_start[chunk + 1]), of gradient[value_offset + slot * units
// + cell * components + k]; total = slots * chunks * components.
__kernel void pull_back_partial(const uint units, const uint components, const uint chunks, const uint total,
                                __global const int *chunk_start, __global const int *members,
                                const uint value_offset, __global const real *gradient,
                                const uint partial_offset, __global real *partials) {
    const uint i = get_global_id(0);
    if (i >= total) return;
    const uint k = i % components, chunk = (i / components) % chunks, slot = i / (components * chunks);
    const size_t row = value_offset + (size_t)slot * units + k;
    real s = 0, compensation = 0;
    for (int e = chunk_start[chunk]; e < chunk_start[chunk + 1]; ++e) {
        const real y = gradient[row + (size_t)members[e] * components] - compensation;
        const real t = s + y;
        compensation = (t - s) - y;
        s = t;
    }
    partials[partial_offset + (size_t)i] = s;
}

// raw_gradient[raw_offset + (slot * groups + g) * components + k] = d(physical)/d(raw) times the
// sum of group g's chunks group_chunks[g] .. group_chunks[g + 1]) of stage 1, in chunk order;
// total = slots * groups * components (the parameter's free values).
__kernel void pull_back_reduce(const uint components, const uint groups, const uint chunks, const uint total,
                               __global const int *group_chunks, const uint partial_offset,
                               __global const real *partials, const uint raw_offset,
                               __global const real *raw, const real span, __global real *raw_gradient) {
    const uint i = get_global_id(0);
    if (i >= total) return;
    const uint k = i % components, g = (i / components) % groups, slot = i / (components * groups);
    const size_t row = partial_offset + (size_t)slot * chunks * components + k;
    real s = 0, compensation = 0;
    for (int c = group_chunks[g]; c < group_chunks[g + 1]; ++c) {
        const real y = partials[row + (size_t)c * components] - compensation;
        const real t = s + y;
        compensation = (t - s) - y;
        s = t;
    }
    const real u = expansion_sigmoid(raw[raw_offset + i]);
    raw_gradient[raw_offset + i] = s * span * u * (1 - u);
}
