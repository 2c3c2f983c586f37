#include "common.h"

// y[i] = a * x[i] + y[i] for i < n. The global size may be rounded up to a multiple of the
// work-group size (OpenCL 1.2), hence the bounds check.
__kernel void axpy(const uint n, const float a, __global const float *x, __global float *y) {
    const uint i = get_global_id(0);
    if (i < n) y[i] = a * x[i] + y[i];
}

// out[i] = scale[i] * x[i] for i < n.
__kernel void scale_elementwise(const uint n, __global const float *scale,
                                __global const float *x, __global float *out) {
    const uint i = get_global_id(0);
    if (i < n) out[i] = scale[i] * x[i];
}
