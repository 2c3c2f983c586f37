// The regionalisation network (docs/REGIONALISATION.md): a multilayer perceptron from
// per-cell descriptors to raw HBV parameters, its forward pass and its weight gradient.
//
// Shapes (cell-major): inputs [cells][sizes[0]], outputs and output gradients
// [cells][sizes[layers]]. `sizes` holds layers + 1 layer widths. Weights are one flat vector,
// layer by layer: W_l row-major [m][n] (n = sizes[l] inputs, m = sizes[l+1] outputs), then
// b_l [m] -- the layout of MultilayerPerceptron.swift.
//
// Build options: -DMLP_MAX_WIDTH=<largest layer width> (private arrays of the forward pass),
// optionally -DHYDRO_REAL=double.
//
// Work decomposition: one work-item per cell. The network is small (tens of units per layer)
// and every layer needs the whole previous layer, so a cell's activations stay in private
// memory and the layer loop runs inside the work-item; a work-item per (cell, output) would
// recompute every hidden layer once per output. Cells (10^3 - 10^6) give the parallelism.
// Weights are read from __global (not __constant: a wide network can exceed the 64 KB
// minimum constant size); all work-items read the same weight at the same time, which caches
// and broadcasts well on GPUs and CPUs alike.
//
// The weight gradient is a sum over cells, reduced without floating-point atomics in two
// stages with a fixed order, so repeated runs on one device agree bit for bit:
//   1. mlp_backward_partial: each work-group walks tiles of get_local_size(0) cells (tile =
//      group, group + groups, ...). Each work-item runs its cell forward and backward into
//      local memory (activations and deltas); then the group's work-items share out the
//      weights and each sums its weights' contributions over the tile's cells in cell order,
//      adding to the group's row of partials [groups][weight_count].
//   2. mlp_sum_partials: one work-item per weight adds the rows in group order.

#include "common.h"

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#ifndef MLP_MAX_WIDTH
#define MLP_MAX_WIDTH 64
#endif

#define MLP_TANH 0
#define MLP_RELU 1
#define MLP_LEAKY_RELU 2

// Hidden activation f(z). The output layer is the identity (raw parameters).
inline real mlp_activate(real z, int kind, real slope) {
    if (kind == MLP_TANH) return tanh(z);
    if (kind == MLP_RELU) return z > (real)0 ? z : (real)0;
    return z > (real)0 ? z : slope * z;
}

// f'(z) from a = f(z); at the ReLU kink (a = 0) it is 0 for ReLU and slope for leaky ReLU,
// as in HiddenActivation.swift.
inline real mlp_derivative(real a, int kind, real slope) {
    if (kind == MLP_TANH) return (real)1 - a * a;
    if (kind == MLP_RELU) return a > (real)0 ? (real)1 : (real)0;
    return a > (real)0 ? (real)1 : slope;
}

// z_j = b_j + sum_i W_ji x_i in input order, then f for hidden layers.
__kernel void mlp_forward(const uint cells, const uint layers, __global const uint *sizes,
                          __global const real *weights, __global const real *inputs,
                          __global real *outputs, const int activation, const real slope) {
    const uint cell = get_global_id(0);
    if (cell >= cells) return;
    real buffer_a[MLP_MAX_WIDTH], buffer_b[MLP_MAX_WIDTH];
    real *x = buffer_a, *y = buffer_b;
    uint n = sizes[0];
    for (uint i = 0; i < n; ++i) x[i] = inputs[(size_t)cell * n + i];
    size_t offset = 0;
    for (uint l = 0; l < layers; ++l) {
        const uint m = sizes[l + 1];
        __global const real *matrix = weights + offset;
        __global const real *bias = matrix + (size_t)m * n;
        const bool hidden = l + 1 < layers;
        for (uint j = 0; j < m; ++j) {
            real z = bias[j];
            for (uint i = 0; i < n; ++i) z += matrix[(size_t)j * n + i] * x[i];
            y[j] = hidden ? mlp_activate(z, activation, slope) : z;
        }
        real *t = x; x = y; y = t;
        offset += (size_t)m * (n + 1);
        n = m;
    }
    for (uint j = 0; j < n; ++j) outputs[(size_t)cell * n + j] = x[j];
}

// Stage 1 of the weight gradient. `scratch` is local memory of 2 * total_units reals per
// work-item (activations of every layer, then deltas). The host launches at most as many
// groups as there are tiles, so every group's first tile initialises its partials row.
// With write_input_gradient, dL/d(inputs) [cells][sizes[0]] is written too.
__kernel void mlp_backward_partial(const uint cells, const uint layers, __global const uint *sizes,
                                   const uint total_units, const uint weight_count,
                                   __global const real *weights, __global const real *inputs,
                                   __global const real *output_gradient, __global real *partials,
                                   __global real *input_gradient, const int write_input_gradient,
                                   const int activation, const real slope,
                                   __local real *scratch) {
    const uint lid = get_local_id(0), group_size = get_local_size(0);
    const uint group = get_group_id(0), groups = get_num_groups(0);
    const uint tiles = (cells + group_size - 1) / group_size;
    const uint stride = 2 * total_units;
    const uint n_in = sizes[0], n_out = sizes[layers];
    __local real *a = scratch + (size_t)lid * stride;
    __local real *delta = a + total_units;
    __global real *partial = partials + (size_t)group * weight_count;

    for (uint tile = group; tile < tiles; tile += groups) {
        const uint first = tile * group_size;
        const uint in_tile = min(group_size, cells - first);
        if (lid < in_tile) {
            const uint cell = first + lid;
            // Forward, keeping every layer's activations.
            for (uint i = 0; i < n_in; ++i) a[i] = inputs[(size_t)cell * n_in + i];
            size_t offset = 0;
            uint unit = 0;  // first unit of layer l's inputs
            for (uint l = 0; l < layers; ++l) {
                const uint n = sizes[l], m = sizes[l + 1];
                __global const real *matrix = weights + offset;
                __global const real *bias = matrix + (size_t)m * n;
                const bool hidden = l + 1 < layers;
                for (uint j = 0; j < m; ++j) {
                    real z = bias[j];
                    for (uint i = 0; i < n; ++i) z += matrix[(size_t)j * n + i] * a[unit + i];
                    a[unit + n + j] = hidden ? mlp_activate(z, activation, slope) : z;
                }
                offset += (size_t)m * (n + 1);
                unit += n;
            }
            // The output layer is the identity: its deltas are dL/d(outputs).
            for (uint j = 0; j < n_out; ++j) delta[unit + j] = output_gradient[(size_t)cell * n_out + j];
            // Deltas layer by layer, backwards: delta_in_i = f'(a_i) sum_j W_ji delta_out_j.
            for (uint l = layers; l-- > 0;) {
                const uint n = sizes[l], m = sizes[l + 1];
                offset -= (size_t)m * (n + 1);
                const uint unit_in = unit - n;
                if (l == 0 && !write_input_gradient) break;
                __global const real *matrix = weights + offset;
                for (uint i = 0; i < n; ++i) {
                    real s = (real)0;
                    for (uint j = 0; j < m; ++j) s += matrix[(size_t)j * n + i] * delta[unit + j];
                    delta[unit_in + i] = l > 0 ? s * mlp_derivative(a[unit_in + i], activation, slope) : s;
                }
                unit = unit_in;
            }
            if (write_input_gradient) {
                for (uint i = 0; i < n_in; ++i) input_gradient[(size_t)cell * n_in + i] = delta[i];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        // Each work-item sums its share of the weights over the tile's cells, in cell order.
        size_t offset = 0;
        uint unit = 0;
        for (uint l = 0; l < layers; ++l) {
            const uint n = sizes[l], m = sizes[l + 1];
            const uint count = m * (n + 1);
            for (uint k = lid; k < count; k += group_size) {
                real s = (real)0;
                if (k < m * n) {
                    const uint j = k / n, i = k - j * n;
                    for (uint c = 0; c < in_tile; ++c) s += scratch[(size_t)c * stride + total_units + unit + n + j] * scratch[(size_t)c * stride + unit + i];
                } else {
                    const uint j = k - m * n;
                    for (uint c = 0; c < in_tile; ++c) s += scratch[(size_t)c * stride + total_units + unit + n + j];
                }
                partial[offset + k] = tile == group ? s : partial[offset + k] + s;
            }
            offset += count;
            unit += n;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

// Stage 2: gradient[k] = sum over groups of partials[g][k], in group order.
__kernel void mlp_sum_partials(const uint groups, const uint weight_count,
                               __global const real *partials, __global real *gradient) {
    const uint k = get_global_id(0);
    if (k >= weight_count) return;
    real s = (real)0;
    for (uint g = 0; g < groups; ++g) s += partials[(size_t)g * weight_count + k];
    gradient[k] = s;
}
