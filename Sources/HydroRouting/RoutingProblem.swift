import HydroDomain

/// One linear-reservoir routing run (MODEL.md 4.1) on a `DrainageNetwork`.
///
/// Arrays over time are time-major `[steps][cells]` in the network's cell numbering.
public struct RoutingProblem<Real: BinaryFloatingPoint & Sendable>: Sendable {
    public var steps: Int
    /// Step length, seconds.
    public var stepSeconds: Double
    /// Local runoff generated on each cell, mm per step, `[steps][cells]`.
    public var localRunoff: [Real]
    /// Channel velocity, m/s: one value (uniform) or one per cell. k_c = v_c / L_c.
    public var velocity: [Real]
    /// Channel storage at the start, m³ per cell.
    public var initialStorage: [Real]

    public init(steps: Int, stepSeconds: Double, localRunoff: [Real], velocity: [Real], initialStorage: [Real]? = nil, cells: Int) {
        self.steps = steps
        self.stepSeconds = stepSeconds
        self.localRunoff = localRunoff
        self.velocity = velocity
        self.initialStorage = initialStorage ?? [Real](repeating: 0, count: cells)
    }

    /// Checks the shapes against `cells` and that velocities and the step are positive.
    public func validate(cells: Int) throws(RoutingError) {
        guard steps > 0, stepSeconds > 0, stepSeconds.isFinite else {
            throw RoutingError("routing needs a positive number of steps and step length (got \(steps) steps of \(stepSeconds) s)")
        }
        guard localRunoff.count == steps * cells else {
            throw RoutingError("local runoff has \(localRunoff.count) values; expected steps x cells = \(steps) x \(cells)")
        }
        guard velocity.count == 1 || velocity.count == cells else {
            throw RoutingError("velocity has \(velocity.count) values; expected 1 (uniform) or \(cells) (one per cell)")
        }
        if let bad = velocity.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw RoutingError("velocity of cell \(velocity.count == 1 ? "all" : String(bad)) is \(velocity[bad]); it must be positive and finite")
        }
        guard initialStorage.count == cells else {
            throw RoutingError("initial storage has \(initialStorage.count) values; expected \(cells)")
        }
    }
}

/// A routing input that does not fit the network, naming what and where.
public struct RoutingError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where a loss depends on discharge: dL/dQ on every cell, or only at gauges.
public enum RoutingSeed<Real: BinaryFloatingPoint & Sendable>: Sendable {
    /// dL/dQ `[steps][cells]`, (m³/s)⁻¹.
    case field([Real])
    /// dL/dQ at gauge cells, `[steps][gauges]`.
    case gauges(cells: [Int], adjoint: [Real])
}

/// Mass balance of a routing run (MODEL.md 7): the runoff volume generated on the cells equals
/// what left through the outlets plus the change of water stored in the channels, for the
/// domain and for every cell (local runoff + donors' outflow − own outflow = its storage change).
public struct RoutingMassBalance: Sendable, Equatable {
    /// Σ local runoff × cell area, m³.
    public var localRunoffVolume: Double
    /// Σ outlet discharge × step, m³.
    public var outletVolume: Double
    /// Σ final − Σ initial channel storage, m³.
    public var storageChange: Double
    /// Largest |closure| of one cell, m³, and relative to that cell's total inflow volume.
    public var maxCellError: Double
    public var maxCellRelativeError: Double
    /// local − outlet − change, m³, and relative to the local volume.
    public var error: Double { localRunoffVolume - outletVolume - storageChange }
    public var relativeError: Double { localRunoffVolume > 0 ? abs(error) / localRunoffVolume : abs(error) }

    public init(localRunoffVolume: Double, outletVolume: Double, storageChange: Double, maxCellError: Double = 0, maxCellRelativeError: Double = 0) {
        self.localRunoffVolume = localRunoffVolume
        self.outletVolume = outletVolume
        self.storageChange = storageChange
        self.maxCellError = maxCellError
        self.maxCellRelativeError = maxCellRelativeError
    }

    /// Audits a finished run in Double from its inputs and outputs.
    public init<Real: BinaryFloatingPoint>(network: DrainageNetwork, stepSeconds: Double, steps: Int, localRunoff: [Real],
                                           discharge: [Real], initialStorage: [Real], finalStorage: [Real]) {
        let n = network.cellCount
        var inflow = [Double](repeating: 0, count: n)    // local + donors, m³
        var outflow = [Double](repeating: 0, count: n)   // own outflow, m³
        let volumeFactor = network.cellArea.map { $0 * 1e-3 }
        var local = 0.0
        for t in 0..<steps {
            let row = t * n
            for c in 0..<n {
                let generated = Double(localRunoff[row + c]) * volumeFactor[c]
                local += generated
                inflow[c] += generated
                let out = Double(discharge[row + c]) * stepSeconds
                outflow[c] += out
                let d = Int(network.downstream[c])
                if d >= 0 { inflow[d] += out }
            }
        }
        var outlet = 0.0, change = 0.0, worst = 0.0, worstRelative = 0.0
        for c in 0..<n {
            let dV = Double(finalStorage[c]) - Double(initialStorage[c])
            change += dV
            if network.downstream[c] < 0 { outlet += outflow[c] }
            let closure = abs(inflow[c] - outflow[c] - dV)
            worst = max(worst, closure)
            // Relative to the water that passed through the cell (inflow plus what it held at the start).
            let throughput = inflow[c] + Double(initialStorage[c])
            if throughput > 0 { worstRelative = max(worstRelative, closure / throughput) }
        }
        self.init(localRunoffVolume: local, outletVolume: outlet, storageChange: change, maxCellError: worst, maxCellRelativeError: worstRelative)
    }
}

/// What a routing run returns.
public struct RoutingResult<Real: BinaryFloatingPoint & Sendable>: Sendable {
    /// Outflow of every cell, m³/s, `[steps][cells]`.
    public var discharge: [Real]
    /// Channel storage at the end, m³ per cell.
    public var finalStorage: [Real]
    public var massBalance: RoutingMassBalance

    public init(discharge: [Real], finalStorage: [Real], massBalance: RoutingMassBalance) {
        self.discharge = discharge
        self.finalStorage = finalStorage
        self.massBalance = massBalance
    }

    /// Discharge at `gauges`, `[steps][gauges]`.
    public func discharge(at gauges: [Gauge], cells: Int) -> [Real] {
        let steps = discharge.count / max(cells, 1)
        var out = [Real](repeating: 0, count: steps * gauges.count)
        for t in 0..<steps { for (g, gauge) in gauges.enumerated() { out[t * gauges.count + g] = discharge[t * cells + gauge.cell] } }
        return out
    }
}

/// Gradient of a scalar loss through the routing.
public struct RoutingGradient<Real: BinaryFloatingPoint & Sendable>: Sendable {
    /// dL/d(local runoff), per mm, `[steps][cells]`.
    public var localRunoff: [Real]
    /// dL/d(velocity of each cell), per m/s; for a uniform velocity the derivative is the sum.
    public var velocity: [Real]
    /// dL/d(initial storage), per m³.
    public var initialStorage: [Real]

    public init(localRunoff: [Real], velocity: [Real], initialStorage: [Real]) {
        self.localRunoff = localRunoff
        self.velocity = velocity
        self.initialStorage = initialStorage
    }

    /// dL/dv for one velocity shared by every cell.
    public var uniformVelocity: Real { velocity.reduce(0, +) }
}

extension RoutingSeed {
    /// The seed as a dense `[steps][cells]` field.
    package func field(steps: Int, cells: Int) throws(RoutingError) -> [Real] {
        switch self {
        case .field(let values):
            guard values.count == steps * cells else {
                throw RoutingError("discharge adjoint has \(values.count) values; expected steps x cells = \(steps) x \(cells)")
            }
            return values
        case .gauges(let gaugeCells, let adjoint):
            let g = gaugeCells.count
            guard adjoint.count == steps * g else {
                throw RoutingError("gauge adjoint has \(adjoint.count) values; expected steps x gauges = \(steps) x \(g)")
            }
            if let bad = gaugeCells.first(where: { $0 < 0 || $0 >= cells }) {
                throw RoutingError("gauge cell \(bad) is not a cell of the network (0..<\(cells))")
            }
            var values = [Real](repeating: 0, count: steps * cells)
            for t in 0..<steps { for (j, c) in gaugeCells.enumerated() { values[t * cells + c] += adjoint[t * g + j] } }
            return values
        }
    }
}

/// The physical range of the routing celerity (m/s): calibrated as `lo + (hi - lo) * sigmoid(raw)`,
/// and the range a configured fixed or initial velocity must lie in. Here, beside the routing,
/// so that the configuration (HydroIO) and the training setup read the same bounds.
public enum RoutingVelocity {
    public static let bounds = (lower: 0.05, upper: 20.0)
}
