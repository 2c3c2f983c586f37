import Foundation
import HydroDomain
import HydroModel

/// Writers for model results. Every file is written to a temporary name and renamed into
/// place, so a reader never sees half a file.
public enum CaseOutputs {
    /// Discharge at gauges as CSV: `date,<gauge>,...`, one row per step labelled by the step's
    /// end (as the smash-style inputs are), m³/s, empty where NaN.
    public static func writeDischargeCSV(gauges: [String], time: TimeAxis, discharge: [[Double]], to url: URL) throws(InputError) {
        try checkShape(gauges, time, discharge, url)
        var text = "date," + gauges.joined(separator: ",") + "\n"
        for t in 0..<time.count {
            text += time.stepEnd(t).description
            for g in discharge.indices {
                let v = discharge[g][t]
                text += v.isNaN ? "," : ",\(v)"
            }
            text += "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// Discharge at gauges as a CF-1.8 time series (`featureType: timeSeries`): dimensions
    /// `time` and `station`, `discharge(time, station)` in m3 s-1, `station_id` names, and
    /// time as seconds since the first step's start with bounds (values labelled by step end).
    public static func writeDischargeNetCDF(gauges: [String], time: TimeAxis, discharge: [[Double]], to url: URL,
                                            title: String = "HydroGPU simulated discharge") throws(InputError) {
        try checkShape(gauges, time, discharge, url)
        let w = try NetCDFWriter(url)
        let length = max(1, gauges.map(\.utf8.count).max() ?? 1)
        try w.defineDimension("time", length: time.count)
        try w.defineDimension("station", length: gauges.count)
        try w.defineDimension("name_strlen", length: length)
        try w.defineDimension("nv", length: 2)
        try defineTime(w, time)
        try w.defineVariable("station_id", type: .char, dimensions: ["station", "name_strlen"])
        try w.setAttribute("cf_role", "timeseries_id", on: "station_id")
        try w.setAttribute("long_name", "gauge identifier", on: "station_id")
        try w.defineVariable("discharge", type: .double, dimensions: ["time", "station"])
        try w.setAttribute("units", "m3 s-1", on: "discharge")
        try w.setAttribute("standard_name", "water_volume_transport_in_river_channel", on: "discharge")
        try w.setAttribute("long_name", "simulated discharge at the gauge, mean over the step", on: "discharge")
        try w.setAttribute("_FillValue", [-9999], on: "discharge")
        try w.setAttribute("Conventions", "CF-1.8")
        try w.setAttribute("featureType", "timeSeries")
        try w.setAttribute("title", title)
        try w.setAttribute("source", "HydroGPU \(HydroGPUVersion.string)")
        try writeTime(w, time)
        try w.writeText("station_id", gauges, length: length)
        var values = [Double](repeating: 0, count: time.count * gauges.count)
        for t in 0..<time.count {
            for g in gauges.indices { values[t * gauges.count + g] = discharge[g][t].isNaN ? -9999 : discharge[g][t] }
        }
        try w.write("discharge", values)
        try w.finish()
    }

    /// State or flux fields on the grid as CF-NetCDF: `name(time, y, x)` for each field, float,
    /// with cell-centre coordinates, NaN-free (`_FillValue` -9999 off the active cells and where
    /// a value is NaN). Each field's `values` are `[steps][active cells]`.
    public static func writeFields(_ fields: [OutputField], grid: CaseGrid, time: TimeAxis, to url: URL) throws(InputError) {
        let w = try NetCDFWriter(url)
        try w.defineDimension("time", length: time.count)
        try w.defineDimension("y", length: grid.rows)
        try w.defineDimension("x", length: grid.columns)
        try w.defineDimension("nv", length: 2)
        try defineTime(w, time)
        try defineGrid(w, grid.geometry)
        for f in fields {
            guard f.values.count == time.count * grid.cellCount else {
                throw InputError(file: url.path, place: "field '\(f.name)'", message: "\(f.values.count) values, expected \(time.count) steps x \(grid.cellCount) cells")
            }
            try w.defineVariable(f.name, type: .float, dimensions: ["time", "y", "x"])
            try w.setAttribute("units", f.units, on: f.name)
            try w.setAttribute("long_name", f.longName, on: f.name)
            try w.setAttribute("_FillValue", [-9999], type: .float, on: f.name)
        }
        try w.setAttribute("Conventions", "CF-1.8")
        try w.setAttribute("source", "HydroGPU \(HydroGPUVersion.string)")
        try writeTime(w, time)
        try writeGrid(w, grid.geometry, rows: grid.rows, columns: grid.columns)
        let perStep = grid.rows * grid.columns
        for f in fields {
            var values = [Double](repeating: -9999, count: time.count * perStep)
            for t in 0..<time.count {
                for (c, flat) in grid.activeCells.enumerated() {
                    let v = f.values[t * grid.cellCount + c]
                    values[t * perStep + flat] = v.isNaN ? -9999 : v
                }
            }
            try w.write(f.name, values)
        }
        try w.finish()
    }

    /// Parameter maps: one GeoTIFF per map (`<folder>/<name>.tif`) and all of them in one
    /// NetCDF (`<folder>/parameters.nc`, variables `name(y, x)`). Cells without data get -9999.
    public static func writeParameterMaps(_ maps: [(name: String, raster: Raster<Double>)], folder: URL) throws(InputError) {
        guard let first = maps.first else { return }
        for m in maps { try GDALRaster.writeGeoTIFF(m.raster, to: folder.appending(path: "\(m.name).tif")) }
        let url = folder.appending(path: "parameters.nc")
        let w = try NetCDFWriter(url)
        try w.defineDimension("y", length: first.raster.rows)
        try w.defineDimension("x", length: first.raster.columns)
        try defineGrid(w, first.raster.geometry)
        for m in maps {
            guard m.raster.rows == first.raster.rows, m.raster.columns == first.raster.columns else {
                throw InputError(file: url.path, place: "map '\(m.name)'", message: "is \(m.raster.rows) x \(m.raster.columns), the first map \(first.raster.rows) x \(first.raster.columns)")
            }
            try w.defineVariable(m.name, type: .double, dimensions: ["y", "x"])
            try w.setAttribute("_FillValue", [-9999], on: m.name)
        }
        try w.setAttribute("Conventions", "CF-1.8")
        try writeGrid(w, first.raster.geometry, rows: first.raster.rows, columns: first.raster.columns)
        for m in maps {
            try w.write(m.name, zip(m.raster.values, m.raster.hasData).map { $1 && !$0.isNaN ? $0 : -9999 })
        }
        try w.finish()
    }

    /// Simulated discharge at the case's gauges (`discharge[gauge][step]`, m³/s, gauges in
    /// config order) as `discharge.csv` and `discharge.nc` in the case's output folder.
    public static func writeGaugeDischarge(_ hydroCase: HydroCase, discharge: [[Double]]) throws(InputError) {
        let folder = hydroCase.config.output.folder
        let ids = hydroCase.gauges.map(\.id)
        try writeDischargeCSV(gauges: ids, time: hydroCase.time, discharge: discharge, to: folder.appending(path: "discharge.csv"))
        try writeDischargeNetCDF(gauges: ids, time: hydroCase.time, discharge: discharge, to: folder.appending(path: "discharge.nc"),
                                 title: "HydroGPU simulated discharge, case \(hydroCase.config.name)")
    }

    // MARK: Shared pieces

    static func checkShape(_ gauges: [String], _ time: TimeAxis, _ discharge: [[Double]], _ url: URL) throws(InputError) {
        guard discharge.count == gauges.count, discharge.allSatisfy({ $0.count == time.count }) else {
            throw InputError(file: url.path, message: "discharge must be \(gauges.count) gauges x \(time.count) steps")
        }
    }

    package static func defineTime(_ w: NetCDFWriter, _ time: TimeAxis) throws(InputError) {
        try w.defineVariable("time", type: .double, dimensions: ["time"])
        try w.setAttribute("units", "seconds since \(time.start.description):00", on: "time")
        try w.setAttribute("calendar", time.calendar.rawValue, on: "time")
        try w.setAttribute("standard_name", "time", on: "time")
        try w.setAttribute("bounds", "time_bnds", on: "time")
        try w.setAttribute("comment", "value i covers (time_bnds[i,0], time_bnds[i,1]] and is labelled by its end", on: "time")
        try w.defineVariable("time_bnds", type: .double, dimensions: ["time", "nv"])
    }

    package static func writeTime(_ w: NetCDFWriter, _ time: TimeAxis) throws(InputError) {
        let step = Double(time.stepSeconds)
        try w.write("time", (0..<time.count).map { Double($0 + 1) * step })
        try w.write("time_bnds", (0..<time.count).flatMap { [Double($0) * step, Double($0 + 1) * step] })
    }

    package static func defineGrid(_ w: NetCDFWriter, _ g: GridGeometry) throws(InputError) {
        try w.defineVariable("y", type: .double, dimensions: ["y"])
        try w.defineVariable("x", type: .double, dimensions: ["x"])
        let units = g.isGeographic ? ("degrees_north", "degrees_east") : ("m", "m")
        try w.setAttribute("units", units.0, on: "y")
        try w.setAttribute("units", units.1, on: "x")
        try w.setAttribute("standard_name", g.isGeographic ? "latitude" : "projection_y_coordinate", on: "y")
        try w.setAttribute("standard_name", g.isGeographic ? "longitude" : "projection_x_coordinate", on: "x")
        if let crs = g.crs { try w.setAttribute("crs", crs) }
    }

    package static func writeGrid(_ w: NetCDFWriter, _ g: GridGeometry, rows: Int, columns: Int) throws(InputError) {
        // Rows north first, as the rasters are.
        try w.write("y", (0..<rows).map { g.center(row: $0, column: 0, rows: rows).y })
        try w.write("x", (0..<columns).map { g.center(row: 0, column: $0, rows: rows).x })
    }
}

/// A state or flux field to write: `[steps][active cells]`.
public struct OutputField: Sendable {
    public var name: String
    public var units: String
    public var longName: String
    public var values: [Double]

    public init(name: String, units: String, longName: String, values: [Double]) {
        self.name = name
        self.units = units
        self.longName = longName
        self.values = values
    }
}
