// Types and smooth building blocks shared by the implicit solver's process operators
// (kernels/processes/*.h, the ihbv_<process>_* functions) and its kernel
// (docs/IMPLICIT-SOLVER.md 2-3). The same as Sources/ReferenceBackend/ImplicitHBVFluxes.swift.
//
// Everything is per step: the parameter rates arrive multiplied by the step length h (the
// parameter load, hbv_rates.h), forcing is mm per step, and the fixed drainage rate kappa is
// multiplied by h.
#include "common.h"
#include "hbv_model.h"

#pragma OPENCL FP_CONTRACT OFF

#define IHBV_RAMP_WIDTH ((real)0.1)
#define IHBV_LIMITER_WIDTH ((real)0.1)
#define IHBV_DRAINAGE_RATE ((real)4)

// Position of d f_row / d S_column in a row-major storage Jacobian.
#define IHBV_AT(row, column) ((row) * HBV_STORAGE_COUNT + (column))

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

// Every flux of one unit at one state with its partial derivatives; each process operator
// fills its own fields (later ones read the fluxes earlier ones produced).
typedef struct {
    // What every operator reads: storages, forcing (mm per step), kappa h, the ET option.
    real S[HBV_STORAGE_COUNT];
    real precipitation, temperature, pet, kappa;
    int uses_et_exponent;
    int options;   // the kernels' options: HBV_ACTIVE_<process> bits (IHBV_EVALUATE_<process>)
    // Snow.
    real rain, snow, melt, refr, tosoil;
    real pos_melt, pos_cold, lim_sp, lim_mw;
    real dmelt_dsp, drefr_dmw, water_slope, dtosoil_dmw, dtosoil_dsp;
    // Recharge.
    real recharge, excess, s, wet, dwet_dsm, inflow, excess_slope, dexcess_dsm;
    int soil_inside;
    // Evapotranspiration.
    real et, beta_et, lim_sm, x, ef, det_dsm;
    int et_inside;
    // Capillary rise.
    real cap, dcap_dsm, dcap_dslz;
    // Upper and lower zones.
    real percolation, q0, q1, q2, lim_suz, dperc_dsuz, q0_ramp, q0_slope, dq0_dsuz;
    // Groundwater exchange into the lower zone (processes/groundwater_exchange.h).
    real exchange, gx_power, dexchange_dslz;
    // Glacier ice melt from the ice store to the upper zone (processes/glacier.h).
    real ice_warm, ice_base, ice_melt, dice_melt_dsp, dice_melt_dice;
    real degree_day;   // the snow's degree-day factor (per step), handed to the glacier
    // Runoff (mm per step): the sum of the runoff fluxes the operators add; the runoff the unit
    // delivers after the runoff exchange (the output), its slope by the runoff and the water the
    // exchange adds (processes/runoff_exchange.h, or its null operator).
    real runoff, delivered, delivered_slope, runoff_exchange;
} ihbv_fluxes;

// mu^T d(h f)/d(flux) of fluxes one process hands another (added by the consumer in the
// reverse process order, read by the producer).
typedef struct {
    real tosoil;
    real degree_day;   // the glacier's weight of the snow's degree-day factor
    real delivered;    // dL/d(delivered runoff), the runoff exchange's weight
} ihbv_flux_adjoint;
