// Build-time specialisation of the sequential runoff program to one problem's processes and
// parameters (Sources/OpenCLBackend/RunoffKernels.swift passes the defines; the program cache
// keeps one build per define set). Without the defines the program serves any problem, with
// the runtime `options` argument and every parameter loaded.
//
//   -DHBV_BUILD_OPTIONS=N        the kernels' `options` word (bit 0 the ET exponent,
//                                HBV_ACTIVE_<process>, HBV_OPTION_ICE_LIMITED) as a constant:
//                                the kernels ignore their `options` argument, and every branch
//                                on a process that is off folds away with the process's code.
//   -DHBV_GIVEN_PARAMETERS=Mul   bit i set for parameter i the problem gives. An absent one is
//                                its table value HBV_ABSENT_VALUE_<name> (hbv_model.h), a
//                                constant: no load, no gradient register, no gradient store.
//
// Why: the glacier's three parameters and ice store made every problem's reverse sweep carry
// 22 parameter gradients and 6 storages where most need 19 and 5 (BENCHMARKS.md, "The
// glacier's cost to every case"). Constant folding is exact (x * 1 is x; FP_CONTRACT stays
// off), so the arithmetic of the processes that are on, and their results, are unchanged.
#include "hbv_model.h"

#ifdef HBV_BUILD_OPTIONS
#define HBV_KERNEL_OPTIONS(runtime_options) (HBV_BUILD_OPTIONS)
#else
#define HBV_KERNEL_OPTIONS(runtime_options) (runtime_options)
#endif

#ifndef HBV_GIVEN_PARAMETERS
#define HBV_GIVEN_PARAMETERS (~0ul)
#endif
#if HBV_PARAMETER_COUNT > 64
#error "HBV_GIVEN_PARAMETERS holds at most 64 parameters"
#endif
// 1 if the problem gives parameter i (a compile-time constant).
#define HBV_PARAMETER_GIVEN(i) ((((ulong)(HBV_GIVEN_PARAMETERS)) >> (i)) & 1ul)
