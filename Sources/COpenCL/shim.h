// OpenCL 1.2 is the level every vendor's driver and PoCL share; defining it before the
// include selects that API surface and silences the deprecation warnings of later headers.
#ifndef HYDROGPU_COPENCL_SHIM_H
#define HYDROGPU_COPENCL_SHIM_H
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#endif
