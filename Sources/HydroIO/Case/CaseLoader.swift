import Foundation
import HydroDomain

/// Reads everything a `CaseConfig` names, in dependency order, checking as it goes: grid,
/// then time, then forcing on the grid's cells and the case's steps, then gauges.
final class CaseLoader {
    let config: CaseConfig
    private var rasterCache: [String: Raster<Double>] = [:]
    private var griddedCache: [String: GriddedForcing] = [:]
    private var camelsCache: [URL: CamelsForcingFile] = [:]
    private var csvForcingCache: [String: CSVForcingColumn] = [:]
    /// What the loader decided about the inputs (labels, units, assumed CRS), for `validate`.
    var notes: [String] = []
    /// The part of the full flow-direction grid kept by `domain.cut`, and that grid's geometry.
    private var window: GridWindow?
    private var fullGeometry: GridGeometry?

    init(config: CaseConfig) { self.config = config }

    var configPath: String { config.file.path }

    /// With `windowedForcing`, a case whose forcing can be read a window at a time
    /// (`CaseForcingWindows`) gets those readers instead of its forcing fields: nothing of
    /// size cells x steps is read here.
    func load(windowedForcing: Bool = false) throws(InputError) -> HydroCase {
        let (grid, d8, dem, descriptors) = try loadGrid()
        let network = try d8.map { d8 throws(InputError) in try drainageNetwork(d8, grid: grid) }
        if windowedForcing, let windows = try forcingWindows(grid) {
            let time = windows.time
            let ranges = try periodSteps(time)
            let upstream = network?.upstreamArea().squareKilometres
            var gauges = try loadGauges(grid: grid, time: time, upstreamKm2: upstream)
            try checkObservationVariance(gauges, time: time, calibration: ranges["calibration"])
            if let upstream {
                for k in gauges.indices { gauges[k].upstreamAreaKm2 = upstream[gauges[k].cell] }
            }
            var empty = time
            empty.count = 0
            let none = { (name: String, quantity: ForcingQuantity, source: String) in
                ForcingField(name: name, source: source, quantity: quantity, time: empty, cells: grid.cellCount, values: [])
            }
            var loaded = HydroCase(config: config, grid: grid, flowDirection: d8, network: network, dem: dem, descriptors: descriptors, time: time,
                                   warmupSteps: ranges["warmup"], calibrationSteps: ranges["calibration"], validationSteps: ranges["validation"],
                                   precipitation: none("precipitation", .waterDepth, windows.precipitation.source),
                                   temperature: windows.temperature.map { none("temperature", .temperature, $0.source) },
                                   pet: none("pet", .waterDepth, windows.pet.source), gauges: gauges, warnings: [])
            loaded.forcingWindows = windows
            loaded.glacier = try glacierMaps(grid, flowDirections: d8)
            loaded.elevationOffsets = try elevationOffsets(grid, flowDirections: d8, dem: dem)
            loaded.inputNotes = notes + ["forcing    read in windows of steps, over the domain's \(windows.slabCells) forcing-grid cells per step and variable"]
            return loaded
        }
        let precipitationAxis = try sourceAxis(config.forcing.precipitation)
        let time = try caseTime(precipitationAxis)
        let ranges = try periodSteps(time)
        try MemoryEstimate.check(cells: grid.cellCount, steps: time.count, what: "the case's forcing and model arrays", file: configPath)
        let precipitation = try field("precipitation", config.forcing.precipitation, .waterDepth, grid, time)
        let limits = config.forcing.limits
        var warnings = try ForcingPlausibility.check(precipitation, maxMmPerDay: limits.precipitationMaxMmPerDay,
                                                     limitKey: "forcing.limits.precipitation_max_mm_per_day", cellPlace: { cellPlace($0, grid) })
        var temperature = try config.forcing.temperature.map { s throws(InputError) in try field("temperature", s, .temperature, grid, time) }
        let tmin = try config.forcing.minimumTemperature.map { s throws(InputError) in try field("tmin", s, .temperature, grid, time) }
        let tmax = try config.forcing.maximumTemperature.map { s throws(InputError) in try field("tmax", s, .temperature, grid, time) }
        for t in [temperature, tmin, tmax].compactMap({ $0 }) { try checkTemperature(t) }
        if temperature == nil, let tmin, let tmax {
            temperature = ForcingField(name: "temperature", source: "mean of \(tmin.source) and \(tmax.source)", quantity: .temperature,
                                       time: time, cells: grid.cellCount, values: zip(tmin.values, tmax.values).map { ($0 + $1) / 2 })
        }
        let pet: ForcingField
        switch config.forcing.petMethod {
        case .file:
            pet = try field("pet", config.forcing.pet!, .waterDepth, grid, time)
        case .hargreaves:
            pet = try hargreaves(tmin: tmin!, tmax: tmax!, grid: grid, time: time)
        }
        warnings += try ForcingPlausibility.check(pet, maxMmPerDay: limits.petMaxMmPerDay,
                                                  limitKey: "forcing.limits.pet_max_mm_per_day", cellPlace: { cellPlace($0, grid) })
        // The missing-value policy is checked here, not only when a run builds its forcing,
        // so that `validate` refuses what a run would.
        for f in [precipitation, pet, temperature].compactMap({ $0 }) {
            try MissingForcing.check(f, policy: config.forcing.missing, cellPlace: { cellPlace($0, grid) })
        }
        let upstream = network?.upstreamArea().squareKilometres
        var gauges = try loadGauges(grid: grid, time: time, upstreamKm2: upstream)
        try checkObservationVariance(gauges, time: time, calibration: ranges["calibration"])
        if let upstream {
            for k in gauges.indices { gauges[k].upstreamAreaKm2 = upstream[gauges[k].cell] }
        }
        var loaded = HydroCase(config: config, grid: grid, flowDirection: d8, network: network, dem: dem, descriptors: descriptors, time: time,
                               warmupSteps: ranges["warmup"], calibrationSteps: ranges["calibration"], validationSteps: ranges["validation"],
                               precipitation: precipitation, temperature: temperature, pet: pet, gauges: gauges, warnings: warnings)
        loaded.glacier = try glacierMaps(grid, flowDirections: d8)
        loaded.elevationOffsets = try elevationOffsets(grid, flowDirections: d8, dem: dem)
        loaded.inputNotes = notes
        return loaded
    }

    /// "cell 3 (row 4, column 7)" for active cell `c`.
    func cellPlace(_ c: Int, _ grid: CaseGrid) -> String {
        guard c < grid.activeCells.count, config.domain.lumped == nil else { return "cell \(c)" }
        let flat = grid.activeCells[c]
        return "cell \(c) (row \(flat / grid.columns), column \(flat % grid.columns))"
    }

    /// NSE and KGE are undefined for gauges whose observations do not vary in the calibration
    /// window (the whole run without one): refused here, before any training starts.
    func checkObservationVariance(_ gauges: [CaseGauge], time: TimeAxis, calibration: Range<Int>?) throws(InputError) {
        for g in gauges where (config.training.gaugeWeights[g.id] ?? 1) != 0 {
            guard let q = g.observed else { continue }
            try ObservationPlausibility.checkVariance(q, window: calibration ?? 0..<time.count, windowName: calibration == nil ? "run" : "calibration",
                                                      time: time, loss: config.training.loss, gauge: g.id, source: g.observedSource ?? configPath)
        }
    }

    // MARK: Grid

    /// A static raster (strict ESRI ASCII reader, GDAL, or a NetCDF variable through GDAL);
    /// `integers` for code grids. Cut to the domain window when `domain.cut` is set.
    func raster(_ source: RasterSource, integers: Bool = false) throws(InputError) -> Raster<Double> {
        let key = "\(source.file.path)#\(source.variable ?? "")#\(source.band)#\(integers)#\(source.nodata.map { "\($0)" } ?? "")"
        if let r = rasterCache[key] { return cut(r) }
        let (r, note) = try StaticRaster.readNoting(source, integers: integers)
        if let note, !notes.contains(where: { $0.hasPrefix("note: \(source.label):") }) {
            let text = "note: \(source.label): \(note)"
            notes.append(text)
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
        rasterCache[key] = r
        return cut(r)
    }

    /// `r` cut to the domain window when it lies on the full flow-direction grid.
    private func cut(_ r: Raster<Double>) -> Raster<Double> {
        guard let window, let fullGeometry, window.fits(r, full: fullGeometry) else { return r }
        return window.crop(r)
    }

    /// Fails unless `other` covers the same cells as the flow-direction grid.
    func checkSameGrid(_ other: Raster<Double>, _ file: URL, as reference: Raster<Double>, _ referenceFile: URL) throws(InputError) {
        let a = other.geometry, b = reference.geometry
        let tolerance = 1e-6 * b.cellSize
        guard other.rows == reference.rows, other.columns == reference.columns,
              abs(a.cellSize - b.cellSize) <= tolerance, abs(a.xLowerLeft - b.xLowerLeft) <= tolerance, abs(a.yLowerLeft - b.yLowerLeft) <= tolerance else {
            throw InputError(file: file.path, message: "grid \(other.rows) x \(other.columns) at (\(a.xLowerLeft), \(a.yLowerLeft)) cell \(a.cellSize) does not match the flow directions \(referenceFile.lastPathComponent) (\(reference.rows) x \(reference.columns) at (\(b.xLowerLeft), \(b.yLowerLeft)) cell \(b.cellSize))")
        }
    }

    func loadGrid() throws(InputError) -> (CaseGrid, Raster<Double>?, Raster<Double>?, [(name: String, raster: Raster<Double>)]) {
        let domain = config.domain
        guard let d8Source = domain.flowDirection else {
            // Lumped: one cell whose area is the basin's.
            let area = try lumpedArea()
            let geometry = GridGeometry(xLowerLeft: 0, yLowerLeft: 0, cellSize: (area * 1e6).squareRoot())
            let active = Raster(rows: 1, columns: 1, geometry: geometry, values: [true])
            // A Caravan basin's numeric attributes are its descriptors (one value, one cell).
            let descriptors = try config.domain.lumped?.caravan?.numericAttributes().map { a in
                (name: a.name, raster: Raster(rows: 1, columns: 1, geometry: geometry, values: [a.value]))
            } ?? []
            return (CaseGrid(rows: 1, columns: 1, geometry: geometry, active: active, activeCells: [0], cellAreaSquareMetres: [area * 1e6]), nil, nil, descriptors)
        }
        if let c = domain.cut { try applyCut(c, d8Source) }
        let d8 = try raster(d8Source, integers: true)
        var isActive = d8.hasData
        if let maskSource = domain.mask {
            let mask = try raster(maskSource, integers: true)
            try checkSameGrid(mask, maskSource.file, as: d8, d8Source.file)
            isActive = zip(mask.values, mask.hasData).map { $1 && $0 != 0 }
        }
        if let keep = window?.keep { isActive = zip(isActive, keep).map { $0 && $1 } }
        let valid = domain.encoding.validCodes
        var activeCells: [Int] = []
        for i in 0..<isActive.count where isActive[i] {
            let row = i / d8.columns, column = i % d8.columns
            guard d8.hasData[i] else {
                throw InputError(file: d8Source.file.path, row: row, column: column, message: "active cell (mask \(domain.mask?.file.lastPathComponent ?? "")) has no flow direction")
            }
            let code = d8.values[i]
            guard code == code.rounded(), abs(code) < 1e6, valid.contains(Int(code)) else {
                throw InputError(file: d8Source.file.path, row: row, column: column,
                                 message: "code \(code.formatted()) is not a \(domain.encoding.rawValue) D8 direction (\(valid.sorted().map(String.init).joined(separator: ", ")))")
            }
            activeCells.append(i)
        }
        guard !activeCells.isEmpty else { throw InputError(file: d8Source.file.path, message: "no active cells") }
        let dem = try domain.dem.map { s throws(InputError) -> Raster<Double> in
            let r = try raster(s)
            try checkSameGrid(r, s.file, as: d8, d8Source.file)
            try StaticRaster.requireData(r, onCells: activeCells, file: s.file.path, what: "the DEM")
            return r
        }
        var descriptors: [(name: String, raster: Raster<Double>)] = []
        for d in domain.descriptors {
            let r = try raster(d.source)
            try checkSameGrid(r, d.source.file, as: d8, d8Source.file)
            try StaticRaster.requireData(r, onCells: activeCells, file: d.source.file.path, what: "descriptor '\(d.name)'")
            descriptors.append((d.name, r))
        }
        var areas: [Double]
        if let areaSource = domain.cellArea {
            let r = try raster(areaSource)
            try checkSameGrid(r, areaSource.file, as: d8, d8Source.file)
            areas = []
            for i in activeCells {
                guard r.hasData[i], r.values[i] > 0 else {
                    throw InputError(file: areaSource.file.path, row: i / r.columns, column: i % r.columns, message: "active cell has no positive area")
                }
                areas.append(r.values[i])
            }
        } else {
            areas = activeCells.map { CellArea.squareMetres(row: $0 / d8.columns, rows: d8.rows, geometry: d8.geometry) }
        }
        let active = Raster(rows: d8.rows, columns: d8.columns, geometry: d8.geometry, values: isActive)
        return (CaseGrid(rows: d8.rows, columns: d8.columns, geometry: d8.geometry, active: active, activeCells: activeCells,
                         cellAreaSquareMetres: areas), d8, dem, descriptors)
    }

    /// Decides the window `domain.cut` keeps of the full flow-direction grid.
    func applyCut(_ c: DomainCut, _ d8Source: RasterSource) throws(InputError) {
        let full = try raster(d8Source, integers: true)
        let place = "key 'domain.cut'"
        switch c {
        case let .bbox(x0, y0, x1, y1):
            guard let w = GridWindow.box(xMin: x0, yMin: y0, xMax: x1, yMax: y1, rows: full.rows, columns: full.columns, geometry: full.geometry) else {
                let g = full.geometry
                throw InputError(file: configPath, place: place, message: "box [\(x0), \(y0), \(x1), \(y1)] holds no cell centre of \(d8Source.file.lastPathComponent) (x \(g.xLowerLeft) to \(g.xLowerLeft + Double(full.columns) * g.cellSize), y \(g.yLowerLeft) to \(g.yLowerLeft + Double(full.rows) * g.cellSize))")
            }
            window = w
        case .gauges:
            guard !config.gauges.isEmpty else { throw InputError(file: configPath, place: place, message: "cut: gauges needs gauges") }
            var mask = full.map { _ in 1.0 }
            if let m = config.domain.mask {
                let r = try raster(m)
                try checkSameGrid(r, m.file, as: full, d8Source.file)
                mask = Raster(rows: r.rows, columns: r.columns, geometry: r.geometry, values: zip(r.values, r.hasData).map { $1 && $0 != 0 ? 1 : 0 })
            }
            guard let encoding = FlowDirectionEncoding(rawValue: config.domain.encoding.rawValue) else {
                throw InputError(file: configPath, place: "key 'domain.encoding'", message: "no D8 decoder for '\(config.domain.encoding.rawValue)'")
            }
            let network = try DrainageNetwork(flowDirections: full, encoding: encoding, mask: mask, directionFile: d8Source.file.path,
                                              maskFile: config.domain.mask?.file.path ?? "mask", geographic: full.geometry.isGeographic)
            var outlets: [Int] = []
            for (k, g) in config.gauges.enumerated() {
                var row = -1, column = -1
                if let r = g.row, let c = g.column { row = r; column = c } else if let x = g.x, let y = g.y {
                    let geo = full.geometry
                    let fc = ((x - geo.xLowerLeft) / geo.cellSize).rounded(.down), fr = ((geo.yLowerLeft + Double(full.rows) * geo.cellSize - y) / geo.cellSize).rounded(.down)
                    if abs(fc) < 1e9, abs(fr) < 1e9 { row = Int(fr); column = Int(fc) }
                } else if let idSource = g.idRaster, let id = Double(g.id) {
                    let ids = try raster(idSource)
                    if let i = ids.values.indices.first(where: { ids.hasData[$0] && ids.values[$0] == id }) { row = i / ids.columns; column = i % ids.columns }
                }
                guard let cell = network.cell(row: row, column: column) else {
                    throw InputError(file: configPath, place: "gauges[\(k)] '\(g.id)'", message: "is not on an active cell of the full grid, so its catchment cannot be cut out")
                }
                outlets.append(cell)
            }
            window = GridWindow.catchments(of: outlets, in: network)
        }
        fullGeometry = full.geometry
        let w = window!
        notes.append("cut        rows \(w.row0)..<\(w.row0 + w.rows), columns \(w.column0)..<\(w.column0 + w.columns) of the \(full.rows) x \(full.columns) grid\(w.keep != nil ? ", the gauges' catchments" : ", a bounding box (flow from outside it is not counted)")")
    }

    func lumpedArea() throws(InputError) -> Double {
        if let a = config.domain.lumped?.areaKm2 { return a }
        if let caravan = config.domain.lumped?.caravan {
            let attributes = try caravan.attributes()
            notes.append("lumped     area \(attributes.areaKm2) km², latitude \(attributes.latitude) from \(attributes.file)")
            return attributes.areaKm2
        }
        let p = config.forcing.precipitation
        guard p.format == .camels else {
            throw InputError(file: configPath, place: "key 'domain.lumped.area_km2'", message: "is required when the forcing is not a CAMELS file (or give caravan:)")
        }
        let area = try camels(p.file).areaSquareMetres / 1e6
        guard area > 0 else { throw InputError(file: p.file.path, line: 3, message: "basin area \(area) km² is not positive") }
        return area
    }

    /// The D8 network on the active cells; its cell numbering must be the grid's.
    func drainageNetwork(_ d8: Raster<Double>, grid: CaseGrid) throws(InputError) -> DrainageNetwork {
        let domain = config.domain
        guard let encoding = FlowDirectionEncoding(rawValue: domain.encoding.rawValue) else {
            throw InputError(file: configPath, place: "key 'domain.encoding'", message: "no D8 decoder for '\(domain.encoding.rawValue)'")
        }
        // The mask as 0/1 over the active cells already decided (mask and directions checked).
        let mask = grid.active.map { $0 ? 1.0 : 0.0 }
        let network = try DrainageNetwork(flowDirections: d8, encoding: encoding, mask: mask,
                                          directionFile: domain.flowDirection?.file.path ?? "flow directions",
                                          maskFile: domain.mask?.file.path ?? "mask", geographic: d8.geometry.isGeographic)
        guard network.cellCount == grid.cellCount, zip(network.rasterIndex, grid.activeCells).allSatisfy({ Int($0) == $1 }) else {
            throw InputError(file: domain.flowDirection?.file.path ?? configPath, message: "drainage network has \(network.cellCount) cells, the grid \(grid.cellCount) active cells")
        }
        return network
    }

    // MARK: Time

    func camels(_ url: URL) throws(InputError) -> CamelsForcingFile {
        if let c = camelsCache[url] { return c }
        let c = try CamelsForcingFile.read(url)
        camelsCache[url] = c
        return c
    }

    func gridded(_ source: ForcingSource, _ quantity: ForcingQuantity) throws(InputError) -> GriddedForcing {
        let key = "\(source.file.path)#\(source.variable)#\(quantity)"
        if let g = griddedCache[key] { return g }
        var geometry: GridGeometry?
        var header: GridHeader?
        if let gridFile = source.grid {
            header = try GridHeader.read(gridFile)
            geometry = header!.geometry
        }
        let g = try NetCDFForcingReader.read(source.file, variable: source.variable, quantity: quantity, label: source.label,
                                             grid: geometry, unitsOverride: source.units)
        try checkNetCDFLabel(source, g)
        if let header, header.rows != g.rows || header.columns != g.columns {
            throw InputError(file: source.file.path, place: "variable '\(source.variable)'",
                             message: "is \(g.rows) x \(g.columns) cells but its grid header \(source.grid!.lastPathComponent) says \(header.rows) x \(header.columns)")
        }
        griddedCache[key] = g
        return g
    }

    /// Sub-daily NetCDF times without bounds do not say which end of a step they name: the
    /// config must (`label:`), or the run stops. Daily records keep the CF default (start).
    func checkNetCDFLabel(_ source: ForcingSource, _ g: GriddedForcing) throws(InputError) {
        let file = try NetCDFFile(source.file)
        let variable = try file.variable(source.variable)
        guard let timeName = variable.dimensions.first, file.hasVariable(timeName) else { return }
        let bounds = try file.textAttribute("bounds", of: try file.variable(timeName))
        let place = "variable '\(source.variable)'"
        if let bounds, file.hasVariable(bounds) {
            notes.append("forcing    \(source.file.lastPathComponent), \(place): steps from the time bounds '\(bounds)', first step \(g.time.stepStart(0)) to \(g.time.stepEnd(0))")
        } else if let stated = source.statedLabel {
            notes.append("forcing    \(source.file.lastPathComponent), \(place): times labelled by step \(stated.rawValue) (label in the config), first step \(g.time.stepStart(0)) to \(g.time.stepEnd(0))")
        } else if g.time.stepSeconds < 86_400 {
            throw InputError(file: source.file.path, place: "variable '\(timeName)'",
                             message: "times at steps of \(g.time.stepSeconds) s have no bounds: whether a time is the start or the end of its step cannot be known; state it with label: start or label: end under the forcing entry in the config, or give the time variable bounds")
        }
    }

    /// Window readers of the forcing when every variable the model reads is a gridded NetCDF
    /// variable, PET comes from a file and missing values fail (`CaseForcingWindows`); nil
    /// otherwise (the forcing is then read whole).
    func forcingWindows(_ grid: CaseGrid) throws(InputError) -> CaseForcingWindows? {
        let f = config.forcing
        guard f.missing == .fail, f.petMethod == .file, let petSource = f.pet, f.minimumTemperature == nil, f.maximumTemperature == nil else { return nil }
        let temperatureSource = config.model.snow ? f.temperature : nil
        let sources = [f.precipitation, petSource] + (temperatureSource.map { [$0] } ?? [])
        guard sources.allSatisfy({ $0.format == .netcdf }) else { return nil }
        var headers: [NetCDFForcingHeader] = []
        for (source, quantity) in zip(sources, [ForcingQuantity.waterDepth, .waterDepth, .temperature]) {
            let file = try NetCDFFile(source.file)
            let variable = try file.variable(source.variable)
            if NetCDFForcingReader.isBasinMean(variable) { return nil }
            var geometry: GridGeometry?
            var header: GridHeader?
            if let gridFile = source.grid {
                header = try GridHeader.read(gridFile)
                geometry = header!.geometry
            }
            let h = try NetCDFForcingReader.header(file, url: source.file, variable: source.variable, quantity: quantity, label: source.label,
                                                   grid: geometry, unitsOverride: source.units)
            if let header, header.rows != h.rows || header.columns != h.columns {
                throw InputError(file: source.file.path, place: "variable '\(source.variable)'",
                                 message: "is \(h.rows) x \(h.columns) cells but its grid header \(source.grid!.lastPathComponent) says \(header.rows) x \(header.columns)")
            }
            try checkNetCDFLabel(source, GriddedForcing(name: source.variable, source: source.file.path, quantity: quantity, time: h.time,
                                                        rows: h.rows, columns: h.columns, geometry: h.geometry, values: []))
            headers.append(h)
        }
        let time = try caseTime(headers[0].time)
        let gridFile = config.domain.flowDirection?.file.lastPathComponent ?? "the model grid"
        func reader(_ k: Int, _ name: String) throws(InputError) -> NetCDFForcingWindow {
            try NetCDFForcingWindow(url: sources[k].file, variable: sources[k].variable, name: name, header: headers[k], caseTime: time,
                                    cells: grid.activeCells, grid: grid.active, gridFile: gridFile, window: window)
        }
        return CaseForcingWindows(precipitation: try reader(0, "precipitation"), temperature: temperatureSource == nil ? nil : try reader(2, "temperature"),
                                  pet: try reader(1, "pet"), time: time, limits: f.limits, grid: grid)
    }

    func sourceAxis(_ source: ForcingSource) throws(InputError) -> TimeAxis {
        switch source.format {
        case .netcdf: try gridded(source, .waterDepth).time
        case .camels: try camels(source.file).time
        case .csv: try csvForcing(source).series.time
        }
    }

    func csvForcing(_ source: ForcingSource) throws(InputError) -> CSVForcingColumn {
        let key = "\(source.file.path)#\(source.variable)"
        if let c = csvForcingCache[key] { return c }
        let c = try CSVForcingColumn.read(source.file, column: source.variable, units: source.units, dateColumn: source.dateColumn,
                                          dateFormat: source.dateFormat, label: source.statedLabel)
        csvForcingCache[key] = c
        return c
    }

    func caseTime(_ precipitation: TimeAxis) throws(InputError) -> TimeAxis {
        let step = config.time.stepSeconds
        let start = config.time.start ?? precipitation.start
        let end = config.time.end ?? precipitation.end
        let cal = precipitation.calendar
        let span = cal.seconds(of: end) - cal.seconds(of: start)
        guard span > 0, span % step == 0 else {
            throw InputError(file: configPath, place: "key 'time'", message: "\(start) to \(end) is not a whole number of \(step) s steps")
        }
        return TimeAxis(calendar: cal, start: start, stepSeconds: step, count: Int(span / step))
    }

    func periodSteps(_ time: TimeAxis) throws(InputError) -> [String: Range<Int>] {
        var ranges: [String: Range<Int>] = [:]
        for p in config.periods.all {
            guard p.start >= time.start, p.end <= time.end else {
                throw InputError(file: configPath, line: p.line, place: "key 'periods.\(p.name)'",
                                 message: "\(p.start) to \(p.end) lies outside the case's time \(time.start) to \(time.end)")
            }
            let r = time.steps(from: p.start, to: p.end)
            guard !r.isEmpty else { throw InputError(file: configPath, line: p.line, place: "key 'periods.\(p.name)'", message: "holds no whole step") }
            ranges[p.name] = r
        }
        if let w = ranges["warmup"], let c = ranges["calibration"], w.upperBound > c.lowerBound {
            throw InputError(file: configPath, line: config.periods.calibration?.line, place: "key 'periods.calibration'", message: "starts before the warm-up ends")
        }
        return ranges
    }

    // MARK: Forcing

    /// The steps of `axis` that the case needs, or an error saying what the file covers.
    func window(_ axis: TimeAxis, for time: TimeAxis, source: String) throws(InputError) -> Range<Int> {
        guard axis.stepSeconds == time.stepSeconds else {
            throw InputError(file: source, message: "steps of \(axis.stepSeconds) s; the case's time.step is \(time.stepSeconds) s")
        }
        guard let first = axis.index(ofStepStartingAt: time.start), first + time.count <= axis.count else {
            throw InputError(file: source, message: "covers \(axis.start) to \(axis.end); the case needs \(time.start) to \(time.end)")
        }
        return first..<(first + time.count)
    }

    func field(_ name: String, _ source: ForcingSource, _ quantity: ForcingQuantity, _ grid: CaseGrid, _ time: TimeAxis) throws(InputError) -> ForcingField {
        switch source.format {
        case .netcdf:
            let g = try gridded(source, quantity)
            let range = try window(g.time, for: time, source: "\(source.file.path), variable '\(source.variable)'")
            // A basin-mean variable (time only, or one cell) applies to every cell of the case.
            let gridFile = config.domain.flowDirection?.file.lastPathComponent ?? "the model grid"
            var mapped = try g.onCells(grid.activeCells, of: grid.active, gridFile: gridFile, steps: range)
            mapped.name = name
            mapped.source = "\(source.file.path), variable '\(source.variable)'"
            return mapped
        case .camels:
            guard grid.cellCount == 1 else {
                throw InputError(file: source.file.path, message: "CAMELS forcing is basin-mean; it fits a lumped case only (the grid has \(grid.cellCount) cells)")
            }
            let c = try camels(source.file)
            let series = try c.series(source.variable, file: source.file.path)
            let stated = source.units ?? c.units[source.variable.lowercased()] ?? ""
            guard let conversion = UnitConversion.to(quantity, from: stated, stepSeconds: c.time.stepSeconds) else {
                throw InputError(file: source.file.path, place: "column '\(source.variable)'",
                                 message: "units '\(stated)' are not \(quantity == .waterDepth ? "a water depth or rate" : "a temperature") HydroGPU converts (\(UnitConversion.accepted(quantity)))")
            }
            let range = try window(c.time, for: time, source: "\(source.file.path), column '\(source.variable)'")
            let values = series.values[range].map { $0.isNaN ? $0 : conversion.apply($0) }
            return ForcingField(name: name, source: "\(source.file.path), column '\(source.variable)'", quantity: quantity, time: time, cells: 1, values: values)
        case .csv:
            guard grid.cellCount == 1 else {
                throw InputError(file: source.file.path, message: "CSV forcing is basin-mean; it fits a lumped case only (the grid has \(grid.cellCount) cells)")
            }
            let c = try csvForcing(source)
            let place = "column '\(source.variable)'"
            guard let stated = c.units else {
                throw InputError(file: source.file.path, place: place, message: "units are not stated: give units: in the config (\(UnitConversion.accepted(quantity))) or write them in the header, e.g. \(source.variable)(mm/day)")
            }
            guard let conversion = UnitConversion.to(quantity, from: stated, stepSeconds: c.series.time.stepSeconds) else {
                throw InputError(file: source.file.path, place: place,
                                 message: "units '\(stated)' are not \(quantity == .waterDepth ? "a water depth or rate" : "a temperature") HydroGPU converts (\(UnitConversion.accepted(quantity)))")
            }
            let range = try window(c.series.time, for: time, source: "\(source.file.path), \(place)")
            if let l = c.series.labelling { notes.append("forcing    \(name) (\(source.file.lastPathComponent), \(place), \(stated)): \(l.describe(record: c.series.time, on: time))") }
            let values = c.series.values[range].map { $0.isNaN ? $0 : conversion.apply($0) }
            return ForcingField(name: name, source: "\(source.file.path), \(place)", quantity: quantity, time: time, cells: 1, values: values)
        }
    }

    /// First index where `bad` holds (a plain loop: these fields reach 10⁸ values).
    func firstIndex(_ values: [Double], _ bad: (Double) -> Bool) -> Int? {
        values.withUnsafeBufferPointer { v in
            for i in 0..<v.count where bad(v[i]) { return i }
            return nil
        }
    }

    func checkTemperature(_ f: ForcingField) throws(InputError) {
        guard let i = firstIndex(f.values, { $0 < -90 || $0 > 60 }) else { return }
        let t = i / f.cells
        throw InputError(file: f.source, place: "time index \(t) (\(f.time.stepStart(t))), cell \(i % f.cells)",
                         message: "\(f.name) \(f.values[i]) °C is not a plausible air temperature (units wrong?)")
    }

    func hargreaves(tmin: ForcingField, tmax: ForcingField, grid: CaseGrid, time: TimeAxis) throws(InputError) -> ForcingField {
        guard time.stepSeconds <= 86_400 else {
            throw InputError(file: configPath, place: "key 'forcing.pet_method'", message: "Hargreaves needs daily or finer steps")
        }
        // Latitude per cell: the config's, a lumped basin's header, or a geographic grid's.
        var latitudes: [Double]
        if let lat = config.forcing.latitude ?? config.domain.lumped?.latitude {
            latitudes = [Double](repeating: lat, count: grid.cellCount)
        } else if let caravan = config.domain.lumped?.caravan {
            latitudes = [Double](repeating: try caravan.attributes().latitude, count: grid.cellCount)
        } else if config.domain.lumped != nil || grid.cellCount == 1, config.forcing.minimumTemperature?.format == .camels {
            latitudes = [try camels(config.forcing.minimumTemperature!.file).latitude]
        } else if grid.geometry.isGeographic {
            latitudes = grid.activeCells.map { grid.geometry.center(row: $0 / grid.columns, column: $0 % grid.columns, rows: grid.rows).y }
        } else {
            throw InputError(file: configPath, place: "key 'forcing.latitude'", message: "Hargreaves PET needs a latitude on a projected grid")
        }
        var values = [Double](repeating: .nan, count: time.count * grid.cellCount)
        for c in 0..<grid.cellCount {
            let series = Hargreaves.series(tmin: (0..<time.count).map { tmin.values[$0 * tmin.cells + c] },
                                           tmax: (0..<time.count).map { tmax.values[$0 * tmax.cells + c] },
                                           latitude: latitudes[c], time: time)
            for t in 0..<time.count { values[t * grid.cellCount + c] = series[t] }
        }
        return ForcingField(name: "pet", source: "Hargreaves from \(tmin.source) and \(tmax.source)", quantity: .waterDepth,
                            time: time, cells: grid.cellCount, values: values)
    }

    // MARK: Gauges

    func loadGauges(grid: CaseGrid, time: TimeAxis, upstreamKm2: [Double]?) throws(InputError) -> [CaseGauge] {
        var gauges: [CaseGauge] = []
        for (k, g) in config.gauges.enumerated() {
            let (row, column, cell) = try placeGauge(k, g, grid: grid)
            let place = "gauges[\(k)] '\(g.id)'"
            var area = g.areaKm2
            if area == nil, config.domain.lumped != nil { area = grid.totalAreaKm2 }
            var observed: [Double]?
            var observedSource: String?
            if let o = g.observed {
                let series = try observations(o, gauge: g.id)
                let converted = try inCubicMetresPerSecond(series, o, gauge: g.id, place: place,
                                                           area: area.map { ($0, "declared") } ?? upstreamKm2.map { ($0[cell], "D8 upstream") })
                try ObservationPlausibility.check(converted, gauge: g.id)
                observed = try converted.aligned(to: time)
                observedSource = o.file.path
                if let l = series.labelling {
                    notes.append("observed   \(g.id) (\(o.file.lastPathComponent)\(o.column.map { ", column '\($0)'" } ?? "")): \(l.describe(record: series.time, on: time))")
                }
            }
            gauges.append(CaseGauge(id: g.id, row: row, column: column, cell: cell, declaredAreaKm2: area, observed: observed, observedSource: observedSource))
        }
        return gauges
    }

    /// The cell of gauge `k` as the config places it: row/col, the cell containing x/y, or the
    /// cell of its id in an id raster. Throws naming the gauge when it is off the grid or inactive.
    func placeGauge(_ k: Int, _ g: GaugeConfig, grid: CaseGrid) throws(InputError) -> (row: Int, column: Int, cell: Int) {
        let place = "gauges[\(k)] '\(g.id)'"
        var row = 0, column = 0
        if config.domain.lumped != nil {
            row = 0; column = 0
        } else if let r = g.row, let c = g.column {
            // Config rows and columns name the full grid, also when the domain is cut.
            row = r - (window?.row0 ?? 0); column = c - (window?.column0 ?? 0)
        } else if let x = g.x, let y = g.y {
            let geo = grid.geometry
            let fc = ((x - geo.xLowerLeft) / geo.cellSize).rounded(.down)
            let fr = ((geo.yLowerLeft + Double(grid.rows) * geo.cellSize - y) / geo.cellSize).rounded(.down)
            column = abs(fc) < 1e9 ? Int(fc) : -1
            row = abs(fr) < 1e9 ? Int(fr) : -1
        } else if let idSource = g.idRaster {
            let ids = try raster(idSource, integers: true)
            if let d8 = config.domain.flowDirection { try checkSameGrid(ids, idSource.file, as: try raster(d8, integers: true), d8.file) }
            guard let id = Double(g.id) else {
                throw InputError(file: configPath, place: place, message: "id '\(g.id)' is not a number, so it cannot be found in \(idSource.file.lastPathComponent)")
            }
            let cells = ids.values.indices.filter { ids.hasData[$0] && ids.values[$0] == id }
            guard cells.count == 1 else {
                throw InputError(file: idSource.file.path, place: "gauge \(g.id)",
                                 message: cells.isEmpty ? "no cell holds gauge id \(g.id)" : "gauge id \(g.id) is on \(cells.count) cells")
            }
            row = cells[0] / ids.columns; column = cells[0] % ids.columns
        } else {
            throw InputError(file: configPath, place: place, message: "has no location (row/col, x/y or id_raster)")
        }
        guard row >= 0, row < grid.rows, column >= 0, column < grid.columns else {
            throw InputError(file: configPath, row: row, column: column, place: place, message: "lies outside the \(grid.rows) x \(grid.columns) grid")
        }
        guard let cell = grid.cellIndex(row: row, column: column) else {
            throw InputError(file: configPath, row: row, column: column, place: place, message: "lies on an inactive cell")
        }
        return (row, column, cell)
    }

    /// A gauge's record in its own units (only its column is parsed).
    func observations(_ o: ObservationSource, gauge: String) throws(InputError) -> TimeSeries {
        switch o.format {
        case .usgs: return try DischargeFiles.readUSGS(o.file)
        case .mhm: return try DischargeFiles.readMHM(o.file)
        case .camels_output: return try DischargeFiles.readCamelsModelOutput(o.file, column: o.column)
        case .csv:
            return try DischargeFiles.readCSVColumn(o.file, column: o.column ?? gauge, dateColumn: o.dateColumn, dateFormat: o.dateFormat,
                                                    label: o.label, nodata: o.nodata)
        }
    }

    /// `series` converted from the record's units to m³/s; depths use the gauge's `area`
    /// (declared, the lumped basin's, else the D8 upstream area of its cell).
    func inCubicMetresPerSecond(_ series: TimeSeries, _ o: ObservationSource, gauge: String, place: String,
                                area: (km2: Double, kind: String)?) throws(InputError) -> TimeSeries {
        let units: DischargeUnits
        let unitsText: String
        switch o.format {
        case .usgs, .mhm: return series  // their readers give m³/s
        case .camels_output: units = o.units ?? .depth(perSeconds: 86_400); unitsText = o.unitsText ?? "mm/d"
        case .csv:
            // Units: the config's, else the header's (`discharge_spec(mm/d)`), else m³/s.
            if let u = o.units {
                units = u; unitsText = o.unitsText ?? ""
            } else if let header = DelimitedTable.unitsInHeader(series.name) {
                guard let u = DischargeUnits(header) else {
                    throw InputError(file: o.file.path, line: series.labelling.map { $0.firstLine - 1 }, place: "column '\(series.name)'",
                                     message: "units '\(header)' in the header are not discharge units HydroGPU converts (\(DischargeUnits.accepted)); give units: in the config")
                }
                units = u; unitsText = header
            } else {
                units = .volumeRate(factor: 1); unitsText = "m3/s"
            }
        }
        guard let factor = units.factor(stepSeconds: series.time.stepSeconds, areaKm2: area?.km2) else {
            throw InputError(file: configPath, place: place, message: "observed discharge in \(unitsText) needs the gauge's catchment area: give area_km2")
        }
        if units.needsArea, let area {
            notes.append("observed   \(gauge): \(unitsText) -> m³/s with the \(area.kind) area \(String(format: "%.1f", area.km2)) km²")
        }
        guard factor != 1 else { return series }
        var out = series
        out.values = series.values.map { $0 * factor }
        return out
    }
}

/// Cell areas from grid geometry.
public enum CellArea {
    /// Authalic Earth radius, m (sphere of the WGS84 ellipsoid's area).
    public static let earthRadius = 6_371_007.2

    /// Area in m² of a cell in `row`: cellSize² on a projected grid; on a geographic grid the
    /// spherical band R² Δλ (sin φ_north − sin φ_south).
    public static func squareMetres(row: Int, rows: Int, geometry g: GridGeometry) -> Double {
        guard g.isGeographic else { return g.cellSize * g.cellSize }
        let south = g.yLowerLeft + Double(rows - row - 1) * g.cellSize
        let north = south + g.cellSize
        let rad = Double.pi / 180
        return earthRadius * earthRadius * g.cellSize * rad * (sin(north * rad) - sin(south * rad))
    }
}
