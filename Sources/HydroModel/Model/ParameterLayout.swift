/// How one parameter varies in space.
public enum SpatialLayout: Sendable, Equatable, Codable {
    /// One value for the whole domain.
    case uniform
    /// One value per zone; `zoneOfCell[cell]` in `0..<zones` (e.g. from a land-cover raster).
    case zones(zoneOfCell: [Int], zones: Int)
    /// One value per cell.
    case distributed
    /// One value per cell, produced by the regionalisation network (not a free variable).
    case network
}

/// How one parameter varies in time.
public enum TemporalLayout: Sendable, Equatable, Codable {
    case constant
    /// Twelve values; `monthOfStep[t]` in `0..<12`.
    case monthly(monthOfStep: [Int32])
    /// One value per step.
    case dynamic
}

/// Layout, bounds use and starting point of one parameter.
public struct ParameterLayout: Sendable, Equatable, Codable {
    public var spatial: SpatialLayout
    public var temporal: TemporalLayout
    /// A fixed physical value: the parameter is not calibrated.
    public var fixedValue: Double?
    /// Starting physical value for calibration (default: the middle of the bounds).
    public var initialValue: Double?
    /// Physical bounds replacing MODEL.md's for this parameter (nil: `HBVParameter.bounds`).
    /// The table's rates are per day and suit daily steps; an hourly case's flood recessions
    /// can need a faster K0 than 0.9/day, for example.
    public var customBounds: ParameterBounds?
    /// The parameter is not given at all: its process is off (processes switched by presence,
    /// `ActiveProcesses`: the snow of a case run without snow). Neither calibrated nor in the
    /// expanded series; only a parameter whose absence is `neutral` may be absent.
    public var isAbsent = false
    /// A fixed physical value per cell (a static map such as the glacier fraction GFRAC): the
    /// parameter is not calibrated; every component of a cell takes the cell's value.
    public var fixedPerCell: [Double]? = nil

    /// Whether the parameter is held fixed (one value or one per cell), not calibrated.
    public var isFixed: Bool { fixedValue != nil || fixedPerCell != nil }

    public init(spatial: SpatialLayout = .uniform, temporal: TemporalLayout = .constant, fixedValue: Double? = nil, initialValue: Double? = nil,
                bounds: ParameterBounds? = nil) {
        self.spatial = spatial
        self.temporal = temporal
        self.fixedValue = fixedValue
        self.initialValue = initialValue
        self.customBounds = bounds
    }

    public static func fixed(_ value: Double) -> ParameterLayout { ParameterLayout(fixedValue: value) }

    /// A parameter fixed at one value per cell (`fixedPerCell`).
    public static func fixed(perCell values: [Double]) -> ParameterLayout {
        var layout = ParameterLayout(spatial: .distributed)
        layout.fixedPerCell = values
        return layout
    }

    /// A parameter left out of the problem (see `isAbsent`).
    public static var absent: ParameterLayout {
        var layout = ParameterLayout()
        layout.isAbsent = true
        return layout
    }

    /// The bounds that raw values of `parameter` are mapped into.
    public func bounds(of parameter: HBVParameter) -> ParameterBounds {
        customBounds ?? ParameterBounds(parameter.bounds)
    }
}

/// The calibration space: which raw values are free, and how they expand to the
/// `[slots][units]` parameter series the runoff model reads.
///
/// Free raw values are laid out parameter by parameter (`HBVParameter` order, fixed and
/// network parameters skipped), each as `[slot][group][component]`. Physical values are
/// `lo + (hi - lo) * sigmoid(raw)`; each component of a cell (nmul) has its own value.
public struct ParameterSpace: Sendable {
    public let layouts: [HBVParameter: ParameterLayout]
    public let cells: Int
    public let components: Int
    public let steps: Int
    /// Offset of each free parameter's block in the free vector.
    public let offsets: [HBVParameter: Int]
    /// Length of the free vector.
    public let freeCount: Int
    /// Parameters whose per-cell raw values come from the network, in `HBVParameter` order
    /// (the network's output columns).
    public let networkParameters: [HBVParameter]
    /// The forcing corrected to the cells' elevations (TLAPSE, PGRAD), nil when the case gives
    /// no elevations: `expand` hands the solvers effective parameters, `pullBack` chains back.
    public let elevation: ElevationCorrection?

    public init(layouts: [HBVParameter: ParameterLayout], cells: Int, components: Int = 1, steps: Int,
                elevation: ElevationCorrection? = nil) throws(ParameterLayoutError) {
        self.layouts = layouts
        self.cells = cells
        self.components = components
        self.steps = steps
        self.elevation = elevation
        if let elevation, elevation.offsets.count != cells {
            throw ParameterLayoutError(parameter: .tlapse, message: "elevation offsets for \(elevation.offsets.count) cells, the problem has \(cells)")
        }
        var offsets: [HBVParameter: Int] = [:]
        var next = 0
        for p in HBVParameter.allCases {
            guard let layout = layouts[p] else { throw ParameterLayoutError(parameter: p, message: "no layout given") }
            if layout.isAbsent {
                guard case .neutral = p.absence else {
                    throw ParameterLayoutError(parameter: p, message: "cannot be absent: the model needs it")
                }
                continue
            }
            if case .zones(let zoneOfCell, let zones) = layout.spatial {
                guard zoneOfCell.count == cells, zoneOfCell.allSatisfy({ (0..<zones).contains($0) }) else {
                    throw ParameterLayoutError(parameter: p, message: "zone map must give a zone in 0..<\(zones) for each of \(cells) cells")
                }
            }
            if case .monthly(let months) = layout.temporal, months.count != steps || !months.allSatisfy({ (0..<12).contains($0) }) {
                throw ParameterLayoutError(parameter: p, message: "monthly layout needs a month 0-11 for each of \(steps) steps")
            }
            let (lo, hi) = (layout.bounds(of: p).lower, layout.bounds(of: p).upper)
            guard lo.isFinite, hi.isFinite, lo < hi else {
                throw ParameterLayoutError(parameter: p, message: "bounds [\(lo), \(hi)] need lower < upper")
            }
            if let map = layout.fixedPerCell {
                guard map.count == cells else {
                    throw ParameterLayoutError(parameter: p, message: "a fixed map needs one value for each of \(cells) cells, found \(map.count)")
                }
                if let index = map.firstIndex(where: { !($0 >= lo && $0 <= hi) }) {
                    throw ParameterLayoutError(parameter: p, message: "fixed value \(map[index]) of cell \(index) outside its bounds [\(lo), \(hi)]")
                }
            }
            if let v = layout.fixedValue ?? layout.initialValue {
                guard v >= lo, v <= hi, layout.fixedValue != nil || (v > lo && v < hi) else {
                    throw ParameterLayoutError(parameter: p, message: "value \(v) outside its bounds [\(lo), \(hi)]\(layout.fixedValue == nil ? " (an initial value must lie strictly inside)" : "")")
                }
            }
            if ElevationCorrection.parameters.contains(p) {
                // The correction reads one value per unit for the whole record (TT' keeps TT's
                // slots), and without elevations it has nothing to correct.
                guard layout.temporal == .constant else {
                    throw ParameterLayoutError(parameter: p, message: "is constant in time (no monthly or per-step layout): it corrects the forcing to the cell's elevation")
                }
                guard elevation != nil || layout.fixedValue == p.offValue else {
                    throw ParameterLayoutError(parameter: p, message: "corrects the forcing to the cells' elevations, but the case gives none (model.elevation, docs/ELEVATION.md)")
                }
            }
            guard !layout.isFixed, layout.spatial != .network else { continue }
            offsets[p] = next
            next += Self.slots(layout.temporal, steps) * Self.groups(layout.spatial, cells) * components
        }
        self.offsets = offsets
        self.freeCount = next
        self.networkParameters = HBVParameter.allCases.filter {
            layouts[$0]?.spatial == .network && layouts[$0]?.isFixed == false && layouts[$0]?.isAbsent == false
        }
    }

    package static func slots(_ temporal: TemporalLayout, _ steps: Int) -> Int {
        switch temporal {
        case .constant: 1
        case .monthly: 12
        case .dynamic: steps
        }
    }

    package static func groups(_ spatial: SpatialLayout, _ cells: Int) -> Int {
        switch spatial {
        case .uniform: 1
        case .zones(_, let zones): zones
        case .distributed, .network: cells
        }
    }

    private func slotOfStep(_ temporal: TemporalLayout) -> [Int32] {
        switch temporal {
        case .constant: [Int32](repeating: 0, count: steps)
        case .monthly(let months): months
        case .dynamic: (0..<steps).map(Int32.init)
        }
    }

    private func group(_ spatial: SpatialLayout, cell: Int) -> Int {
        switch spatial {
        case .uniform: 0
        case .zones(let zoneOfCell, _): zoneOfCell[cell]
        case .distributed, .network: cell
        }
    }

    /// The free vector at every parameter's initial value (middle of the bounds by default).
    public func initialFreeValues() -> [Double] {
        var free = [Double](repeating: 0, count: freeCount)
        for (p, offset) in offsets {
            let layout = layouts[p]!
            let bounds = layout.bounds(of: p)
            let raw = bounds.raw(layout.initialValue ?? (bounds.lower + bounds.upper) / 2)
            let count = Self.slots(layout.temporal, steps) * Self.groups(layout.spatial, cells) * components
            for i in 0..<count { free[offset + i] = raw }
        }
        return free
    }

    /// Physical parameter series for the runoff model, absent parameters left out: with
    /// elevations, the effective TT, TTG, RFCF and SFCF of `ElevationCorrection` (TLAPSE and
    /// PGRAD consumed). `networkRaw` is `[cells][networkParameters.count]` (needed when any
    /// parameter has the `.network` layout).
    public func expand<Real: Real_>(free: [Double], networkRaw: [Double]? = nil, as: Real.Type = Real.self) -> [HBVParameter: ParameterSeries<Real>] {
        let given = expandAsGiven(free: free, networkRaw: networkRaw, as: Real.self)
        if let elevation { return elevation.apply(given, components: components) }
        return given.filter { !ElevationCorrection.parameters.contains($0.key) }
    }

    /// Every parameter's physical series as the layouts give it, before the elevation
    /// correction: what a report of the calibrated parameters shows.
    public func expandAsGiven<Real: Real_>(free: [Double], networkRaw: [Double]? = nil, as: Real.Type = Real.self) -> [HBVParameter: ParameterSeries<Real>] {
        precondition(free.count == freeCount, "free vector has \(free.count) values, expected \(freeCount)")
        var series: [HBVParameter: ParameterSeries<Real>] = [:]
        for p in HBVParameter.allCases {
            series[p] = self.series(of: p, free: free, networkRaw: networkRaw, as: Real.self)
        }
        return series
    }

    /// The physical series of one parameter (nil when it is absent), as `expand` gives it: for a
    /// caller that expands some parameters elsewhere (the OpenCL training evaluation expands the
    /// free ones on the device and only the network-fed ones here).
    public func series<Real: Real_>(of p: HBVParameter, free: [Double], networkRaw: [Double]? = nil, as: Real.Type = Real.self) -> ParameterSeries<Real>? {
        precondition(free.count == freeCount, "free vector has \(free.count) values, expected \(freeCount)")
        let units = cells * components
        let layout = layouts[p]!
        if layout.isAbsent { return nil }
        if let fixed = layout.fixedValue { return .uniform(Real(fixed), units: units, steps: steps) }
        if let map = layout.fixedPerCell { return .distributed(map.flatMap { v in [Real](repeating: Real(v), count: components) }, steps: steps) }
        let slots = Self.slots(layout.temporal, steps)
        let bounds = layout.bounds(of: p)
        var values = [Real](repeating: 0, count: slots * units)
        for slot in 0..<slots {
            for cell in 0..<cells {
                for k in 0..<components {
                    let raw = rawValue(p, layout, free: free, networkRaw: networkRaw, slot: slot, cell: cell, component: k)
                    values[slot * units + cell * components + k] = Real(bounds.physical(raw))
                }
            }
        }
        return ParameterSeries(slots: slots, units: units, values: values, slotOfStep: slotOfStep(layout.temporal))
    }

    private func rawValue(_ p: HBVParameter, _ layout: ParameterLayout, free: [Double], networkRaw: [Double]?, slot: Int, cell: Int, component: Int) -> Double {
        if layout.spatial == .network {
            guard let networkRaw, let column = networkParameters.firstIndex(of: p) else {
                preconditionFailure("\(p) is network-fed but no network output was given")
            }
            return networkRaw[cell * networkParameters.count + column]
        }
        let groups = Self.groups(layout.spatial, cells)
        return free[offsets[p]! + (slot * groups + group(layout.spatial, cell: cell)) * components + component]
    }

    /// Chains dL/d(physical series, as `expand` gives them) back to dL/d(free raw values) and
    /// dL/d(network raw outputs) (`[cells][networkParameters.count]`, summed over components and
    /// slots).
    public func pullBack<Real: Real_>(_ effective: [HBVParameter: [Real]], free: [Double], networkRaw: [Double]? = nil) -> (free: [Double], network: [Double]) {
        let gradient = elevation.map { correction in
            // The correction's chain reads only its own and the corrected parameters' series.
            var given: [HBVParameter: ParameterSeries<Real>] = [:]
            for p in ElevationCorrection.parameters + ElevationCorrection.corrected { given[p] = series(of: p, free: free, networkRaw: networkRaw, as: Real.self) }
            return correction.pullBack(effective, given: given, components: components)
        } ?? effective
        var freeGradient = [Double](repeating: 0, count: freeCount)
        var networkGradient = [Double](repeating: 0, count: cells * networkParameters.count)
        let units = cells * components
        for p in HBVParameter.allCases {
            let layout = layouts[p]!
            guard !layout.isFixed, let g = gradient[p] else { continue }
            let slots = Self.slots(layout.temporal, steps)
            let groups = Self.groups(layout.spatial, cells)
            let bounds = layout.bounds(of: p)
            for slot in 0..<slots {
                for cell in 0..<cells {
                    for k in 0..<components {
                        let raw = rawValue(p, layout, free: free, networkRaw: networkRaw, slot: slot, cell: cell, component: k)
                        let contribution = Double(g[slot * units + cell * components + k]) * bounds.derivative(raw)
                        if layout.spatial == .network {
                            networkGradient[cell * networkParameters.count + networkParameters.firstIndex(of: p)!] += contribution
                        } else {
                            freeGradient[offsets[p]! + (slot * groups + group(layout.spatial, cell: cell)) * components + k] += contribution
                        }
                    }
                }
            }
        }
        return (freeGradient, networkGradient)
    }
}

/// A parameter layout that cannot be used, naming the parameter.
public struct ParameterLayoutError: Error, CustomStringConvertible, Sendable {
    public var parameter: HBVParameter
    public var message: String
    public var description: String { "parameter \(parameter.name): \(message)" }
}
