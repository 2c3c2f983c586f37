import Foundation
import HydroDomain
import HydroIO
import HydroModel

/// Writes a `SyntheticCatchment` as a case the io loader reads (`hydrogpu validate`):
///
///     case.yaml              the case config (paths relative to it)
///     dem.asc flwdir.asc mask.asc
///     descriptors/<name>.asc elevation, slope, soil_index
///     forcing.nc             CF-NetCDF prcp, tas, pet (time, y, x), daily, with time bounds
///     discharge.csv          true discharge per gauge, labelled by step end
///     true_parameters/<NAME>.asc  the true physical parameter maps
///
/// Every file is a pure function of the catchment, so the same seed writes identical bytes.
public enum SyntheticCaseWriter {
    public static func write(_ catchment: SyntheticCatchment, to folder: URL, name: String = "synthetic") throws {
        let fm = FileManager.default
        for sub in ["", "descriptors", "true_parameters"] {
            try fm.createDirectory(at: folder.appending(path: sub), withIntermediateDirectories: true)
        }
        let n = catchment.cellCount
        let net = catchment.network
        try EsriAsciiGrid.write(net.raster((0..<n).map { catchment.terrain.elevation[Int(net.rasterIndex[$0])] }), to: folder.appending(path: "dem.asc"))
        try EsriAsciiGrid.write(net.raster(net.direction.map { Double($0.rawValue) }), to: folder.appending(path: "flwdir.asc"))
        try EsriAsciiGrid.write(net.raster([Double](repeating: 1, count: n)), to: folder.appending(path: "mask.asc"))
        let width = SyntheticCatchment.descriptorNames.count
        for (k, descriptor) in SyntheticCatchment.descriptorNames.enumerated() {
            let values = (0..<n).map { catchment.descriptors[$0 * width + k] }
            try EsriAsciiGrid.write(net.raster(values), to: folder.appending(path: "descriptors/\(descriptor).asc"))
        }
        let glacier = catchment.options.glacier ? HBVParameter.allCases.filter { $0.process == .glacier } : []
        for p in HBVParameter.onByDefault + glacier {
            try EsriAsciiGrid.write(net.raster(catchment.trueParameters[p]!), to: folder.appending(path: "true_parameters/\(p.name).asc"))
        }
        if catchment.options.glacier {
            try EsriAsciiGrid.write(net.raster(catchment.trueParameters[.gfrac]!), to: folder.appending(path: "glacier_fraction.asc"))
        }
        try writeForcing(catchment, to: folder.appending(path: "forcing.nc"))
        try CaseOutputs.writeDischargeCSV(gauges: catchment.gauges.map(\.id), time: catchment.time, discharge: catchment.discharge,
                                          to: folder.appending(path: "discharge.csv"))
        try AtomicFile.write(Data(config(catchment, name: name).utf8), to: folder.appending(path: "case.yaml"))
    }

    /// Forcing as CF-NetCDF: `prcp`, `pet` in mm per day (kg m-2), `tas` in degC, rows north first.
    static func writeForcing(_ catchment: SyntheticCatchment, to url: URL) throws(InputError) {
        let rows = catchment.options.rows, columns = catchment.options.columns, steps = catchment.options.days
        let w = try NetCDFWriter(url)
        try w.defineDimension("time", length: steps)
        try w.defineDimension("y", length: rows)
        try w.defineDimension("x", length: columns)
        try w.defineDimension("nv", length: 2)
        try CaseOutputs.defineTime(w, catchment.time)
        try CaseOutputs.defineGrid(w, catchment.geometry)
        let variables = [("prcp", "kg m-2", "precipitation_amount", "precipitation over the day"),
                         ("tas", "degC", "air_temperature", "mean air temperature of the day"),
                         ("pet", "kg m-2", "water_potential_evaporation_amount", "potential evapotranspiration over the day")]
        for (name, units, standard, long) in variables {
            try w.defineVariable(name, type: .double, dimensions: ["time", "y", "x"])
            try w.setAttribute("units", units, on: name)
            try w.setAttribute("standard_name", standard, on: name)
            try w.setAttribute("long_name", long, on: name)
        }
        try w.setAttribute("Conventions", "CF-1.8")
        try w.setAttribute("title", "HydroGPU synthetic catchment, seed \(catchment.options.seed)")
        try CaseOutputs.writeTime(w, catchment.time)
        try CaseOutputs.writeGrid(w, catchment.geometry, rows: rows, columns: columns)
        let f = catchment.forcing
        // Every cell is active and cells are row-major raster cells: the arrays are already (time, y, x).
        try w.write("prcp", f.precipitation)
        try w.write("tas", f.temperature)
        try w.write("pet", f.pet)
        try w.finish()
    }

    /// The case YAML.
    static func config(_ catchment: SyntheticCatchment, name: String) -> String {
        let o = catchment.options
        let time = catchment.time
        let warmupEnd = time.stepEnd(min(o.days, 365) / 3)
        var text = """
        # Synthetic catchment written by `hydrogpu synth --rows \(o.rows) --cols \(o.columns) --days \(o.days) --gauges \(o.gauges) --seed \(o.seed)\(o.glacier ? " --glacier" : "")`.
        # True parameter maps: true_parameters/*.asc (truth: \(o.truth.rawValue)); routing velocity \(o.velocity) m/s.
        name: \(name)
        domain:
          flow_direction: flwdir.asc
          encoding: esri
          mask: mask.asc
          dem: dem.asc
          descriptors:

        """
        for d in SyntheticCatchment.descriptorNames { text += "    \(d): descriptors/\(d).asc\n" }
        text += """
        time:
          step: 1d
          start: \(time.start)
          end: \(time.stepEnd(o.days - 1))
        periods:
          warmup: [\(time.start), \(warmupEnd)]
          calibration: [\(warmupEnd), \(time.stepEnd(o.days - 1))]
        forcing:
          precipitation: {file: forcing.nc, variable: prcp}
          temperature: {file: forcing.nc, variable: tas}
          pet: {file: forcing.nc, variable: pet}
        gauges:

        """
        for g in catchment.gauges {
            text += "  - {id: \(g.id), row: \(g.row), col: \(g.column), area_km2: \(g.upstreamAreaKm2), observed: {file: discharge.csv, label: end}}\n"
        }
        text += """
        model:
          solver: sequential
          snow: true
          routing: d8\(o.glacier ? "\n  glacier: {fraction: glacier_fraction.asc}   # unlimited ice (docs/GLACIER.md)" : "")
        output:
          folder: results
        # Twin calibration with `hydrogpu train case.yaml`: every parameter starts mid-bounds;
        # CFR and CWH (not identifiable from discharge, docs/TWIN-EXPERIMENTS.md) and the routing
        # velocity are held at their true values.
        parameters:

        """
        if o.truth == .descriptorMaps {
            for p in SyntheticCatchment.mappedParameters { text += "  \(p.name): {spatial: distributed}\n" }
        }
        let truth = SyntheticCatchment.uniformTruth
        text += """
          CFR: {fixed: \(truth[.cfr]!)}
          CWH: {fixed: \(truth[.cwh]!)}
          C: {initial: 0.5}
          velocity: {fixed: \(o.velocity)}
        training:
          optimizer: lbfgs
          iterations: 300
          loss: nse

        """
        return text
    }
}
