// The one rate convention of the runoff kernels (model/hbv.table's `rate` column), applied in
// one place: the parameter load multiplies every rate per day by the step length dt, so every
// process operator of both solvers sees per-step values; the adjoints compute gradients with
// respect to those per-step values and the gradient store multiplies them by dt again
// (d/d rate = dt d/d per-step value). Sources/ReferenceBackend/PackedParameters.swift does
// the same for the reference backend.
#include "common.h"
#include "hbv_model.h"

// dt for a rate per day (HBV_RATE_PARAMETERS), 1 for any other parameter of index i.
inline real hbv_step_factor(int i, real dt) {
#define IS_RATE(j, name) || i == j
    return (0 HBV_RATE_PARAMETERS(IS_RATE)) ? dt : (real)1;
#undef IS_RATE
}
