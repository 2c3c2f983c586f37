import Foundation

/// Turns the YAML tree into a `CaseConfig`, checking each key as it goes.
struct CaseConfigParser {
    let file: URL
    var folder: URL { file.deletingLastPathComponent() }

    func parse(_ text: String) throws(InputError) -> CaseConfig {
        let root = try YAMLDocument.root(text, file: file.path)
        let top = try root.mapping(allowed: ["name", "description", "domain", "time", "periods", "forcing", "gauges", "model", "output", "parameters", "training", "regionalisation"])
        let name = try top["name"]?.string() ?? file.deletingPathExtension().lastPathComponent
        let domain = try parseDomain(try top.required("domain"))
        let time = try parseTime(try top.required("time"))
        let periods = try parsePeriods(top["periods"])
        let forcing = try parseForcing(try top.required("forcing"))
        var gauges: [GaugeConfig] = []
        if let g = top["gauges"] {
            for item in try g.sequence() { gauges.append(try parseGauge(item)) }
        }
        var seen = Set<String>()
        for (i, g) in gauges.enumerated() where !seen.insert(g.id).inserted {
            throw InputError(file: file.path, line: try top.required("gauges").sequence()[i].line, place: "key 'gauges[\(i)].id'", message: "gauge '\(g.id)' is listed twice")
        }
        let model = try parseModel(top["model"], lumped: domain.lumped != nil)
        let output = try parseOutput(top["output"], caseName: name)
        if model.snow, forcing.temperature == nil, forcing.minimumTemperature == nil || forcing.maximumTemperature == nil {
            throw InputError(file: file.path, line: top["model"]?.line, place: "key 'model.snow'",
                             message: "snow is on but forcing gives no temperature (temperature, or tmin and tmax)")
        }
        if domain.lumped == nil, domain.flowDirection == nil {
            throw InputError(file: file.path, line: top["domain"]?.line, place: "key 'domain'", message: "needs flow_direction (a grid case) or lumped")
        }
        let trainingParser = TrainingConfigParser(parent: self)
        return CaseConfig(file: file, name: name, domain: domain, time: time, periods: periods, forcing: forcing,
                          gauges: gauges, model: model, output: output,
                          parameters: try trainingParser.parseParameters(top["parameters"]),
                          training: try trainingParser.parseTraining(top["training"]),
                          regionalisation: try trainingParser.parseRegionalisation(top["regionalisation"]))
    }

    func path(_ value: YAMLValue) throws(InputError) -> URL {
        let text = try value.string()
        guard !text.isEmpty else { throw value.error("empty path") }
        return text.hasPrefix("/") ? URL(fileURLWithPath: text) : folder.appending(path: text).standardized
    }

    /// `file.asc` or `{file: file.tif, nodata: 247, band: 1}`.
    func raster(_ value: YAMLValue) throws(InputError) -> RasterSource {
        if value.isScalar { return RasterSource(file: try path(value)) }
        let m = try value.mapping(allowed: ["file", "nodata", "band"])
        let band = try m["band"]?.int() ?? 1
        guard band >= 1 else { throw m["band"]!.error("band numbers start at 1") }
        return RasterSource(file: try path(try m.required("file")), nodata: try m["nodata"]?.double(), band: band)
    }

    func parseDomain(_ value: YAMLValue) throws(InputError) -> DomainConfig {
        let m = try value.mapping(allowed: ["flow_direction", "encoding", "mask", "dem", "cell_area", "descriptors", "lumped"])
        var descriptors: [NamedRaster] = []
        if let d = m["descriptors"] {
            for (name, v) in try d.freeMapping() { descriptors.append(NamedRaster(name: name, source: try raster(v))) }
        }
        var lumped: LumpedDomain?
        if let l = m["lumped"] {
            let lm = try l.mapping(allowed: ["area_km2", "latitude"])
            let area = try lm["area_km2"]?.double()
            if let area, area <= 0 { throw lm["area_km2"]!.error("area must be positive, found \(area)") }
            let latitude = try lm["latitude"]?.double()
            if let latitude, !(-90...90).contains(latitude) { throw lm["latitude"]!.error("latitude \(latitude) outside -90...90") }
            lumped = LumpedDomain(areaKm2: area, latitude: latitude)
        }
        return DomainConfig(flowDirection: try m["flow_direction"].map(raster), encoding: try m["encoding"]?.choice(D8Encoding.self) ?? .esri,
                            mask: try m["mask"].map(raster), dem: try m["dem"].map(raster), cellArea: try m["cell_area"].map(raster),
                            descriptors: descriptors, lumped: lumped)
    }

    func parseTime(_ value: YAMLValue) throws(InputError) -> TimeConfig {
        let m = try value.mapping(allowed: ["step", "start", "end"])
        let stepValue = try m.required("step")
        let step = try Self.duration(try stepValue.string(), stepValue)
        let start = try m["start"]?.time(endOfDay: false)
        let end = try m["end"]?.time(endOfDay: true)
        if let start, let end, end <= start { throw m["end"]!.error("end \(end) is not after start \(start)") }
        return TimeConfig(stepSeconds: step, start: start, end: end)
    }

    /// "1d", "1h", "30min", "3600s", "3600", "daily", "hourly".
    static func duration(_ text: String, _ value: YAMLValue) throws(InputError) -> Int64 {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        if t == "daily" { return 86_400 }
        if t == "hourly" { return 3600 }
        let units: [(String, Int64)] = [("min", 60), ("s", 1), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let n = Int64(t.dropLast(suffix.count)), n > 0, n <= Int64(Int32.max) { return n * factor }
        }
        if let n = Int64(t), n > 0, n <= Int64(Int32.max) { return n }
        throw value.error("'\(text)' is not a step length (e.g. 1d, 1h, 3600s)")
    }

    func parsePeriods(_ value: YAMLValue?) throws(InputError) -> PeriodsConfig {
        guard let value else { return PeriodsConfig() }
        let m = try value.mapping(allowed: ["warmup", "calibration", "validation"])
        func period(_ key: String) throws(InputError) -> Period? {
            guard let v = m[key] else { return nil }
            let start: CivilTime, end: CivilTime
            if v.isMapping {
                let p = try v.mapping(allowed: ["start", "end"])
                start = try p.required("start").time(endOfDay: false)
                end = try p.required("end").time(endOfDay: true)
            } else {
                let items = try v.sequence()
                guard items.count == 2 else { throw v.error("expected [start, end], found \(items.count) items") }
                start = try items[0].time(endOfDay: false)
                end = try items[1].time(endOfDay: true)
            }
            guard start < end else { throw v.error("period ends (\(end)) before it starts (\(start))") }
            return Period(name: key, start: start, end: end, line: v.line)
        }
        return PeriodsConfig(warmup: try period("warmup"), calibration: try period("calibration"), validation: try period("validation"))
    }

    func forcingSource(_ value: YAMLValue) throws(InputError) -> ForcingSource {
        let m = try value.mapping(allowed: ["file", "variable", "format", "units", "grid", "label"])
        let file = try path(try m.required("file"))
        let format = try m["format"]?.choice(ForcingFormat.self) ?? (file.pathExtension.lowercased() == "nc" ? .netcdf : .camels)
        return ForcingSource(file: file, format: format, variable: try m.required("variable").string(), units: try m["units"]?.string(),
                             grid: try m["grid"].map(path), label: try m["label"]?.choice(TimeLabel.self) ?? .start)
    }

    func parseForcing(_ value: YAMLValue) throws(InputError) -> ForcingConfig {
        let m = try value.mapping(allowed: ["precipitation", "temperature", "pet", "pet_method", "tmin", "tmax", "latitude", "missing", "limits"])
        let method = try m["pet_method"]?.choice(PETMethod.self) ?? .file
        let pet = try m["pet"].map(forcingSource)
        let tmin = try m["tmin"].map(forcingSource), tmax = try m["tmax"].map(forcingSource)
        switch method {
        case .file where pet == nil:
            throw InputError(file: file.path, line: value.line, place: "key 'forcing.pet'", message: "is required unless pet_method is hargreaves")
        case .hargreaves where tmin == nil || tmax == nil:
            throw InputError(file: file.path, line: value.line, place: "key 'forcing.\(tmin == nil ? "tmin" : "tmax")'", message: "is required for pet_method hargreaves")
        default: break
        }
        let latitude = try m["latitude"]?.double()
        if let latitude, !(-90...90).contains(latitude) { throw m["latitude"]!.error("latitude \(latitude) outside -90...90") }
        return ForcingConfig(precipitation: try forcingSource(try m.required("precipitation")), temperature: try m["temperature"].map(forcingSource),
                             pet: pet, petMethod: method, minimumTemperature: tmin, maximumTemperature: tmax, latitude: latitude,
                             missing: try m["missing"]?.choice(MissingForcingPolicy.self) ?? .fail, limits: try forcingLimits(m["limits"]))
    }

    /// `forcing.limits: {precipitation_max_mm_per_day: 2000, pet_max_mm_per_day: 30}`.
    func forcingLimits(_ value: YAMLValue?) throws(InputError) -> ForcingLimits {
        var limits = ForcingLimits()
        guard let value else { return limits }
        let m = try value.mapping(allowed: ["precipitation_max_mm_per_day", "pet_max_mm_per_day"])
        for (key, path) in [("precipitation_max_mm_per_day", \ForcingLimits.precipitationMaxMmPerDay), ("pet_max_mm_per_day", \ForcingLimits.petMaxMmPerDay)] {
            guard let v = m[key] else { continue }
            let x = try v.double()
            guard x > 0 else { throw v.error("a maximum must be positive, found \(x)") }
            limits[keyPath: path] = x
        }
        return limits
    }

    func parseGauge(_ value: YAMLValue) throws(InputError) -> GaugeConfig {
        let m = try value.mapping(allowed: ["id", "row", "col", "column", "x", "y", "id_raster", "area_km2", "observed"])
        let id = try m.required("id").string()
        let row = try m["row"]?.int(), column = try (m["col"] ?? m["column"])?.int()
        let x = try m["x"]?.double(), y = try m["y"]?.double()
        let idRaster = try m["id_raster"].map(raster)
        let ways = (row != nil || column != nil ? 1 : 0) + (x != nil || y != nil ? 1 : 0) + (idRaster != nil ? 1 : 0)
        guard ways <= 1 else { throw value.error("gauge '\(id)' is placed more than one way (row/col, x/y, id_raster): give one") }
        if (row == nil) != (column == nil) { throw value.error("gauge '\(id)' needs both row and col") }
        if (x == nil) != (y == nil) { throw value.error("gauge '\(id)' needs both x and y") }
        if let row, row < 0 { throw m["row"]!.error("row \(row) is negative") }
        if let column, column < 0 { throw (m["col"] ?? m["column"])!.error("column \(column) is negative") }
        let area = try m["area_km2"]?.double()
        if let area, area <= 0 { throw m["area_km2"]!.error("area must be positive, found \(area)") }
        var observed: ObservationSource?
        if let o = m["observed"] {
            let om = try o.mapping(allowed: ["file", "format", "column", "label"])
            let f = try path(try om.required("file"))
            let format = try om["format"]?.choice(ObservationFormat.self) ?? (f.pathExtension.lowercased() == "csv" ? .csv : .mhm)
            observed = ObservationSource(file: f, format: format, column: try om["column"]?.string(),
                                         label: try om["label"]?.choice(TimeLabel.self) ?? (format == .csv ? .end : .start))
        }
        return GaugeConfig(id: id, row: row, column: column, x: x, y: y, idRaster: idRaster, areaKm2: area, observed: observed)
    }

    /// Routing defaults to the gamma unit hydrograph for a lumped case (it has no network) and
    /// to D8 for a gridded one.
    func parseModel(_ value: YAMLValue?, lumped: Bool) throws(InputError) -> ModelOptions {
        let defaultRouting: RoutingMethod = lumped ? .gamma : .d8
        guard let value else { return ModelOptions(solver: .sequential, snow: false, routing: defaultRouting, components: 1) }
        let m = try value.mapping(allowed: ["solver", "snow", "routing", "components"])
        let components = try m["components"]?.int() ?? 1
        guard components >= 1 else { throw m["components"]!.error("components must be at least 1") }
        return ModelOptions(solver: try m["solver"]?.choice(HBVSolver.self) ?? .sequential, snow: try m["snow"]?.bool() ?? false,
                            routing: try m["routing"]?.choice(RoutingMethod.self) ?? defaultRouting, components: components)
    }

    func parseOutput(_ value: YAMLValue?, caseName: String) throws(InputError) -> OutputConfig {
        guard let value else { return OutputConfig(folder: folder.appending(path: "results/\(caseName)").standardized, fields: [], parameterMaps: false) }
        let m = try value.mapping(allowed: ["folder", "fields", "parameter_maps"])
        var fields: [String] = []
        let allowedFields = ["runoff", "discharge", "snowpack", "meltwater", "soil_moisture", "upper_zone", "lower_zone", "evapotranspiration", "recharge"]
        if let f = m["fields"] {
            for item in try f.sequence() {
                let name = try item.string()
                guard allowedFields.contains(name) else { throw item.error("'\(name)' is not an output field (\(allowedFields.joined(separator: ", ")))") }
                fields.append(name)
            }
        }
        return OutputConfig(folder: try m["folder"].map(path) ?? folder.appending(path: "results/\(caseName)").standardized,
                            fields: fields, parameterMaps: try m["parameter_maps"]?.bool() ?? false, line: m["folder"]?.line)
    }
}
