// Vector width of the HBV runoff kernels: HYDRO_VW units (HBV columns) per work-item.
//
// A CPU OpenCL compiler (PoCL) does not vectorise a work-item that loops over time, so on CPUs
// each work-item advances HYDRO_VW neighbouring units as one floatN (8 on AVX2); on GPUs the
// width is 1 and the hardware runs neighbouring work-items together. One source serves both:
// branches are lane-wise `IF(cond, then, else)` (select() for vectors, ?: for scalars).
//
// Unit arrays are dense `[..][units]` with no padding: a work-item whose lanes run past the
// last unit (units not a multiple of HYDRO_VW) reads the last unit again in those lanes and
// never stores them.
#include "common.h"

#pragma OPENCL FP_CONTRACT OFF

#ifndef HYDRO_VW
#define HYDRO_VW 1
#endif

#define HYDRO_CAT_(a, b) a##b
#define HYDRO_CAT(a, b) HYDRO_CAT_(a, b)

#if HYDRO_VW == 1
typedef real realv;
#define IF(cond, then_value, else_value) ((cond) ? (then_value) : (else_value))
#elif HYDRO_VW == 2 || HYDRO_VW == 4 || HYDRO_VW == 8 || HYDRO_VW == 16
typedef HYDRO_CAT(HYDRO_REAL, HYDRO_VW) realv;
#define VLOAD(p) HYDRO_CAT(vload, HYDRO_VW)(0, (p))
#define VSTORE(v, p) HYDRO_CAT(vstore, HYDRO_VW)((v), 0, (p))
#define IF(cond, then_value, else_value) select((else_value), (then_value), (cond))
#else
#error "HYDRO_VW must be 1, 2, 4, 8 or 16"
#endif

// Lane-wise 1 where `cond`, else 0.
#define ONE_IF(cond) IF((cond), (realv)(1), (realv)(0))

// The HYDRO_VW units from u0 of a dense row of `units` values.
inline realv load_units(__global const real *row, uint u0, uint units) {
#if HYDRO_VW == 1
    return row[u0];
#else
    if (u0 + HYDRO_VW <= units) return VLOAD(row + u0);
    real lanes[HYDRO_VW];
    for (uint i = 0; i < HYDRO_VW; ++i) lanes[i] = row[min(u0 + i, units - 1)];
    return VLOAD(lanes);
#endif
}

// Stores the lanes of `v` that are real units (u < units).
inline void store_units(realv v, __global real *row, uint u0, uint units) {
#if HYDRO_VW == 1
    row[u0] = v;
#else
    if (u0 + HYDRO_VW <= units) { VSTORE(v, row + u0); return; }
    real lanes[HYDRO_VW];
    VSTORE(v, lanes);
    for (uint i = 0; u0 + i < units; ++i) row[u0 + i] = lanes[i];
#endif
}

// row[u] += v for the real units among the lanes (a work-item owns its units: no atomics).
inline void accumulate_units(realv v, __global real *row, uint u0, uint units) {
    store_units(load_units(row, u0, units) + v, row, u0, units);
}

// Per-cell values (forcing, runoff adjoint) seen by units u0.. of `nmul` components per cell:
// unit u belongs to cell u / nmul.
inline realv load_cells_of_units(__global const real *cell_row, uint u0, uint units, uint nmul) {
    if (nmul == 1) return load_units(cell_row, u0, units);
#if HYDRO_VW == 1
    return cell_row[u0 / nmul];
#else
    real lanes[HYDRO_VW];
    for (uint i = 0; i < HYDRO_VW; ++i) lanes[i] = cell_row[min(u0 + i, units - 1) / nmul];
    return VLOAD(lanes);
#endif
}
