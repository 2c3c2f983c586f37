// Types shared by the sequential solver's process operators (kernels/processes/*.h) and its
// kernels: parameters and storages in model/hbv.table's order (hbv_model.h, generated from the
// table), forcing, the step trace and the flux adjoints.
#include "hbv_vector.h"
#include "hbv_model.h"

typedef struct {
#define FIELD(i, name) realv name;
    HBV_PARAMETERS(FIELD)
#undef FIELD
} hbv_params;

typedef struct {
#define FIELD(i, name) realv name;
    HBV_STORAGES(FIELD)
#undef FIELD
} hbv_states;

typedef struct {
    realv precip, temp, pet;
} hbv_forcing;

// Every intermediate of one step, named as in MODEL.md 3.1, the fluxes among them; each
// process writes its own fields and its reverse reads them.
typedef struct {
    realv rain, snowfall, sp1, mpot, mpos, melt, mw1, rpot, rpos, refr, sp3, mw2, tpot, tosoil, mw3;
    realv wratio, wpow, wet, recharge, sm1, epot, excess;
    realv sm2, eratio, epow, ef, etpot, et, sm3pre, sm3;
    realv slz0, cratio, cmin, cpot, cap;
    realv suz1, percolation, suz2, qpot, qpos, q0, suz3, q1, slz2, q2;
    realv gx_store, gx_power, gx_pot;
    realv g_bare, g_tmtt, g_pot, g_ice, ice_melt;
    // The snow's degree-day factor (per step), handed to the glacier; 0 without snow.
    realv degree_day;
    // The runoff the unit generates, (Q0 + Q1) + Q2, and the runoff it delivers to the channels
    // after the runoff exchange (the output; processes/runoff_exchange.h or its null operator).
    realv runoff, delivered;
    // Water the groundwater exchange added to (> 0) or took from (< 0) the lower zone across
    // the unit's boundary, and the runoff exchange's delivered - runoff; 0 unless those processes
    // set them. The water balance counts both.
    realv exchange, runoff_exchange;
    hbv_states end;   // the storages after the step
} hbv_trace;

// dL/d(fluxes one process hands another): the output's adjoint on the delivered runoff to start
// with; a process adds the adjoints of the fluxes it consumed, which the producing process then
// reads (the runoff exchange hands the delivered runoff's on to Q0, Q1 and Q2).
typedef struct {
    realv tosoil, recharge, excess, percolation, q0, q1, q2;
    realv degree_day;   // the glacier's weight of the snow's degree-day factor
    realv delivered;
} hbv_flux_adjoint;

// The runoff the unit generates: Q0 + Q1 + Q2, summed left to right as δHBV does.
inline realv hbv_generated_runoff(const hbv_trace *r) { return (r->q0 + r->q1) + r->q2; }

// What every process operator of one step sees besides storages and parameters.
typedef struct {
    hbv_forcing f;
    real dt, near_zero;
    int et_exponent;
    // With known_powers the adjoint passes the power laws this step's forward evaluation
    // stored (wpow_known = (SM/FC)^BETA, epow_known = the ET factor before its clamp).
    int known_powers;
    realv wpow_known, epow_known;
    // The ice store limits the glacier's ice melt (HBV_OPTION_ICE_LIMITED).
    int ice_limited;
} hbv_step_inputs;

// Weight of `a` in d min(a, b): 1 if a < b, 1/2 at a tie, 0 otherwise (b gets 1 - that).
inline realv min_weight(realv a, realv b) {
    return IF(a < b, (realv)(1), IF(a == b, (realv)(0.5f), (realv)(0)));
}

