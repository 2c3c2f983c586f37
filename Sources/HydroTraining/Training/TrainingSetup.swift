import Foundation
import HydroDomain
import HydroIO
import HydroModel
import HydroRegionalisation
import HydroRouting

/// The calibration space of a case: HBV parameter layouts (a `ParameterSpace`) plus the routing
/// parameters (the channel velocity of D8 routing, or the gamma unit hydrograph's route_a and
/// route_b of a lumped case), and the free vector that joins them.
///
/// Free vector: `ParameterSpace`'s raw values, then the routing block (when calibrated: the raw
/// velocity, `v = lo + (hi - lo) * sigmoid(raw)` with `velocityBounds`, or the raw gamma
/// parameters), then the regionalisation network's weights. The runoff exchange factor is the
/// runoff model's parameter EXCHANGE (`RunoffExchangeProcess`), in the `ParameterSpace`.
public struct TrainingSetup: Sendable {
    public var space: ParameterSpace
    /// Fixed physical velocity (m/s), or nil when it is calibrated.
    public var fixedVelocity: Double?
    public var initialVelocity: Double
    public static let velocityBounds = RoutingVelocity.bounds
    /// The regionalisation network feeding `.network` parameters (its weights are the last
    /// block of the free vector), and its normalised inputs `[cells][descriptors]`.
    public var network: MultilayerPerceptron?
    public var networkInputs: [Double] = []

    /// One calibrated velocity per cell instead of one for the domain.
    public var distributedVelocity = false
    /// Lumped cases: gamma unit hydrograph routing, whose parameters replace the velocity.
    public var gamma: GammaRoutingSetup?
    /// Free values of the routing block.
    var routingCount: Int {
        if let gamma { return gamma.freeCount }
        return fixedVelocity != nil ? 0 : distributedVelocity ? space.cells : 1
    }

    var networkOffset: Int { space.freeCount + routingCount }
    public var freeCount: Int { networkOffset + (network?.weightCount ?? 0) }

    public init(space: ParameterSpace, fixedVelocity: Double? = nil, initialVelocity: Double = 1) {
        self.space = space
        self.fixedVelocity = fixedVelocity
        self.initialVelocity = initialVelocity
    }

    /// The network with the weights of free vector `x`.
    public func network(_ x: [Double]) -> MultilayerPerceptron? {
        guard var network else { return nil }
        network.weights = Array(x[networkOffset..<freeCount])
        return network
    }

    /// Defaults: every parameter uniform and constant at the middle of its bounds, except the
    /// snow parameters (absent when snow is off: the null snow operator) and those the table
    /// does not calibrate by default (`HBVParameter.isCalibratedByDefault`: C, capillary rise, at
    /// 0 as in δHBV 1.0; the groundwater exchange off); velocity calibrated from 1 m/s, or for a
    /// lumped case route_a and route_b calibrated from the middle of their bounds.
    /// The config's `parameters:` entries replace the defaults one by one.
    /// `attachingNetwork: false` leaves `network` nil even when parameters are network-fed:
    /// `JointCalibrationObjective` then attaches one network shared by several cases.
    /// `initialValues` (physical, by parameter name or `velocity`) replace the starting point of
    /// calibrated parameters, e.g. a uniform calibration's result as the start of a distributed one.
    public static func from(config: CaseConfig, data: CalibrationData, zoneRasters: [String: Raster<Double>] = [:],
                            initialValues: [String: Double] = [:], attachingNetwork: Bool = true) throws(InputError) -> TrainingSetup {
        var layouts: [HBVParameter: ParameterLayout] = [:]
        let months = data.time.monthOfSteps()
        for p in HBVParameter.allCases {
            // Without snow the case has no snow operator (its null operator: all precipitation is
            // rain, SnowProcess.absentForward): the snow's parameters are absent, not held at
            // made-up values.
            if !config.model.snow, p.process == .snow {
                if let given = config.parameters[p.name] {
                    throw InputError(file: config.file.path, line: given.line, place: "parameters.\(p.name)",
                                     message: "model.snow is false, so the case has no snow process and no \(p.name): remove the entry or set model.snow: true")
                }
                layouts[p] = .absent
                continue
            }
            // The glacier (docs/GLACIER.md) exists only where the config places it: without
            // model.glacier its parameters are absent; with it GFRAC is the fraction map and
            // CFICE, TTG are calibrated unless the config fixes them.
            if p.process == .glacier {
                guard let glacier = data.glacier else {
                    if let given = config.parameters[p.name] {
                        throw InputError(file: config.file.path, line: given.line, place: "parameters.\(p.name)",
                                         message: "the case has no glacier, so no \(p.name): remove the entry or add model.glacier (docs/GLACIER.md)")
                    }
                    layouts[p] = .absent
                    continue
                }
                if p == .gfrac {
                    if let given = config.parameters[p.name] {
                        throw InputError(file: config.file.path, line: given.line, place: "parameters.GFRAC",
                                         message: "the glacier fraction is not calibrated: it comes from model.glacier.fraction")
                    }
                    layouts[p] = .fixed(perCell: glacier.fraction)
                    continue
                }
            }
            // The lapse rate and precipitation gradient (docs/ELEVATION.md) exist only where the
            // config gives elevations: TLAPSE then at the standard -6.5 °C/km, PGRAD off, unless
            // the config lists them.
            if ElevationCorrection.parameters.contains(p), config.parameters[p.name] == nil || data.elevationOffsets == nil {
                if data.elevationOffsets == nil, let given = config.parameters[p.name] {
                    throw InputError(file: config.file.path, line: given.line, place: "parameters.\(p.name)",
                                     message: "the case gives no elevations, so no \(p.name): remove the entry or add model.elevation (docs/ELEVATION.md)")
                }
                layouts[p] = data.elevationOffsets != nil && p == .tlapse ? .fixed(ElevationCorrection.standardLapseRate) : .absent
                continue
            }
            var layout = ParameterLayout()
            // Not calibrated by default (model/hbv.table's `calibrate` column): held at the value
            // that switches its term off (C = 0: δHBV 1.0), unless the config lists it.
            if !p.isCalibratedByDefault, case .neutral(let off) = p.absence { layout.fixedValue = off }
            if let given = config.parameters[p.name] {
                layout = ParameterLayout()
                layout.fixedValue = given.fixed
                layout.initialValue = given.initial
                if let bounds = given.bounds {
                    if let problem = ParameterBounds.problem(bounds, of: p, stepDays: data.configuration.stepDays) {
                        throw InputError(file: config.file.path, line: given.line, place: "parameters.\(p.name).bounds", message: problem)
                    }
                    layout.customBounds = bounds
                }
                switch given.temporal {
                case .constant: layout.temporal = .constant
                case .monthly: layout.temporal = .monthly(monthOfStep: months)
                case .dynamic: layout.temporal = .dynamic
                }
                switch given.spatial {
                case .uniform: layout.spatial = .uniform
                case .distributed: layout.spatial = .distributed
                case .network: layout.spatial = .network
                case .zones:
                    guard let source = given.zones else {
                        throw InputError(file: config.file.path, line: given.line, place: "parameters.\(p.name).zones", message: "names no class raster")
                    }
                    // A class raster is a code grid: read strictly (its own errors name file, row, column).
                    var cached = zoneRasters[source.file.path]
                    if cached == nil { cached = try StaticRaster.read(source, integers: true) }
                    let raster = cached!
                    guard raster.rows == data.grid.rows, raster.columns == data.grid.columns else {
                        throw InputError(file: source.file.path, message: "class raster is \(raster.rows) x \(raster.columns) cells, the case's grid \(data.grid.rows) x \(data.grid.columns)")
                    }
                    var classes: [Double: Int] = [:]
                    var zoneOfCell: [Int] = []
                    for flat in data.grid.activeCells {
                        guard raster.hasData[flat], raster.values[flat].isFinite else {
                            throw InputError(file: source.file.path, row: flat / data.grid.columns, column: flat % data.grid.columns, message: "active cell has no class")
                        }
                        let v = raster.values[flat]
                        if classes[v] == nil { classes[v] = classes.count }
                        zoneOfCell.append(classes[v]!)
                    }
                    layout.spatial = .zones(zoneOfCell: zoneOfCell, zones: classes.count)
                }
            }
            if !layout.isFixed, let start = initialValues[p.name] {
                let (lo, hi) = (layout.bounds(of: p).lower, layout.bounds(of: p).upper)
                layout.initialValue = min(max(start, lo + 1e-4 * (hi - lo)), hi - 1e-4 * (hi - lo))
            }
            layouts[p] = layout
        }
        let space: ParameterSpace
        do {
            space = try ParameterSpace(layouts: layouts, cells: data.cells, components: data.configuration.components, steps: data.steps,
                                       elevation: data.elevationOffsets.map(ElevationCorrection.init(offsets:)))
        } catch {
            throw InputError(file: config.file.path, line: config.parameters[error.parameter.name]?.line, place: "parameters.\(error.parameter.name)", message: error.message)
        }
        if data.routing == .gamma {
            if let v = config.parameters["velocity"] {
                throw InputError(file: config.file.path, line: v.line, place: "parameters.velocity",
                                 message: "velocity is the D8 routing celerity; a lumped case routes by the gamma unit hydrograph (route_a, route_b)")
            }
        } else {
            for name in ["route_a", "route_b"] {
                if let p = config.parameters[name] {
                    throw InputError(file: config.file.path, line: p.line, place: "parameters.\(name)",
                                     message: "\(name) is a gamma unit hydrograph parameter (lumped cases); this case routes by D8 (velocity)")
                }
            }
        }
        let velocity = config.parameters["velocity"]
        if let v = velocity?.fixed ?? velocity?.initial, !(v > velocityBounds.lower && v < velocityBounds.upper) || (velocity?.fixed != nil && v <= 0) {
            throw InputError(file: config.file.path, line: velocity?.line, place: "parameters.velocity", message: "velocity \(v) m/s outside (\(velocityBounds.lower), \(velocityBounds.upper))")
        }
        var startVelocity = velocity?.initial ?? 1
        if let v = initialValues["velocity"] { startVelocity = min(max(v, velocityBounds.lower * 1.0001), velocityBounds.upper * 0.9999) }
        var setup = TrainingSetup(space: space, fixedVelocity: velocity?.fixed, initialVelocity: startVelocity)
        setup.distributedVelocity = velocity?.spatial == .distributed
        if data.routing == .gamma { setup.gamma = try GammaRoutingSetup.from(config: config, initialValues: initialValues) }
        if attachingNetwork, !space.networkParameters.isEmpty {
            let r = config.regionalisation ?? RegionalisationConfig()
            let names = r.descriptors.isEmpty ? data.descriptorOrder : r.descriptors
            guard !names.isEmpty else {
                throw InputError(file: config.file.path, place: "regionalisation", message: "network-fed parameters need descriptors (domain.descriptors)")
            }
            let matrix = try descriptorMatrix(names, of: data) { name throws(InputError) in
                throw InputError(file: config.file.path, place: "regionalisation.descriptors", message: "no descriptor '\(name)' with a value on every active cell (have: \(data.descriptorOrder.joined(separator: ", ")))")
            }
            do {
                let normalisation = try DescriptorNormalisation(fitting: matrix, cells: data.cells, names: names, method: r.normalisation)
                setup.networkInputs = try normalisation.apply(matrix, cells: data.cells, as: Double.self)
                setup.network = try makeNetwork(r, inputs: names.count, initialRaw: [setup.initialNetworkRaw])
            } catch {
                throw InputError(file: config.file.path, place: "regionalisation", message: "\(error)")
            }
        }
        return setup
    }

    /// The descriptor matrix `[cells][names]` of `data`; `missing` turns a name the case lacks
    /// into the caller's error (which names the config that asked for it).
    public static func descriptorMatrix(_ names: [String], of data: CalibrationData, missing: (String) throws(InputError) -> Never) throws(InputError) -> [Double] {
        var matrix = [Double](repeating: 0, count: data.cells * names.count)
        for (j, name) in names.enumerated() {
            guard let values = data.descriptors[name] else { try missing(name) }
            for c in 0..<data.cells { matrix[c * names.count + j] = values[c] }
        }
        return matrix
    }

    /// The initial raw value of each network-fed parameter (`space.networkParameters` order).
    public var initialNetworkRaw: [Double] {
        space.networkParameters.map { p in
            let layout = space.layouts[p]!
            let bounds = layout.bounds(of: p)
            return bounds.raw(layout.initialValue ?? (bounds.lower + bounds.upper) / 2)
        }
    }

    /// A Glorot-initialised network `[inputs, hidden..., outputs]` whose output biases are the
    /// mean of `initialRaw` (one row per case, one raw value per output), so an untrained
    /// network gives the same starting point as a uniform layout (exactly so for one case).
    public static func makeNetwork(_ r: RegionalisationConfig, inputs: Int, initialRaw: [[Double]]) throws(PerceptronError) -> MultilayerPerceptron {
        let outputs = initialRaw[0].count
        var network = try MultilayerPerceptron(layerSizes: [inputs] + r.hidden + [outputs], activation: r.activation.hidden, seed: r.seed)
        for k in 0..<outputs {
            // Sum in case order, then divide: one case gives its value exactly.
            let mean = initialRaw.reduce(0.0) { $0 + $1[k] } / Double(initialRaw.count)
            network.weights[network.biasIndex(layer: network.layerCount - 1, output: k)] = mean
        }
        return network
    }

    public func initialFreeValues() -> [Double] {
        var x = space.initialFreeValues()
        if let gamma {
            x += gamma.initialFreeValues()
        } else if fixedVelocity == nil {
            let (lo, hi) = Self.velocityBounds
            let u = (initialVelocity - lo) / (hi - lo)
            x += [Double](repeating: Double.log(u / (1 - u)), count: routingCount)
        }
        if let network { x += network.weights }
        return x
    }

    /// Physical velocity (m/s; one value, or one per cell when distributed) and d velocity / d raw;
    /// empty for a lumped case (gamma routing has no velocity).
    public func velocity(_ x: [Double]) -> (values: [Double], derivatives: [Double]) {
        if gamma != nil { return ([], []) }
        if let fixedVelocity { return ([fixedVelocity], [0]) }
        let (lo, hi) = Self.velocityBounds
        let u = x[space.freeCount..<networkOffset].map { ParameterTransform.sigmoid($0) }
        return (u.map { lo + (hi - lo) * $0 }, u.map { (hi - lo) * $0 * (1 - $0) })
    }

    /// The HBV part of the free vector.
    public func parameterPart(_ x: [Double]) -> [Double] { Array(x[0..<space.freeCount]) }

    /// The routing block of the free vector (velocity or gamma parameters, as calibrated).
    public func routingPart(_ x: [Double]) -> [Double] { Array(x[space.freeCount..<networkOffset]) }

    /// What free value `index` is, for messages: parameter, and cell / zone / slot where it has one.
    public func describe(index: Int) -> String {
        if index >= networkOffset { return "network weight \(index - networkOffset)" }
        if index >= space.freeCount, let gamma { return gamma.freeNames[index - space.freeCount] }
        if index >= space.freeCount { return distributedVelocity ? "routing velocity at cell \(index - space.freeCount)" : "routing velocity" }
        for (p, offset) in space.offsets where index >= offset {
            let layout = space.layouts[p]!
            let groups = ParameterSpace.groups(layout.spatial, space.cells)
            let count = ParameterSpace.slots(layout.temporal, space.steps) * groups * space.components
            guard index < offset + count else { continue }
            let local = (index - offset) / space.components
            let slot = local / groups, group = local % groups
            var text = p.name
            switch layout.spatial {
            case .distributed, .network: text += " at cell \(group)"
            case .zones: text += " in zone \(group)"
            case .uniform: break
            }
            switch layout.temporal {
            case .monthly: text += ", month \(slot + 1)"
            case .dynamic: text += ", step \(slot)"
            case .constant: break
            }
            return text
        }
        return "free value \(index)"
    }

    /// Names of the calibrated parameters (for printing), the routing ones last.
    public var freeParameterNames: [String] {
        HBVParameter.allCases.filter { space.offsets[$0] != nil }.map(\.name) + (gamma?.freeNames ?? (fixedVelocity == nil ? ["velocity"] : []))
            + (network.map { n in ["network(\(space.networkParameters.map(\.name).joined(separator: ",")); \(n.weightCount) weights)"] } ?? [])
    }
}

extension TimeAxis {
    /// Month (0-11) of the start of each step.
    public func monthOfSteps() -> [Int32] {
        (0..<count).map { Int32(stepStart($0).month - 1) }
    }
}
