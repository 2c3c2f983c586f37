import Foundation
import HydroDomain
import HydroModel

/// One catchment case, as a YAML file describes it (see configs/*.yaml and README's "Case
/// configuration"). Paths are resolved relative to the config file. Parsing is strict:
/// unknown keys, wrong types and impossible values are `InputError`s naming the file, the
/// line and the key.
public struct CaseConfig: Sendable, Equatable {
    /// The config file itself.
    public var file: URL
    public var name: String
    public var domain: DomainConfig
    public var time: TimeConfig
    public var periods: PeriodsConfig
    public var forcing: ForcingConfig
    public var gauges: [GaugeConfig]
    public var model: ModelOptions
    public var output: OutputConfig
    /// Calibrated quantities by name (`HBVParameter.name` or `velocity`); absent ones use the
    /// defaults of `TrainingSetup`.
    public var parameters: [String: ParameterConfig] = [:]
    public var training = TrainingConfig()
    /// The network for `spatial: network` parameters (nil: none).
    public var regionalisation: RegionalisationConfig?

    /// Reads and checks the config at `url` (the files it names are not opened here).
    public static func load(_ url: URL) throws(InputError) -> CaseConfig {
        try parse(try readText(url), file: url)
    }

    /// The text of a config file; a missing or unreadable file is an error naming it.
    static func readText(_ url: URL) throws(InputError) -> String {
        // Missing, a folder, unreadable: named; the size limit is checked before the file is
        // read (YAMLLimits checks the text again).
        try InputFile.checkReadable(url)
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > YAMLLimits.maximumBytes {
            throw InputError(file: url.path, message: "\(size) bytes; a configuration may have at most \(YAMLLimits.maximumBytes) bytes")
        }
        return try InputFile.readText(url)
    }

    /// Parses config `text` as if read from `file` (relative paths resolve from its folder).
    public static func parse(_ text: String, file: URL) throws(InputError) -> CaseConfig {
        try CaseConfigParser(file: URL(fileURLWithPath: file.absoluteURL.path).standardizedFileURL).parse(text)
    }
}

/// A raster input: a file GDAL (or the ESRI ASCII reader) opens.
public struct RasterSource: Sendable, Equatable {
    public var file: URL
    /// Replaces the file's own nodata value (pyflwdir's D8 GeoTIFFs use 247 and declare none).
    public var nodata: Double?
    public var band: Int
    /// A variable of a NetCDF file (wflow-style staticmaps), read through GDAL's subdataset
    /// `NETCDF:"file":variable`; nil: the file is the raster.
    public var variable: String?

    public init(file: URL, nodata: Double? = nil, band: Int = 1, variable: String? = nil) {
        self.file = file
        self.nodata = nodata
        self.band = band
        self.variable = variable
    }

    /// The file and variable, for messages.
    public var label: String { variable.map { "\(file.path), variable '\($0)'" } ?? file.path }
}

/// How a D8 grid encodes its directions (the codes `validate` accepts).
public enum D8Encoding: String, Sendable, CaseIterable, Codable {
    /// 1 E, 2 SE, 4 S, 8 SW, 16 W, 32 NW, 64 N, 128 NE, 0 outlet.
    case esri
    /// 1..8 clockwise from north, 0 outlet.
    case smash
    /// PCRaster keypad 1..9, 5 pit.
    case ldd

    public var validCodes: Set<Int> {
        switch self {
        case .esri: [0, 1, 2, 4, 8, 16, 32, 64, 128]
        case .smash: Set(0...8)
        case .ldd: Set(1...9)
        }
    }
}

public struct DomainConfig: Sendable, Equatable {
    /// D8 flow directions (grid cases).
    public var flowDirection: RasterSource?
    public var encoding: D8Encoding
    /// Active cells: those with data and a non-zero value. Without a mask, every cell with a
    /// flow direction is active.
    public var mask: RasterSource?
    public var dem: RasterSource?
    /// Cell areas in m²; without it, areas come from the geometry.
    public var cellArea: RasterSource?
    /// Static descriptors for regionalisation, in config order.
    public var descriptors: [NamedRaster]
    /// A lumped case (one cell) instead of rasters.
    public var lumped: LumpedDomain?
    /// Cut a smaller domain out of the flow-direction grid (nil: the whole grid).
    public var cut: DomainCut? = nil
}

public struct NamedRaster: Sendable, Equatable {
    public var name: String
    public var source: RasterSource
}

/// A single-cell basin.
public struct LumpedDomain: Sendable, Equatable {
    /// Basin area, km²; nil: taken from the forcing file header (CAMELS gives m²).
    public var areaKm2: Double?
    /// Latitude in degrees, for Hargreaves PET; nil: from the forcing header.
    public var latitude: Double?
    /// A Caravan basin whose attributes give the area and latitude when these are nil.
    public var caravan: CaravanBasin? = nil
    /// Elevation bands (`domain.lumped.bands`, docs/ELEVATION.md): the basin computed as one
    /// model cell per band, all reading the basin's forcing corrected to the band's elevation,
    /// their runoff summed by area before the unit hydrograph. Empty: one cell.
    public var bands: [ElevationBand] = []
}

/// One elevation band of a lumped basin.
public struct ElevationBand: Sendable, Equatable {
    /// Mean elevation of the band, m.
    public var elevation: Double
    /// Share of the basin's area, 0-1 (the bands' shares sum to 1).
    public var areaFraction: Double
    /// Share of the band's area under glacier ice, 0-1 (read when `model.glacier` is set).
    public var glacierFraction: Double

    public init(elevation: Double, areaFraction: Double, glacierFraction: Double = 0) {
        self.elevation = elevation
        self.areaFraction = areaFraction
        self.glacierFraction = glacierFraction
    }
}

public struct TimeConfig: Sendable, Equatable {
    public var stepSeconds: Int64
    /// Start of the first step; nil: the start of the precipitation record.
    public var start: CivilTime?
    /// End of the last step; nil: the end of the precipitation record.
    public var end: CivilTime?

    public init(stepSeconds: Int64, start: CivilTime? = nil, end: CivilTime? = nil) {
        self.stepSeconds = stepSeconds
        self.start = start
        self.end = end
    }
}

/// A named span of time: steps lying within `[start, end]`.
public struct Period: Sendable, Equatable {
    public var name: String
    public var start: CivilTime
    /// The instant the period ends (a date alone in the config means the end of that day).
    public var end: CivilTime
    /// Line of the config that gives it, for messages.
    public var line: Int?

    public init(name: String, start: CivilTime, end: CivilTime, line: Int? = nil) {
        self.name = name
        self.start = start
        self.end = end
        self.line = line
    }
}

public struct PeriodsConfig: Sendable, Equatable {
    public var warmup: Period?
    public var calibration: Period?
    public var validation: Period?
    public var all: [Period] { [warmup, calibration, validation].compactMap { $0 } }

    public init(warmup: Period? = nil, calibration: Period? = nil, validation: Period? = nil) {
        self.warmup = warmup
        self.calibration = calibration
        self.validation = validation
    }
}

public enum ForcingFormat: String, Sendable, CaseIterable, Codable {
    case netcdf
    /// CAMELS basin-mean text forcing; `variable` is a column (prcp, tmin, tmax, ...).
    case camels
    /// A dated CSV (basin means); `variable` is a column.
    case csv
}

/// Where one forcing variable comes from.
public struct ForcingSource: Sendable, Equatable {
    public var file: URL
    public var format: ForcingFormat
    /// NetCDF variable or CAMELS column.
    public var variable: String
    /// Replaces the file's units attribute.
    public var units: String?
    /// An ESRI-style header file giving the forcing grid (mHM's header.txt).
    public var grid: URL?
    /// How steps are labelled when the file has no time bounds.
    public var label: TimeLabel
    /// CSV: the date column's form (nil: detected from the first row) and name (nil: `date`...).
    public var dateFormat: DateFormat? = nil
    public var dateColumn: String? = nil
    /// `label` as the config states it (nil: not stated; CSV rows then follow `RecordRows.axis`).
    public var statedLabel: TimeLabel? = nil
}

public enum PETMethod: String, Sendable, CaseIterable, Codable {
    /// Read from `pet`.
    case file
    /// Hargreaves from `tmin`, `tmax` and latitude.
    case hargreaves
}

/// What to do with missing forcing values when building the model's input.
public enum MissingForcingPolicy: String, Sendable, CaseIterable, Codable {
    /// Refuse to run, naming the variable and time index.
    case fail
    /// Linear interpolation in time per cell, between valid values only: a gap at the start
    /// or end of the record is an error naming the time index.
    case interpolate
    /// As `interpolate`, and a gap at the start or end copies the nearest value.
    case interpolateExtend = "interpolate_extend"
}

public struct ForcingConfig: Sendable, Equatable {
    public var precipitation: ForcingSource
    public var temperature: ForcingSource?
    public var pet: ForcingSource?
    public var petMethod: PETMethod
    public var minimumTemperature: ForcingSource?
    public var maximumTemperature: ForcingSource?
    /// Latitude for Hargreaves on a projected grid (degrees).
    public var latitude: Double?
    public var missing: MissingForcingPolicy
    /// Physical maxima of precipitation and PET (`forcing.limits`).
    public var limits = ForcingLimits()
}

public enum ObservationFormat: String, Sendable, CaseIterable, Codable {
    /// `date,<gauge>,...` with empty cells missing (m³/s).
    case csv
    /// CAMELS USGS streamflow, ft³/s, -999 missing.
    case usgs
    /// mHM gauge file (m³/s).
    case mhm
    /// CAMELS benchmark model output (`*_model_output.txt`): OBS_RUN (or `column`) in mm/day.
    case camels_output
}

public struct ObservationSource: Sendable, Equatable {
    public var file: URL
    public var format: ObservationFormat
    /// CSV column; nil: the gauge id.
    public var column: String?
    /// Whether a row's time is its step's start or end, as the config states it (nil: not stated).
    public var label: TimeLabel?
    /// Units of the values (nil: the format's own, m³/s for CSV).
    public var units: DischargeUnits? = nil
    public var unitsText: String? = nil
    /// CSV: the date column's form and name (nil: detected), and a number meaning missing.
    public var dateFormat: DateFormat? = nil
    public var dateColumn: String? = nil
    public var nodata: Double? = nil
}

public struct GaugeConfig: Sendable, Equatable {
    public var id: String
    /// 0-based row (0 = north) and column.
    public var row: Int?
    public var column: Int?
    /// Or coordinates (CRS units) of a point in the gauge's cell.
    public var x: Double?
    public var y: Double?
    /// Or a grid of gauge ids (mHM's idgauges.asc) holding this id on one cell.
    public var idRaster: RasterSource?
    /// Area the station's metadata declares, km².
    public var areaKm2: Double?
    public var observed: ObservationSource?

    public init(id: String, row: Int? = nil, column: Int? = nil, x: Double? = nil, y: Double? = nil, idRaster: RasterSource? = nil,
                areaKm2: Double? = nil, observed: ObservationSource? = nil) {
        self.id = id
        self.row = row
        self.column = column
        self.x = x
        self.y = y
        self.idRaster = idRaster
        self.areaKm2 = areaKm2
        self.observed = observed
    }
}

public enum RoutingMethod: String, Sendable, CaseIterable, Codable {
    /// D8 network routing (MODEL.md 4.1).
    case d8
    /// Gamma unit hydrograph, lumped (MODEL.md 4.2).
    case gamma
    case none
}

public struct ModelOptions: Sendable, Equatable {
    public var solver: HBVSolver
    public var snow: Bool
    public var routing: RoutingMethod
    public var components: Int
    /// Memory a run may hold for its time windows (`model.memory_budget`, e.g. `8GB`), bytes;
    /// nil: the default (`SimulationWindowPlan.defaultBudgetBytes`).
    public var memoryBudgetBytes: Double?
    /// The glacier (`model.glacier`, docs/GLACIER.md): nil, the case has none.
    public var glacier: GlacierConfig? = nil
    /// The cells' and the forcing's elevations (`model.elevation`, docs/ELEVATION.md): nil, the
    /// forcing is taken as it is (no lapse rate, no precipitation gradient).
    public var elevation: ElevationConfig? = nil

    public init(solver: HBVSolver = .sequential, snow: Bool = false, routing: RoutingMethod = .d8, components: Int = 1, memoryBudgetBytes: Double? = nil) {
        self.solver = solver
        self.snow = snow
        self.routing = routing
        self.components = components
        self.memoryBudgetBytes = memoryBudgetBytes
    }
}

/// A static quantity on the case's cells: a raster on the case's grid, or one value for every
/// cell (the only form a lumped case has).
public enum StaticField: Sendable, Equatable {
    case raster(RasterSource)
    case constant(Double)
}

/// `model.elevation`: the elevation of the model's cells and the elevation the forcing stands
/// for, whose difference the temperature lapse rate and the precipitation gradient correct
/// (docs/ELEVATION.md).
public struct ElevationConfig: Sendable, Equatable {
    /// Elevation of each cell (m); nil: `domain.dem` (gridded) or the bands' (lumped).
    public var cells: StaticField?
    /// Elevation the forcing stands for (m): the forcing grid's orography on the model grid, or
    /// one value (a station, a basin-mean series); nil for a lumped case with bands: the bands'
    /// area-weighted mean elevation.
    public var forcing: StaticField?
    /// Line of `model.elevation` in the config, for messages.
    public var line: Int?

    public init(cells: StaticField? = nil, forcing: StaticField? = nil, line: Int? = nil) {
        self.cells = cells
        self.forcing = forcing
        self.line = line
    }
}

/// `model.glacier`: where the glacier is and how much ice it holds (docs/GLACIER.md).
public struct GlacierConfig: Sendable, Equatable {
    /// Glacier area fraction of each cell, 0-1 (e.g. RGI outlines rasterised with GDAL); nil for
    /// a lumped case with elevation bands: each band's `glacier`.
    public var fraction: StaticField?
    /// Ice over the glacier part of each cell, mm water equivalent; nil: unlimited ice.
    public var ice: StaticField?
    /// Line of `model.glacier` in the config, for messages.
    public var line: Int?

    public init(fraction: StaticField?, ice: StaticField? = nil, line: Int? = nil) {
        self.fraction = fraction
        self.ice = ice
        self.line = line
    }
}

public struct OutputConfig: Sendable, Equatable {
    public var folder: URL
    /// State and flux fields written as CF-NetCDF (e.g. runoff, snowpack, soil_moisture).
    public var fields: [String]
    public var parameterMaps: Bool
    /// Line of `output.folder` in the config (nil: the default folder), for messages.
    public var line: Int? = nil
}
