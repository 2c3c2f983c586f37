// One step of δHBV's sequential (explicit, operator-split) HBV model and its exact adjoint,
// for HYDRO_VW units at a time. MODEL.md 3.1 and shared/reference/hydrodl2-hbv/README.md.
//
// Each process's step and reverse are written once, in kernels/processes/<process>.h;
// hbv_step_trace() composes the steps in model/hbv.table's order and hbv_step_adjoint() the
// reverses in the opposite order. The forward kernel and the adjoint's recomputation both call
// hbv_step_trace(), so the branches the adjoint differentiates are the branches the forward run
// took, bit for bit (FP_CONTRACT is off in hbv_vector.h).
//
// Derivative conventions (torch 2.x, which δHBV's gradients come from):
//   max(x, c)  (torch.clamp(min=c)):  gradient to x only where x > c strictly;
//   clamp(x, 0, 1):                    gradient only where 0 < x < 1 strictly;
//   min(a, b)  (torch.min):            to the smaller one; at a tie 1/2 to each;
//   min(SM/FC, 1) in the capillary rise is δHBV's clamp(max=1): gradient only where SM/FC < 1;
//   the rain/snow split T >= TT:       a step, zero gradient.
// Rates per day (model/hbv.table) arrive per step: the kernels' parameter load scales them and
// the gradient store scales their gradients back (kernels/hbv_rates.h).
#include "hbv_sequential_types.h"
// Generated from the table: #include "processes/<process>.h" for every process.
#include "hbv_process_operators.h"

// One step from storages `s`: every process operator in model/hbv.table's order
// (HBV_PROCESSES) whose bit HBV_ACTIVE_<process> is set in `options` (bit 0: the ET exponent);
// fills `r`, whose `end` holds the new storages. A process that is off (processes switched by
// presence: ActiveProcesses on the host) is not applied, or its null operator is applied in its
// place (HBV_ABSENT_FORWARD_<process>, from the table's `absent` column); a uniform branch.
// The two power laws are the step's costly part (about 80 % of the forward kernel on a CPU):
// with `known_powers` the adjoint passes the values this step's forward evaluation stored
// (`wpow_known` = (SM/FC)^BETA, `epow_known` = the ET factor before its clamp) instead of
// evaluating them again; everything else is recomputed.
inline void hbv_step_trace(const hbv_states *s, const hbv_params *q, const hbv_forcing *f,
                           real dt, real near_zero, int options,
                           int known_powers, realv wpow_known, realv epow_known, hbv_trace *r) {
    const hbv_step_inputs x = { *f, dt, near_zero, options & 1, known_powers, wpow_known, epow_known,
                               (options & HBV_OPTION_ICE_LIMITED) != 0 };
    hbv_states state = *s;
    r->exchange = (realv)(0);
    r->runoff_exchange = (realv)(0);
    r->ice_melt = (realv)(0);
    r->degree_day = (realv)(0);
#define FORWARD(name) if (options & HBV_ACTIVE_##name) hbv_##name##_forward(&state, q, &x, r); \
                      else { HBV_ABSENT_FORWARD_##name(&state, q, &x, r) }
    HBV_PROCESSES(FORWARD)
#undef FORWARD
    r->end = state;
}

// The storages at the end of a traced step.
inline hbv_states hbv_end_states(const hbv_trace *r) { return r->end; }

// Reverse of one step from storages `s` and the step's stored power laws (see hbv_step_trace):
// every process's reverse in the opposite order. On entry `a` holds dL/d(end storages); on
// exit dL/d(start storages). `a_runoff` is dL/d(delivered runoff of this step); parameter
// gradients are added to `g`.
inline void hbv_step_adjoint(const hbv_states *s, realv wpow, realv epow, const hbv_params *q,
                             const hbv_forcing *f, real dt, real near_zero, int options,
                             realv a_runoff, hbv_states *a, hbv_params *g) {
    hbv_trace r;
    hbv_step_trace(s, q, f, dt, near_zero, options, 1, wpow, epow, &r);
    const hbv_step_inputs x = { *f, dt, near_zero, options & 1, 1, wpow, epow, (options & HBV_OPTION_ICE_LIMITED) != 0 };
    const realv zero = (realv)(0);
    hbv_flux_adjoint af = { zero, zero, zero, zero, zero, zero, zero, zero, a_runoff };
#define REVERSE(name) if (options & HBV_ACTIVE_##name) hbv_##name##_reverse(&r, q, &x, a, &af, g); \
                      else { HBV_ABSENT_REVERSE_##name(&r, q, &x, a, &af, g) }
    HBV_PROCESSES_REVERSED(REVERSE)
#undef REVERSE
}
