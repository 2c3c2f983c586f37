import Foundation
import HydroDomain
import HydroModel

/// A catchment case with every input read, checked and put on the model's cells and steps:
/// what a run, a calibration or `hydrogpu validate` starts from.
///
/// Cells are the active cells of the grid, in row-major order (`grid.activeCells`); forcing
/// fields are `[steps][cells]` with NaN where the source had no data.
public struct HydroCase: Sendable {
    public var config: CaseConfig
    public var grid: CaseGrid
    /// D8 codes as read (in `config.domain.encoding`), nil for a lumped case.
    public var flowDirection: Raster<Double>?
    /// The D8 routing domain on the active cells (same cell numbering as `grid.activeCells`),
    /// with topological levels; nil for a lumped case.
    public var network: DrainageNetwork?
    public var dem: Raster<Double>?
    /// Descriptors in config order.
    public var descriptors: [(name: String, raster: Raster<Double>)]
    /// The steps the case runs.
    public var time: TimeAxis
    /// Step ranges of the configured periods (nil when not configured).
    public var warmupSteps: Range<Int>?
    public var calibrationSteps: Range<Int>?
    public var validationSteps: Range<Int>?
    public var precipitation: ForcingField
    /// Air temperature (nil when the case has none: then snow is off).
    public var temperature: ForcingField?
    public var pet: ForcingField
    public var gauges: [CaseGauge]
    /// What loading decided about the inputs: how each text record's rows map to steps,
    /// unit conversions, CRS assumptions (printed by `validate`).
    public var inputNotes: [String] = []
    /// Doubts about inputs that are not errors (e.g. magnitudes suggesting wrong units), for
    /// `validate` and the run commands to print.
    public var warnings: [String] = []
    /// Set when the forcing is read a window at a time (`load(_:windowedForcing:)`): then the
    /// forcing fields above hold no values and runs read windows from here.
    public var forcingWindows: CaseForcingWindows?
    /// The glacier on the model cells (`model.glacier`), nil without one.
    public var glacier: GlacierMaps?
    /// DZ per model cell, m: the cell's elevation minus the forcing's (`model.elevation`,
    /// docs/ELEVATION.md); nil without elevations.
    public var elevationOffsets: [Double]?
    /// A lumped basin's elevation bands (`domain.lumped.bands`), empty otherwise. With bands the
    /// model has one cell per band (`modelCells`): the glacier and elevation offsets hold one
    /// value per band while `grid` and the forcing fields stay the basin's one cell.
    public var bands: [ElevationBand] { config.domain.lumped?.bands ?? [] }
    /// The cells the model computes: the active cells, or a lumped basin's bands.
    public var modelCells: Int { bands.isEmpty ? grid.cellCount : bands.count }
    /// Area of each model cell, m²: the active cells', or each band's share of the basin.
    public var modelCellAreas: [Double] {
        guard !bands.isEmpty else { return grid.cellAreaSquareMetres }
        let basin = grid.cellAreaSquareMetres.reduce(0, +), total = bands.reduce(0) { $0 + $1.areaFraction }
        return bands.map { basin * $0.areaFraction / total }
    }

    /// Reads the config at `url` and everything it names.
    public static func load(_ url: URL) throws(InputError) -> HydroCase {
        try CaseLoader(config: try CaseConfig.load(url)).load()
    }

    public static func load(_ config: CaseConfig) throws(InputError) -> HydroCase {
        try CaseLoader(config: config).load()
    }

    /// With `windowedForcing`, a case whose forcing can be read a window at a time
    /// (`CaseForcingWindows`: gridded NetCDF, PET from a file, `forcing.missing: fail`) is
    /// loaded without its forcing, which runs then read window by window (`simulate`).
    public static func load(_ config: CaseConfig, windowedForcing: Bool) throws(InputError) -> HydroCase {
        try CaseLoader(config: config).load(windowedForcing: windowedForcing)
    }

    /// The model's forcing, with missing values handled by the config's policy (`fail`
    /// names the first missing value; `interpolate` fills linearly in time per cell). A case
    /// without snow reads no temperature file: its temperature rows are 0 °C, kept only so that
    /// every forcing record has one layout; no operator of a snow-free run reads them (the
    /// snow's null operator takes all precipitation as rain, `SnowProcess.absentForward`).
    public func hbvForcing<Real: BinaryFloatingPoint & Sendable>(_: Real.Type = Real.self) throws(InputError) -> HBVForcing<Real> {
        let policy = config.forcing.missing
        let p = try precipitation.filled(policy)
        let e = try pet.filled(policy)
        let t = try temperature?.filled(policy) ?? [Double](repeating: 0, count: time.count * grid.cellCount)
        return HBVForcing(steps: time.count, cells: grid.cellCount, precipitation: p.map { Real($0) },
                          temperature: t.map { Real($0) }, pet: e.map { Real($0) })
    }
}

/// The model grid: a raster geometry and its active cells.
public struct CaseGrid: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var geometry: GridGeometry
    /// Whether each grid cell is modelled (`rows * columns`).
    public var active: Raster<Bool>
    /// Flat indices `row * columns + column` of the active cells, row-major.
    public var activeCells: [Int]
    /// Area of each active cell, m².
    public var cellAreaSquareMetres: [Double]

    public init(rows: Int, columns: Int, geometry: GridGeometry, active: Raster<Bool>, activeCells: [Int], cellAreaSquareMetres: [Double]) {
        self.rows = rows
        self.columns = columns
        self.geometry = geometry
        self.active = active
        self.activeCells = activeCells
        self.cellAreaSquareMetres = cellAreaSquareMetres
    }

    public var cellCount: Int { activeCells.count }

    /// A raster of the grid holding `values` (one per active cell) on the active cells, no data elsewhere.
    public func raster(ofActiveCells values: [Double]) -> Raster<Double> {
        var grid = [Double](repeating: .nan, count: rows * columns)
        var has = [Bool](repeating: false, count: grid.count)
        for (c, flat) in activeCells.enumerated() { grid[flat] = values[c]; has[flat] = true }
        return Raster(rows: rows, columns: columns, geometry: geometry, values: grid, hasData: has)
    }

    public var totalAreaKm2: Double { cellAreaSquareMetres.reduce(0, +) / 1e6 }

    /// Index among active cells of grid cell (row, column), or nil if inactive.
    public func cellIndex(row: Int, column: Int) -> Int? {
        guard row >= 0, row < rows, column >= 0, column < columns else { return nil }
        let flat = row * columns + column
        guard active.values[flat] else { return nil }
        var lo = 0, hi = activeCells.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if activeCells[mid] < flat { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// A gauge placed on the case's cells, with its observations on the case's steps.
public struct CaseGauge: Sendable, Equatable {
    public var id: String
    public var row: Int
    public var column: Int
    /// Index among the active cells.
    public var cell: Int
    /// Area the station's metadata (or the lumped basin) declares, km².
    public var declaredAreaKm2: Double?
    /// Area the D8 network drains through the gauge's cell (itself included), km²; nil when lumped.
    public var upstreamAreaKm2: Double?
    /// Observed discharge m³/s per case step, NaN where missing; nil without observations.
    public var observed: [Double]?
    public var observedSource: String?

    /// The memberwise initialiser, for the layers above too (a synthesised one is internal to
    /// HydroIO): training names an unobserved case's outlets as gauges.
    package init(id: String, row: Int, column: Int, cell: Int, declaredAreaKm2: Double? = nil, upstreamAreaKm2: Double? = nil,
                 observed: [Double]? = nil, observedSource: String? = nil) {
        self.id = id
        self.row = row
        self.column = column
        self.cell = cell
        self.declaredAreaKm2 = declaredAreaKm2
        self.upstreamAreaKm2 = upstreamAreaKm2
        self.observed = observed
        self.observedSource = observedSource
    }
}

extension HydroCase {
    /// A static raster's values on the active cells (descriptor `name`, or "dem"), for
    /// regionalisation. Throws when an active cell has no value, naming its row and column.
    public func valuesOnCells(_ name: String) throws(InputError) -> [Double] {
        let raster: Raster<Double>
        let file: String
        if name == "dem", let dem {
            raster = dem
            file = config.domain.dem?.file.path ?? "dem"
        } else if let d = descriptors.first(where: { $0.name == name }) {
            raster = d.raster
            file = config.domain.descriptors.first { $0.name == name }?.source.file.path ?? name
        } else {
            throw InputError(file: config.file.path, place: "domain.descriptors", message: "no descriptor '\(name)' (have: \(descriptors.map(\.name).joined(separator: ", ")))")
        }
        var out: [Double] = []
        out.reserveCapacity(grid.cellCount)
        for flat in grid.activeCells {
            guard raster.hasData[flat], raster.values[flat].isFinite else {
                throw InputError(file: file, row: flat / grid.columns, column: flat % grid.columns, message: "active cell has no \(name) value")
            }
            out.append(raster.values[flat])
        }
        return out
    }
}

extension ForcingField {
    /// Values with missing ones handled by `policy`.
    func filled(_ policy: MissingForcingPolicy) throws(InputError) -> [Double] {
        guard let firstMissing = values.firstIndex(where: \.isNaN) else { return values }
        switch policy {
        case .fail:
            let t = firstMissing / cells
            throw InputError(file: source, place: "time index \(t) (\(time.stepStart(t)) to \(time.stepEnd(t))), cell \(firstMissing % cells)",
                             message: "\(name) is missing; set forcing.missing: interpolate to fill gaps in time")
        case .interpolate, .interpolateExtend:
            var out = values
            for c in 0..<cells {
                var lastGood: Int?
                var t = 0
                while t < time.count {
                    if !out[t * cells + c].isNaN { lastGood = t; t += 1; continue }
                    var next = t
                    while next < time.count, out[next * cells + c].isNaN { next += 1 }
                    for k in t..<next {
                        switch (lastGood, next < time.count ? next : nil) {
                        case let (a?, b?):
                            let w = Double(k - a) / Double(b - a)
                            out[k * cells + c] = (1 - w) * out[a * cells + c] + w * out[b * cells + c]
                        case (nil, nil):
                            throw InputError(file: source, place: "cell \(c)", message: "\(name) has no value at any step")
                        case let (a?, nil) where policy == .interpolateExtend: out[k * cells + c] = out[a * cells + c]
                        case let (nil, b?) where policy == .interpolateExtend: out[k * cells + c] = out[b * cells + c]
                        case (_, nil), (nil, _):
                            throw InputError(file: source, place: "time index \(k) (\(time.stepStart(k))), cell \(c)",
                                             message: "\(name) is missing at an end of the record: nothing on one side to interpolate from (forcing.missing: interpolate_extend copies the nearest value)")
                        }
                    }
                    t = next
                }
            }
            return out
        }
    }
}
