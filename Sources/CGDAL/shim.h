// GDAL's C API for rasters (GeoTIFF, ESRI ASCII, ...) and the OGR spatial-reference calls that
// tell whether a CRS is geographic and give its EPSG code.
#ifndef HYDROGPU_CGDAL_SHIM_H
#define HYDROGPU_CGDAL_SHIM_H
#include <gdal.h>
#include <cpl_error.h>
#include <cpl_conv.h>
#include <cpl_string.h>
#include <ogr_srs_api.h>
#endif
