import HydroDomain
import HydroIO
import HydroModel
import HydroRegionalisation
import HydroRouting
import ReferenceBackend

/// A complete synthetic catchment for twin experiments: terrain and D8 network, per-cell
/// descriptors, known ("true") parameter maps that are smooth functions of the descriptors,
/// daily forcing, and the true discharge at nested gauges simulated by the sequential HBV
/// reference (Double) and linear-reservoir routing.
///
/// Every raster cell is active, so network cells, case cells and raster cells share the
/// row-major numbering.
public struct SyntheticCatchment: Sendable {
    /// How the true parameters vary in space.
    public enum Truth: String, Sendable, CaseIterable, Codable {
        /// Every parameter one value for the whole domain (the uniform twin).
        case uniform
        /// The parameters with a descriptor map in model/hbv.table ([values] `map`: field capacity
        /// from the soil index, recessions from slope) vary; others uniform (the regionalisation twin).
        case descriptorMaps = "maps"
    }

    public struct Options: Sendable, Equatable {
        public var rows: Int
        public var columns: Int
        public var days: Int
        public var gauges: Int
        public var seed: UInt64
        public var cellSize = 1000.0
        /// Annual mean temperature at 500 m (°C); the default gives a short snow season.
        public var meanTemperature = 6.0
        /// Channel velocity of the routing (m/s), known in the twin.
        public var velocity = 0.5
        public var truth: Truth = .descriptorMaps
        /// A glacier on the highest cells (`glacierFraction`), melting with the table's true
        /// CFICE and TTG, unlimited ice (docs/GLACIER.md): a glacierised twin.
        public var glacier = false

        public init(rows: Int, columns: Int, days: Int, gauges: Int, seed: UInt64) {
            self.rows = rows
            self.columns = columns
            self.days = days
            self.gauges = gauges
            self.seed = seed
        }
    }

    /// Names of the descriptors, in the order of `descriptors`.
    public static let descriptorNames = ["elevation", "slope", "soil_index"]
    /// The uniform true values (physical) of every parameter (model/hbv.table [values] `truth`);
    /// the maps of `descriptorMaps` replace those of `mappedParameters`.
    public static let uniformTruth: [HBVParameter: Double] =
        Dictionary(uniqueKeysWithValues: HBVParameter.allCases.map { ($0, $0.syntheticTruth) })
    /// Parameters whose true map is a function of descriptors under `descriptorMaps`, in
    /// `HBVParameter` order (model/hbv.table [values] `map`).
    public static let mappedParameters: [HBVParameter] = HBVParameter.allCases.filter { $0.syntheticTruthMap != nil }

    public let options: Options
    public let terrain: SyntheticTerrain
    public let geometry: GridGeometry
    public let network: DrainageNetwork
    /// `[cells][descriptorNames.count]`, cell-major (the network's input layout).
    public let descriptors: [Double]
    /// True physical value of each parameter on each cell.
    public let trueParameters: [HBVParameter: [Double]]
    public let forcing: SyntheticForcing
    public let gauges: [Gauge]
    public let time: TimeAxis
    /// True discharge, `[gauge][step]`, m³/s.
    public let discharge: [[Double]]

    public var cellCount: Int { network.cellCount }
    public var configuration: HBVConfiguration { HBVConfiguration(solver: .sequential, components: 1, stepDays: 1) }

    public init(_ options: Options) throws {
        try options.check()
        self.options = options
        let terrain = SyntheticTerrain(rows: options.rows, columns: options.columns, cellSize: options.cellSize, seed: options.seed)
        self.terrain = terrain
        // A projected grid somewhere plausible (metres), so nothing mistakes it for degrees.
        geometry = GridGeometry(xLowerLeft: 500_000, yLowerLeft: 5_000_000, cellSize: options.cellSize)
        let codes = Raster(rows: options.rows, columns: options.columns, geometry: geometry, values: terrain.flowDirection.map(Double.init))
        let network = try DrainageNetwork(flowDirections: codes, encoding: .esri, directionFile: "synthetic flow directions", geographic: false)
        self.network = network
        let n = network.cellCount

        // Soil index: a seeded smooth field in [0, 1] (a few long waves, rescaled).
        var rng = SeededGenerator(seed: options.seed &+ 0x5011)
        let waves = (0..<3).map { _ in (kx: rng.uniform(0.3, 1.5), ky: rng.uniform(0.3, 1.5), phase: rng.uniform(0, 6.28), a: rng.uniform(0.5, 1)) }
        var soil = (0..<n).map { c -> Double in
            let (r, col) = network.position(of: c)
            let x = Double(col) / Double(options.columns), y = Double(r) / Double(options.rows)
            return waves.reduce(0) { $0 + $1.a * Double.sin($1.kx * 6.28 * x + $1.phase) * Double.cos($1.ky * 6.28 * y + 0.5 * $1.phase) }
        }
        let (sLo, sHi) = (soil.min()!, soil.max()!)
        soil = soil.map { sHi > sLo ? ($0 - sLo) / (sHi - sLo) : 0.5 }
        let elevation = (0..<n).map { terrain.elevation[Int(network.rasterIndex[$0])] }
        let slope = (0..<n).map { terrain.slope[Int(network.rasterIndex[$0])] }
        var d = [Double](repeating: 0, count: n * 3)
        for c in 0..<n { d[3 * c] = elevation[c]; d[3 * c + 1] = slope[c]; d[3 * c + 2] = soil[c] }
        descriptors = d

        var truth = Self.uniformTruth.mapValues { [Double](repeating: $0, count: n) }
        if options.truth == .descriptorMaps {
            // Slope enters through a saturating transform, so flat cells (filled pits) and the
            // steepest cells stay within a factor of a few.
            let slopeIndex = slope.map { s in 1 - Double.exp(-s / 0.02) }
            for p in Self.mappedParameters {
                switch p.syntheticTruthMap {
                case let .soil(offset, scale)?: truth[p] = soil.map { offset + scale * $0 }
                case let .slope(offset, scale)?: truth[p] = slopeIndex.map { offset + scale * $0 }
                case let .flat(offset, scale)?: truth[p] = slopeIndex.map { offset + scale * (1 - $0) }
                case nil: break
                }
            }
        }
        if options.glacier { truth[.gfrac] = Self.glacierFraction(elevation: elevation) }
        trueParameters = truth

        forcing = SyntheticForcing(steps: options.days, elevation: elevation, meanTemperature: options.meanTemperature, seed: options.seed &+ 0xF0C)
        time = TimeAxis(calendar: .standard, start: CivilTime(2000, 1, 1), stepSeconds: 86_400, count: options.days)
        gauges = Self.placeGauges(network, count: options.gauges)

        let runoff = try SyntheticCatchment.runoff(forcing: Self.hbvForcing(forcing, cells: n), parameters: truth, configuration: HBVConfiguration())
        discharge = try Self.route(runoff, network: network, gauges: gauges, steps: options.days, velocity: options.velocity)
    }

    /// A glacierised twin's glacier fraction: 0 below the 60th elevation percentile, rising
    /// linearly to 0.8 on the highest cell (glaciers on the upper slopes, partly covering them).
    public static func glacierFraction(elevation: [Double]) -> [Double] {
        let sorted = elevation.sorted()
        let base = sorted[Int(0.6 * Double(sorted.count - 1))], top = sorted.last!
        return elevation.map { e in top > base ? 0.8 * min(max((e - base) / (top - base), 0), 1) : 0 }
    }

    /// The forcing as the model reads it.
    public static func hbvForcing(_ f: SyntheticForcing, cells: Int) -> HBVForcing<Double> {
        HBVForcing(steps: f.steps, cells: cells, precipitation: f.precipitation, temperature: f.temperature, pet: f.pet)
    }

    public var hbvForcing: HBVForcing<Double> { Self.hbvForcing(forcing, cells: cellCount) }

    /// Local runoff (mm/day, `[steps][cells]`) of per-cell physical parameters.
    public static func runoff(forcing: HBVForcing<Double>, parameters: [HBVParameter: [Double]], configuration: HBVConfiguration) throws -> [Double] {
        let series = parameters.mapValues { ParameterSeries<Double>.distributed($0, steps: forcing.steps) }
        let problem = RunoffProblem(configuration: configuration, forcing: forcing, parameters: series)
        return try SequentialReferenceModel<Double>().forward(problem).runoff
    }

    /// Discharge `[gauge][step]` (m³/s) of local runoff routed on the network.
    public static func route(_ runoff: [Double], network: DrainageNetwork, gauges: [Gauge], steps: Int, velocity: Double) throws -> [[Double]] {
        let problem = RoutingProblem<Double>(steps: steps, stepSeconds: 86_400, localRunoff: runoff, velocity: [velocity], cells: network.cellCount)
        let q = try LinearReservoirRouting<Double>(network: network).forward(problem).discharge(at: gauges, cells: network.cellCount)
        return gauges.indices.map { g in (0..<steps).map { q[$0 * gauges.count + g] } }
    }

    /// Simulates the gauges' discharge for per-cell physical parameters (the twin's forward model).
    public func simulate(_ parameters: [HBVParameter: [Double]]) throws -> [[Double]] {
        let runoff = try Self.runoff(forcing: hbvForcing, parameters: parameters, configuration: configuration)
        return try Self.route(runoff, network: network, gauges: gauges, steps: options.days, velocity: options.velocity)
    }

    /// Nested gauges: the outlet, then cells whose upstream areas are about 1/2, 1/4, 1/8 ...
    /// of the domain (closest upstream cell count, ties to the lowest cell index).
    static func placeGauges(_ network: DrainageNetwork, count: Int) -> [Gauge] {
        let upstream = network.upstreamArea()
        let n = network.cellCount
        let outlet = (0..<n).max { upstream.cells[$0] < upstream.cells[$1] }!
        var chosen = [outlet]
        var fraction = 0.5
        while chosen.count < min(count, n) {
            let target = fraction * Double(n)
            let best = (0..<n).filter { !chosen.contains($0) }.min { a, b in
                let ea = abs(Double(upstream.cells[a]) - target), eb = abs(Double(upstream.cells[b]) - target)
                return ea < eb || (ea == eb && a < b)
            }!
            chosen.append(best)
            fraction /= 2
        }
        return chosen.enumerated().map { k, c in
            let (row, column) = network.position(of: c)
            return Gauge(id: "G\(k + 1)", cell: c, row: row, column: column, upstreamAreaKm2: upstream.squareKilometres[c])
        }
    }
}
