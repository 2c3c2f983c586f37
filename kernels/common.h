// Helpers shared by every HydroGPU kernel program (inlined by the embedder).
//
// HYDRO_REAL is the storage and arithmetic type of model values (float unless the program
// is built with -DHYDRO_REAL=double on a device with cl_khr_fp64).
#ifndef HYDRO_REAL
#define HYDRO_REAL float
#endif
typedef HYDRO_REAL real;

// Index of a time-major array [time][cell].
inline size_t tm_index(uint t, uint cell, uint cells) { return (size_t)t * cells + cell; }
