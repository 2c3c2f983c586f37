// Linear-reservoir D8 routing and its adjoint (MODEL.md 4.1).
//
// One launch per topological level; each work-item carries one cell of that level through the
// whole time series. Donors belong to lower levels, so their discharge is complete when a cell
// pulls it through the CSR donor lists (no atomics). The adjoint launches levels in reverse:
// a cell reads the inflow adjoint of its downstream cell, which a higher level wrote.
//
// Arrays over time are time-major [time][cell]; `velocity` has one value (stride 0) or one per
// cell (stride 1). Build with -DHYDRO_REAL=double -DHYDRO_FP64 for double precision.
#ifdef HYDRO_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#include "common.h"

// Forward: V(t) = (V(t-1) + dt*I(t)) / (1 + dt*k), Q(t) = k*V(t), k = v/L,
// I(t) = runoff(t) * A/(1000 dt) + sum of donors' Q(t).
__kernel void route_forward_level(const uint first, const uint count, const uint cells, const uint steps,
                                  const real dt,
                                  __global const int *order, __global const int *donor_offsets,
                                  __global const int *donors, __global const real *flow_length,
                                  __global const real *runoff_to_inflow,
                                  __global const real *velocity, const uint velocity_stride,
                                  __global const real *initial_storage, __global const real *runoff,
                                  __global real *discharge, __global real *final_storage) {
    const uint i = get_global_id(0);
    if (i >= count) return;
    const int c = order[first + i];
    const real k = velocity[c * velocity_stride] / flow_length[c];
    const real denominator = 1 + dt * k;
    const real scale = runoff_to_inflow[c];
    const int d0 = donor_offsets[c], d1 = donor_offsets[c + 1];
    real v = initial_storage[c];
    for (uint t = 0; t < steps; ++t) {
        const size_t row = (size_t)t * cells;
        real inflow = scale * runoff[row + c];
        for (int j = d0; j < d1; ++j) inflow += discharge[row + donors[j]];
        v = (v + dt * inflow) / denominator;
        discharge[row + c] = k * v;
    }
    final_storage[c] = v;
}

// Adjoint, time backwards, with a = 1/(1 + dt k):
//   Qbar(t) = seed(t) + Ibar_downstream(t);  W(t) = k Qbar(t) + a W(t+1)
//   Ibar(t) = dt a W(t);  kbar += V(t) (Qbar(t) - Ibar(t));  V(t) = Q(t)/k
// Writes Ibar into inflow_adjoint [time][cell] (route_scale_runoff_adjoint turns it into the
// runoff gradient once every level is done), vbar = kbar/L, and V(0)bar = a W(first step).
// The seed is a dense field (use_field = 1) and/or values at gauges: gauge_of_cell[c] >= 0
// indexes gauge_seed [time][gauges].
__kernel void route_adjoint_level(const uint first, const uint count, const uint cells, const uint steps,
                                  const real dt,
                                  __global const int *order, __global const int *downstream,
                                  __global const real *flow_length,
                                  __global const real *velocity, const uint velocity_stride,
                                  __global const real *discharge,
                                  __global const real *field_seed, const uint use_field,
                                  __global const int *gauge_of_cell, __global const real *gauge_seed,
                                  const uint gauges,
                                  __global real *inflow_adjoint, __global real *velocity_adjoint,
                                  __global real *initial_storage_adjoint) {
    const uint i = get_global_id(0);
    if (i >= count) return;
    const int c = order[first + i];
    const real k = velocity[c * velocity_stride] / flow_length[c];
    const real a = 1 / (1 + dt * k);
    const int d = downstream[c];
    const int g = gauge_of_cell[c];
    real carry = 0, kbar = 0;
    for (uint s = steps; s-- > 0;) {
        const size_t row = (size_t)s * cells;
        real qbar = use_field ? field_seed[row + c] : 0;
        if (g >= 0) qbar += gauge_seed[(size_t)s * gauges + g];
        if (d >= 0) qbar += inflow_adjoint[row + d];
        const real w = k * qbar + carry;
        const real ibar = dt * a * w;
        inflow_adjoint[row + c] = ibar;
        kbar += (discharge[row + c] / k) * (qbar - ibar);
        carry = a * w;
    }
    velocity_adjoint[c] = kbar / flow_length[c];
    initial_storage_adjoint[c] = carry;
}

// runoff_adjoint[t][c] = inflow_adjoint[t][c] * A_c/(1000 dt), in place, over all cells and steps.
__kernel void route_scale_runoff_adjoint(const uint cells, const uint total,
                                         __global const real *runoff_to_inflow, __global real *adjoint) {
    const size_t i = get_global_id(0);
    if (i >= total) return;
    adjoint[i] *= runoff_to_inflow[i % cells];
}

// gathered[t][j] = field[t][column_cell[j]] over total = steps x columns entries: a few cells'
// series (gauges) out of a [time][cell] field, so that only they cross to the host.
__kernel void route_gather_cells(const uint cells, const uint columns, const uint total,
                                 __global const int *column_cell, __global const real *field,
                                 __global real *gathered) {
    const uint i = get_global_id(0);
    if (i >= total) return;
    const uint t = i / columns, j = i % columns;
    gathered[i] = field[(size_t)t * cells + column_cell[j]];
}

// sum[0] = values[0] + ... + values[count - 1], added by one work-item in index order with
// Kahan compensation: the gradient of a uniform parameter from its per-cell contributions,
// the same bits every run (no atomics, no order left to the scheduler). O(count) on one
// work-item: microseconds to a few milliseconds for 10^4-10^6 cells, once per evaluation.
__kernel void route_sum(const uint count, __global const real *values, __global real *sum) {
    if (get_global_id(0) != 0) return;
    real s = 0, compensation = 0;
    for (uint i = 0; i < count; ++i) {
        const real y = values[i] - compensation;
        const real t = s + y;
        compensation = (t - s) - y;
        s = t;
    }
    sum[0] = s;
}
