// The netCDF-C API (classic and netCDF-4 files). Only <netcdf.h> is needed: HydroGPU reads and
// writes CF files through the nc_* calls and never touches HDF5 directly.
#ifndef HYDROGPU_CNETCDF_SHIM_H
#define HYDROGPU_CNETCDF_SHIM_H
#include <netcdf.h>
#include <netcdf_mem.h>
#endif
