import Foundation
import HydroDomain
import HydroModel

/// Turns the YAML tree into a `CaseConfig`, checking each key as it goes.
struct CaseConfigParser {
    let file: URL
    /// Replaces the config's own `caravan:` basin (a Caravan multi-case config runs one case
    /// config for each basin of a folder).
    var caravanOverride: CaravanBasin? = nil
    var folder: URL { file.deletingLastPathComponent() }

    func parse(_ text: String) throws(InputError) -> CaseConfig {
        let root = try YAMLDocument.root(text, file: file.path)
        let top = try root.mapping(allowed: ["name", "description", "caravan", "domain", "time", "periods", "forcing", "gauges", "model", "output", "parameters", "training", "regionalisation"])
        var caravan = caravanOverride
        if caravan == nil, let v = top["caravan"] { caravan = try parseCaravan(v) }
        var name = file.deletingPathExtension().lastPathComponent
        if let b = caravanOverride?.basin { name = b } else if let n = top["name"] { name = try n.string() } else if let b = caravan?.basin { name = b }
        var domain: DomainConfig
        if let d = top["domain"] { domain = try parseDomain(d) } else if let caravan {
            domain = DomainConfig(flowDirection: nil, encoding: .esri, mask: nil, dem: nil, cellArea: nil, descriptors: [], lumped: LumpedDomain(areaKm2: nil, latitude: nil))
            domain.lumped?.caravan = caravan
        } else { domain = try parseDomain(try top.required("domain")) }
        if let caravan, domain.lumped != nil { domain.lumped?.caravan = caravan }
        let time = try parseTime(try top.required("time"))
        let periods = try parsePeriods(top["periods"])
        let forcing: ForcingConfig
        if let f = top["forcing"] { forcing = try parseForcing(f, caravan: caravan) } else if let caravan { forcing = Self.caravanForcing(caravan) } else {
            forcing = try parseForcing(try top.required("forcing"))
        }
        var gauges: [GaugeConfig] = []
        if let g = top["gauges"], !g.isNull {
            for item in try g.sequence() { gauges.append(try parseGauge(item, caravan: caravan)) }
        } else if let caravan {
            let s = CaravanBasin.streamflow
            gauges = [GaugeConfig(id: caravan.basin, observed: ObservationSource(file: caravan.timeseriesFile, format: .csv, column: s.column, label: nil,
                                                                                 units: DischargeUnits(s.units), unitsText: s.units))]
        }
        var seen = Set<String>()
        for (i, g) in gauges.enumerated() where !seen.insert(g.id).inserted {
            throw InputError(file: file.path, line: try top.required("gauges").sequence()[i].line, place: "key 'gauges[\(i)].id'", message: "gauge '\(g.id)' is listed twice")
        }
        let model = try parseModel(top["model"], lumped: domain.lumped != nil, bands: domain.lumped?.bands ?? [])
        let output = try parseOutput(top["output"], caseName: name, glacier: model.glacier != nil)
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
        let m = try value.mapping(allowed: ["file", "nodata", "band", "variable"])
        let band = try m["band"]?.int() ?? 1
        guard band >= 1 else { throw m["band"]!.error("band numbers start at 1") }
        let variable = try m["variable"]?.string()
        if let variable, variable.isEmpty { throw m["variable"]!.error("empty variable name") }
        return RasterSource(file: try path(try m.required("file")), nodata: try m["nodata"]?.double(), band: band, variable: variable)
    }

    func parseDomain(_ value: YAMLValue) throws(InputError) -> DomainConfig {
        let m = try value.mapping(allowed: ["flow_direction", "encoding", "mask", "dem", "cell_area", "descriptors", "lumped", "cut"])
        var descriptors: [NamedRaster] = []
        if let d = m["descriptors"] {
            for (name, v) in try d.freeMapping() { descriptors.append(NamedRaster(name: name, source: try raster(v))) }
        }
        var lumped: LumpedDomain?
        if let l = m["lumped"] {
            let lm = try l.mapping(allowed: ["area_km2", "latitude", "bands"])
            let area = try lm["area_km2"]?.double()
            if let area, area <= 0 { throw lm["area_km2"]!.error("area must be positive, found \(area)") }
            let latitude = try lm["latitude"]?.double()
            if let latitude, !(-90...90).contains(latitude) { throw lm["latitude"]!.error("latitude \(latitude) outside -90...90") }
            lumped = LumpedDomain(areaKm2: area, latitude: latitude)
            if let b = lm["bands"] { lumped?.bands = try parseBands(b) }
        }
        var cut: DomainCut?
        if let c = m["cut"] {
            if c.isScalar {
                guard try c.string() == "gauges" else { throw c.error("expected 'gauges' or {bbox: [xmin, ymin, xmax, ymax]}") }
                cut = .gauges
            } else {
                let b = try c.mapping(allowed: ["bbox"]).required("bbox")
                let items = try b.sequence()
                guard items.count == 4 else { throw b.error("expected [xmin, ymin, xmax, ymax], found \(items.count) numbers") }
                let v = try items.map { i throws(InputError) in try i.double() }
                guard v[0] < v[2], v[1] < v[3] else { throw b.error("xmin must be below xmax and ymin below ymax") }
                cut = .bbox(xMin: v[0], yMin: v[1], xMax: v[2], yMax: v[3])
            }
            if lumped != nil { throw c.error("a lumped case has no grid to cut") }
        }
        return DomainConfig(flowDirection: try m["flow_direction"].map(raster), encoding: try m["encoding"]?.choice(D8Encoding.self) ?? .esri,
                            mask: try m["mask"].map(raster), dem: try m["dem"].map(raster), cellArea: try m["cell_area"].map(raster),
                            descriptors: descriptors, lumped: lumped, cut: cut)
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

    /// One forcing variable. Without `format`, the file decides: `.nc` NetCDF, `.csv`/`.tsv` or
    /// a first line with commas or semicolons CSV, otherwise CAMELS text. With a Caravan basin
    /// (`caravan:` at the top), `file` defaults to its timeseries CSV.
    func forcingSource(_ value: YAMLValue, caravan: CaravanBasin? = nil) throws(InputError) -> ForcingSource {
        let m = try value.mapping(allowed: ["file", "variable", "format", "units", "grid", "label", "date_format", "date_column"])
        let file: URL
        if let f = m["file"] { file = try path(f) } else if let caravan { file = caravan.timeseriesFile } else { file = try path(try m.required("file")) }
        let format = try m["format"]?.choice(ForcingFormat.self) ?? Self.forcingFormat(of: file)
        let stated = try m["label"]?.choice(TimeLabel.self)
        let dateFormat = try m["date_format"].map { v throws(InputError) in try Self.dateFormat(v) }
        if format != .csv, let key = ["date_format", "date_column"].first(where: { m[$0] != nil }) {
            throw m[key]!.error("applies to CSV forcing only (this source is \(format.rawValue))")
        }
        return ForcingSource(file: file, format: format, variable: try m.required("variable").string(), units: try m["units"]?.string(),
                             grid: try m["grid"].map(path), label: stated ?? .start,
                             dateFormat: dateFormat, dateColumn: try m["date_column"]?.string(), statedLabel: stated)
    }

    /// The format a forcing file is in when the config does not say.
    static func forcingFormat(of file: URL) -> ForcingFormat {
        switch file.pathExtension.lowercased() {
        case "nc", "nc4", "netcdf": return .netcdf
        case "csv", "tsv": return .csv
        default:
            // CAMELS text starts with a latitude line; a CSV header has separators.
            // A missing file or a folder is left to the reader, which names it (readData on a
            // folder traps inside Foundation).
            guard (try? InputFile.checkReadable(file)) != nil, let handle = FileHandle(forReadingAtPath: file.path) else { return .camels }
            defer { try? handle.close() }
            let head = String(decoding: (try? handle.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
            let first = head.split(separator: "\n").first { !$0.hasPrefix("#") } ?? ""
            return first.contains(",") || first.contains(";") || first.contains("\t") ? .csv : .camels
        }
    }

    static func dateFormat(_ value: YAMLValue) throws(InputError) -> DateFormat {
        let text = try value.string()
        guard let format = DateFormat(pattern: text) else {
            throw value.error("'\(text)' is not a date format (iso, dd/mm/yyyy, dd.mm.yyyy, mm/dd/yyyy, yyyymmdd, yyyymmddHHMM, or a pattern like '%d/%m/%Y %H:%M')")
        }
        return format
    }

    func parseForcing(_ value: YAMLValue, caravan: CaravanBasin? = nil) throws(InputError) -> ForcingConfig {
        let forcingSource = { (v: YAMLValue) throws(InputError) -> ForcingSource in try self.forcingSource(v, caravan: caravan) }
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

    /// `caravan: {folder: PATH, basin: ID}`.
    func parseCaravan(_ value: YAMLValue) throws(InputError) -> CaravanBasin {
        let m = try value.mapping(allowed: ["folder", "basin"])
        let basin = try m.required("basin").string()
        guard !basin.isEmpty, !basin.contains("/") else { throw m["basin"]!.error("'\(basin)' is not a Caravan basin id (e.g. camels_01022500)") }
        return CaravanBasin(folder: try path(try m.required("folder")), basin: basin)
    }

    /// A Caravan basin's forcing: ERA5-Land daily precipitation, mean temperature and PET.
    static func caravanForcing(_ c: CaravanBasin) -> ForcingConfig {
        func source(_ column: (column: String, units: String)) -> ForcingSource {
            ForcingSource(file: c.timeseriesFile, format: .csv, variable: column.column, units: column.units, grid: nil, label: .start)
        }
        return ForcingConfig(precipitation: source(CaravanBasin.precipitation), temperature: source(CaravanBasin.temperature),
                             pet: source(CaravanBasin.pet), petMethod: .file, minimumTemperature: nil, maximumTemperature: nil,
                             latitude: nil, missing: .fail)
    }

    func parseGauge(_ value: YAMLValue, caravan: CaravanBasin? = nil) throws(InputError) -> GaugeConfig {
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
        if let o = m["observed"] { observed = try observation(o, caravan: caravan) }
        return GaugeConfig(id: id, row: row, column: column, x: x, y: y, idRaster: idRaster, areaKm2: area, observed: observed)
    }

    /// A gauge's `observed:` record. Without `format`: `*_model_output.txt` is a CAMELS
    /// benchmark output, `.csv`/`.tsv` a CSV, other files mHM text.
    func observation(_ o: YAMLValue, caravan: CaravanBasin? = nil) throws(InputError) -> ObservationSource {
        let om = try o.mapping(allowed: ["file", "format", "column", "label", "units", "date_format", "date_column", "nodata"])
        let f: URL
        if let file = om["file"] { f = try path(file) } else if let caravan { f = caravan.timeseriesFile } else { f = try path(try om.required("file")) }
        let name = f.lastPathComponent.lowercased()
        let format = try om["format"]?.choice(ObservationFormat.self)
            ?? (name.hasSuffix("_model_output.txt") ? .camels_output : ["csv", "tsv"].contains(f.pathExtension.lowercased()) ? .csv : .mhm)
        var units: DischargeUnits?
        let unitsText = try om["units"]?.string()
        if let unitsText {
            guard let u = DischargeUnits(unitsText) else { throw om["units"]!.error("'\(unitsText)' are not discharge units HydroGPU converts (\(DischargeUnits.accepted))") }
            units = u
        }
        if format != .csv, let key = ["date_format", "date_column", "nodata"].first(where: { om[$0] != nil }) {
            throw om[key]!.error("applies to CSV observations only (this record is \(format.rawValue))")
        }
        if format == .usgs || format == .mhm, om["units"] != nil {
            throw om["units"]!.error("\(format.rawValue) files have fixed units (\(format == .usgs ? "ft3/s" : "m3/s")); units applies to csv and camels_output")
        }
        return ObservationSource(file: f, format: format, column: try om["column"]?.string(), label: try om["label"]?.choice(TimeLabel.self),
                                 units: units, unitsText: unitsText, dateFormat: try om["date_format"].map { v throws(InputError) in try Self.dateFormat(v) },
                                 dateColumn: try om["date_column"]?.string(), nodata: try om["nodata"]?.double())
    }

    /// `domain.lumped.bands: [{elevation: m, area: share, glacier: share}, ...]`
    /// (docs/ELEVATION.md): the shares of the basin's area must sum to 1.
    func parseBands(_ value: YAMLValue) throws(InputError) -> [ElevationBand] {
        let items = try value.sequence()
        guard !items.isEmpty else { throw value.error("bands lists no band") }
        guard items.count <= 100 else { throw value.error("\(items.count) bands: at most 100 (each is a model cell run on the basin's forcing)") }
        var bands: [ElevationBand] = []
        for (k, item) in items.enumerated() {
            let m = try item.mapping(allowed: ["elevation", "area", "glacier"])
            let elevation = try m.required("elevation").double()
            guard (-500...9000).contains(elevation) else { throw m["elevation"]!.error("band \(k + 1): elevation \(elevation) m outside -500-9000 m") }
            let area = try m.required("area").double()
            guard area > 0, area <= 1 else {
                throw m["area"]!.error("band \(k + 1): area \(area) is not a share of the basin's area in (0, 1]\(area > 1 && area <= 100 ? " (a percentage? give \(area / 100))" : "")")
            }
            let glacier = try m["glacier"]?.double() ?? 0
            guard (0...1).contains(glacier) else {
                throw m["glacier"]!.error("band \(k + 1): glacier \(glacier) is not a share of the band's area in 0-1\(glacier > 1 && glacier <= 100 ? " (a percentage? give \(glacier / 100))" : "")")
            }
            bands.append(ElevationBand(elevation: elevation, areaFraction: area, glacierFraction: glacier))
        }
        let total = bands.reduce(0) { $0 + $1.areaFraction }
        guard abs(total - 1) <= 1e-3 else {
            throw value.error("the bands' area shares sum to \(total.formatted()), not 1")
        }
        return bands
    }

    /// `model.elevation: {cells: raster or number, forcing: raster or number}` (docs/ELEVATION.md).
    func parseElevation(_ value: YAMLValue, lumped: Bool) throws(InputError) -> ElevationConfig {
        let m = try value.mapping(allowed: ["cells", "forcing"])
        func field(_ key: String, _ v: YAMLValue) throws(InputError) -> StaticField {
            if v.isScalar, let number = try? v.double() {
                guard (-500...9000).contains(number) else { throw v.error("\(key) elevation \(number) m outside -500-9000 m") }
                return .constant(number)
            }
            if lumped { throw v.error("a lumped case has no grid: give the \(key) elevation as a number (m)") }
            return .raster(try raster(v))
        }
        return ElevationConfig(cells: try m["cells"].map { v throws(InputError) in try field("cells", v) },
                               forcing: try m["forcing"].map { v throws(InputError) in try field("forcing", v) }, line: value.line)
    }

    /// Routing defaults to the gamma unit hydrograph for a lumped case (it has no network) and
    /// to D8 for a gridded one.
    func parseModel(_ value: YAMLValue?, lumped: Bool, bands: [ElevationBand] = []) throws(InputError) -> ModelOptions {
        let defaultRouting: RoutingMethod = lumped ? .gamma : .d8
        guard let value else {
            if !bands.isEmpty { throw InputError(file: file.path, place: "key 'model'", message: "elevation bands differ only in the temperature and precipitation the snow reads: set model.snow: true") }
            return ModelOptions(solver: .sequential, snow: false, routing: defaultRouting, components: 1)
        }
        let m = try value.mapping(allowed: ["solver", "snow", "routing", "components", "memory_budget", "glacier", "elevation"])
        let components = try m["components"]?.int() ?? 1
        guard components >= 1 else { throw m["components"]!.error("components must be at least 1") }
        var budget: Double?
        if let b = m["memory_budget"] {
            let text = try b.string()
            guard let bytes = MemorySize.parse(text) else {
                throw b.error("'\(text)' is not a memory size (bytes, or a number with KB, MB, GB or TB, e.g. 8GB)")
            }
            budget = bytes
        }
        var options = ModelOptions(solver: try m["solver"]?.choice(HBVSolver.self) ?? .sequential, snow: try m["snow"]?.bool() ?? false,
                                   routing: try m["routing"]?.choice(RoutingMethod.self) ?? defaultRouting, components: components, memoryBudgetBytes: budget)
        if let g = m["glacier"] {
            guard options.snow else { throw g.error("the glacier melts only once its snow has gone: set model.snow: true") }
            options.glacier = try parseGlacier(g, lumped: lumped, bands: !bands.isEmpty)
        } else if let k = bands.firstIndex(where: { $0.glacierFraction > 0 }) {
            throw value.error("elevation band \(k + 1) has glacier ice: add model.glacier (at least `glacier: {}`) to melt it (docs/GLACIER.md)")
        }
        if let e = m["elevation"] {
            guard options.snow else { throw e.error("the elevation corrects the temperature and precipitation the snow reads: set model.snow: true") }
            options.elevation = try parseElevation(e, lumped: lumped)
            if !bands.isEmpty, options.elevation?.cells != nil {
                throw e.error("the elevation bands give the cells' elevations: remove model.elevation.cells")
            }
            if bands.isEmpty, options.elevation?.forcing == nil {
                throw e.error("needs forcing: the elevation (m) the forcing stands for, a number or a raster on the flow directions' grid")
            }
        } else if !bands.isEmpty {
            guard options.snow else { throw value.error("elevation bands differ only in the temperature and precipitation the snow reads: set model.snow: true") }
            options.elevation = ElevationConfig(line: value.line)
        }
        return options
    }

    /// `model.glacier: {fraction: raster or number, ice: raster or number}` (docs/GLACIER.md).
    func parseGlacier(_ value: YAMLValue, lumped: Bool, bands: Bool) throws(InputError) -> GlacierConfig {
        let m = try value.mapping(allowed: ["fraction", "ice"])
        func field(_ key: String, _ v: YAMLValue, range: ClosedRange<Double>, unit: String) throws(InputError) -> StaticField {
            if v.isScalar, let number = try? v.double() {
                guard range.contains(number) else { throw v.error("\(key) \(number) outside \(range.lowerBound.formatted())-\(range.upperBound.formatted())\(unit)") }
                return .constant(number)
            }
            if lumped { throw v.error("a lumped case has no grid: give \(key) as a number") }
            return .raster(try raster(v))
        }
        // With elevation bands the fraction is each band's `glacier`.
        if bands, let f = m["fraction"] { throw f.error("the elevation bands give the glacier fraction: set each band's glacier share instead") }
        let fraction = bands ? nil : try field("fraction", try m.required("fraction"), range: 0...1, unit: " (a fraction of each cell's area)")
        let ice = try m["ice"].map { v throws(InputError) in try field("ice", v, range: 0...1e7, unit: " mm water equivalent") }
        return GlacierConfig(fraction: fraction, ice: ice, line: value.line)
    }

    func parseOutput(_ value: YAMLValue?, caseName: String, glacier: Bool = false) throws(InputError) -> OutputConfig {
        guard let value else { return OutputConfig(folder: folder.appending(path: "results/\(caseName)").standardized, fields: [], parameterMaps: false) }
        let m = try value.mapping(allowed: ["folder", "fields", "parameter_maps"])
        var fields: [String] = []
        let glacierFields = ["ice_melt", "ice", "glacier_snow"]
        let allowedFields = ["runoff", "discharge", "snowpack", "meltwater", "soil_moisture", "upper_zone", "lower_zone", "evapotranspiration", "recharge"] + glacierFields
        if let f = m["fields"] {
            for item in try f.sequence() {
                let name = try item.string()
                guard allowedFields.contains(name) else { throw item.error("'\(name)' is not an output field (\(allowedFields.joined(separator: ", ")))") }
                if glacierFields.contains(name), !glacier { throw item.error("'\(name)' is a glacier field and the case has no model.glacier") }
                fields.append(name)
            }
        }
        return OutputConfig(folder: try m["folder"].map(path) ?? folder.appending(path: "results/\(caseName)").standardized,
                            fields: fields, parameterMaps: try m["parameter_maps"]?.bool() ?? false, line: m["folder"]?.line)
    }
}

extension YAMLValue {
    /// An empty value (`gauges:` with nothing after it), `~` or `null`.
    var isNull: Bool {
        if case .scalar(let s) = node { return ["", "~", "null"].contains(s.string) }
        return false
    }
}
