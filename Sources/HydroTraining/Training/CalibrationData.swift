import Foundation
import HydroDomain
import HydroIO
import HydroModel

/// Everything a calibration needs from a case, on the model's cells and steps: the drainage
/// network (its cells are the case's active cells, same order), the HBV forcing
/// `[steps][cells]`, the gauges with observations, and the step windows.
///
/// A lumped case is one cell, or one cell per elevation band (`bandsData`): each cell an outlet
/// of its own, routed by the gamma unit hydrograph (`routing == .gamma`) instead of D8.
public struct CalibrationData: Sendable {
    public var caseName: String
    public var network: DrainageNetwork
    /// `.d8` (gridded cases) or `.gamma` (lumped cases).
    public var routing: RoutingMethod = .d8
    public var forcing: HBVForcing<Double>
    public var configuration: HBVConfiguration
    public var time: TimeAxis
    public var gauges: [CaseGauge]
    /// Steps the loss counts (calibration period, warm-up excluded).
    public var calibrationSteps: Range<Int>
    /// Steps of the validation period (warm-up excluded), nil when not configured.
    public var validationSteps: Range<Int>?
    public var warmupSteps: Range<Int>?
    /// Raster geometry for maps (rows, columns, active flat indices).
    public var grid: CaseGrid
    /// Static descriptors on the cells, by name (those with a value on every active cell).
    public var descriptors: [String: [Double]] = [:]
    public var descriptorOrder: [String] = []
    /// State and flux fields the case asks to be written with the results (`output.fields`).
    public var outputFields: [String] = []
    /// Set when the forcing is read a window at a time (`CaseForcingWindows`): then `forcing`
    /// holds no steps and only windowed runs (`WindowedSimulation`) can run the case.
    public var forcingWindows: CaseForcingWindows?
    /// The glacier on the cells (`model.glacier`), nil without one.
    public var glacier: GlacierMaps?
    /// DZ per cell (m), the cell's elevation minus its forcing's (`model.elevation`): the
    /// training setup's `ElevationCorrection`; nil without elevations.
    public var elevationOffsets: [Double]?

    public var cells: Int { network.cellCount }
    public var steps: Int { forcingWindows?.steps ?? forcing.steps }

    /// The forcing of steps `range`: read from the files (`forcingWindows`), or a copy of those
    /// rows of the forcing in memory.
    public func forcing(steps range: Range<Int>) throws(InputError) -> HBVForcing<Double> {
        if let forcingWindows { return try forcingWindows.read(range) }
        if range == 0..<forcing.steps { return forcing }
        let rows = (range.lowerBound * cells)..<(range.upperBound * cells)
        return HBVForcing(steps: range.count, cells: cells, precipitation: Array(forcing.precipitation[rows]),
                          temperature: Array(forcing.temperature[rows]), pet: Array(forcing.pet[rows]))
    }
    public var stepSeconds: Double { Double(time.stepSeconds) }

    /// The storages every run starts from, `[storages][units]`: the default initial storage,
    /// except the glacier's ice store, which starts with the known ice (`GlacierMaps`).
    public func initialStates<Real: BinaryFloatingPoint>(as: Real.Type = Real.self) -> [Real] {
        let units = cells * configuration.components
        var states = [Real](repeating: Real(HBVStorage.defaultInitial), count: HBVStorage.count * units)
        if let ice = glacier?.initialIceStore {
            let row = HBVStorage.ice.rawValue * units
            for cell in 0..<cells {
                for k in 0..<configuration.components { states[row + cell * configuration.components + k] = Real(ice[cell]) }
            }
        }
        return states
    }

    /// Builds the calibration inputs of a loaded case. Snow off means the case has no snow
    /// process (`TrainingSetup` leaves the snow's parameters absent, so the solvers apply the
    /// snow's null operator: all precipitation is rain) and no temperature is read.
    /// `requireObservations: false` (simulate) accepts gauges without observations (points of
    /// interest) and a case without gauges, whose discharge is then reported at every outlet.
    public static func from(_ hydroCase: HydroCase, requireObservations: Bool = true) throws(InputError) -> CalibrationData {
        let config = hydroCase.config
        let grid = hydroCase.grid
        let network: DrainageNetwork
        if hydroCase.flowDirection != nil {
            guard config.model.routing == .d8 else {
                throw InputError(file: config.file.path, place: "key 'model.routing'", message: "a gridded case is routed by d8 in training (found \(config.model.routing.rawValue))")
            }
            // The loader built the network once, with the case's encoding and mask: reuse it.
            guard let loaded = hydroCase.network else {
                throw InputError(file: config.file.path, place: "domain", message: "the case has flow directions but no drainage network was built")
            }
            network = loaded
        } else {
            guard config.model.routing == .gamma else {
                throw InputError(file: config.file.path, place: "key 'model.routing'", message: "a lumped case is routed by gamma (the unit hydrograph) in training (found \(config.model.routing.rawValue))")
            }
            network = try lumpedNetwork(grid, file: config.file.path)
        }
        if !hydroCase.bands.isEmpty { return try bandsData(hydroCase, requireObservations: requireObservations) }
        guard network.rasterIndex.map(Int.init) == grid.activeCells else {
            throw InputError(file: config.file.path, place: "domain", message: "the drainage network's cells differ from the case's active cells")
        }
        var forcing: HBVForcing<Double>
        if hydroCase.forcingWindows != nil {
            forcing = HBVForcing(steps: 0, cells: grid.cellCount, precipitation: [], temperature: [], pet: [])
        } else {
            forcing = try hydroCase.hbvForcing(Double.self)
        }
        let configuration = HBVConfiguration(solver: config.model.solver, components: config.model.components, stepDays: hydroCase.time.stepDays)
        let warmupEnd = hydroCase.warmupSteps?.upperBound ?? 0
        func afterWarmup(_ r: Range<Int>?) -> Range<Int>? {
            guard let r else { return nil }
            let lo = max(r.lowerBound, warmupEnd)
            return lo < r.upperBound ? lo..<r.upperBound : nil
        }
        let calibration = afterWarmup(hydroCase.calibrationSteps) ?? (warmupEnd..<hydroCase.time.count)
        guard !calibration.isEmpty else {
            throw InputError(file: config.file.path, place: "periods", message: "the calibration period has no step after the warm-up")
        }
        var gauges = hydroCase.gauges
        if !requireObservations, gauges.isEmpty {
            gauges = network.outlets.map { c in
                let flat = Int(network.rasterIndex[c])
                return CaseGauge(id: grid.cellCount == 1 ? "outlet" : "outlet_r\(flat / grid.columns)_c\(flat % grid.columns)",
                                 row: flat / grid.columns, column: flat % grid.columns, cell: c)
            }
        }
        guard !requireObservations || gauges.contains(where: { $0.observed != nil }) else {
            throw InputError(file: config.file.path, place: "gauges", message: "no gauge has observations to calibrate against")
        }
        var data = CalibrationData(caseName: config.name, network: network, forcing: forcing, configuration: configuration, time: hydroCase.time,
                                   gauges: gauges, calibrationSteps: calibration, validationSteps: afterWarmup(hydroCase.validationSteps),
                                   warmupSteps: hydroCase.warmupSteps, grid: grid)
        data.routing = config.model.routing
        data.outputFields = config.output.fields
        data.forcingWindows = hydroCase.forcingWindows
        data.glacier = hydroCase.glacier
        // Known ice limits the melt; without it the ice is unlimited (docs/GLACIER.md).
        data.configuration.limitsIceMelt = hydroCase.glacier?.ice != nil
        data.elevationOffsets = hydroCase.elevationOffsets
        for (name, _) in hydroCase.descriptors {
            if let values = try? hydroCase.valuesOnCells(name) {
                data.descriptors[name] = values
                data.descriptorOrder.append(name)
            }
        }
        return data
    }

    /// A lumped case's one cell as a network: a single outlet (ESRI code 0), so regularisation
    /// and outputs that walk the network work unchanged; routing does not use it.
    static func lumpedNetwork(_ grid: CaseGrid, file: String) throws(InputError) -> DrainageNetwork {
        guard grid.cellCount == 1 else {
            throw InputError(file: file, place: "domain", message: "a lumped case has one cell, found \(grid.cellCount)")
        }
        let direction = Raster<Double>(rows: 1, columns: 1, geometry: grid.geometry, values: [0])
        return try DrainageNetwork(flowDirections: direction, encoding: .esri, geographic: false)
    }

    /// The part of the case draining to `gauge` (its upstream cells), over the first `steps`
    /// steps: a small real problem for tests. Gauges inside the sub-basin are kept.
    public func subBasin(gauge: Int, steps: Int) throws(InputError) -> CalibrationData {
        let outlet = gauges[gauge].cell
        var upstream = [Bool](repeating: false, count: cells)
        upstream[outlet] = true
        // Levels order cells upstream first: walk it backwards so each cell's downstream is known.
        for i in stride(from: network.levels.order.count - 1, through: 0, by: -1) {
            let c = Int(network.levels.order[i])
            let d = Int(network.downstream[c])
            if d >= 0, upstream[d] { upstream[c] = true }
        }
        let kept = (0..<cells).filter { upstream[$0] }
        var active = grid.active
        for flat in active.values.indices { active.values[flat] = false }
        for c in kept { active.values[grid.activeCells[c]] = true }
        let flowDirection = Raster<Double>(rows: grid.rows, columns: grid.columns, geometry: grid.geometry,
                                           values: (0..<grid.rows * grid.columns).map { flat in
                                               let c = network.cellAtRasterIndex[flat]
                                               return c >= 0 ? Double(network.direction[Int(c)].rawValue) : 0 })
        let mask = Raster<Double>(rows: grid.rows, columns: grid.columns, geometry: grid.geometry, values: active.values.map { $0 ? 1 : 0 })
        let sub = try DrainageNetwork(flowDirections: flowDirection, encoding: .esri, mask: mask, geographic: grid.geometry.isGeographic)
        var newIndex = [Int](repeating: -1, count: cells)
        for (i, c) in kept.enumerated() { newIndex[c] = i }
        let n = kept.count
        func take(_ values: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: steps * n)
            for t in 0..<steps { for (i, c) in kept.enumerated() { out[t * n + i] = values[t * cells + c] } }
            return out
        }
        let subForcing = HBVForcing(steps: steps, cells: n, precipitation: take(forcing.precipitation), temperature: take(forcing.temperature), pet: take(forcing.pet))
        var subGauges: [CaseGauge] = []
        for g in gauges where upstream[g.cell] {
            var h = g
            h.cell = newIndex[g.cell]
            h.observed = g.observed.map { Array($0.prefix(steps)) }
            subGauges.append(h)
        }
        var subGrid = grid
        subGrid.active = active
        subGrid.activeCells = kept.map { grid.activeCells[$0] }
        subGrid.cellAreaSquareMetres = kept.map { grid.cellAreaSquareMetres[$0] }
        var subTime = time
        subTime.count = steps
        let clamp: (Range<Int>?) -> Range<Int>? = { r in
            guard let r else { return nil }
            let hi = min(r.upperBound, steps)
            return r.lowerBound < hi ? r.lowerBound..<hi : nil
        }
        var data = CalibrationData(caseName: caseName, network: sub, forcing: subForcing, configuration: configuration, time: subTime, gauges: subGauges,
                                   calibrationSteps: clamp(calibrationSteps) ?? (0..<steps), validationSteps: clamp(validationSteps),
                                   warmupSteps: clamp(warmupSteps), grid: subGrid)
        data.routing = routing
        data.descriptors = descriptors.mapValues { values in kept.map { values[$0] } }
        data.descriptorOrder = descriptorOrder
        data.glacier = glacier.map { g in GlacierMaps(fraction: kept.map { g.fraction[$0] }, ice: g.ice.map { ice in kept.map { ice[$0] } }) }
        data.elevationOffsets = elevationOffsets.map { dz in kept.map { dz[$0] } }
        return data
    }
}
