/// The storages a run keeps in the arrays that scale with its steps (issue 10's state layout):
/// the step records and checkpoints of both solvers, on the host and on the device, and the
/// rows of the implicit solver's Newton system. Derived from the run's processes
/// (`ActiveProcesses`) and its solver; storages keep the table's order (model/hbv.table), so
/// the layout's position of a storage is the number of kept storages before it.
///
/// A storage is kept when a step after the run's first may change it or read it:
/// - its owning process is on (SM, SUZ and SLZ always: their processes cannot be off);
/// - except the glacier's ice store ICE, kept only when the ice limits the melt
///   (`ActiveProcesses.limitsIceMelt`): unlimited ice keeps its start value and no flux reads it
///   (what `GlacierProcess.implicitStorageCount` said before);
/// - a process that is off and has a null operator (model/hbv.table's `absent` = `null`, the
///   snow): the sequential null operator empties its storages in the first step (their start
///   values, δHBV's 0.001 mm, drain to the soil), so they are 0 in every later record and are
///   left out; the implicit null operator drains them at the rate kappa over many steps, so the
///   implicit solver keeps them (a case without snow solves the snow storages as before);
/// - a process that is off and skipped (`absent` = `skip`): nothing changes or reads its storages.
///
/// What a run's records do not keep is, when read back (`expand`): 0, except at the run's
/// first step, whose start is the problem's initial states (the sequential null operator's
/// drain reads them there). The solvers' boundary stays in the full layout
/// `[HBVStorage.count][units]`: `RunoffProblem.initialStates`, `RunoffResult.finalStates`,
/// `RunoffGradient.initialStates` and the device solvers' state buffers (per run, not per
/// step; an absent snow storage's initial value has a gradient, the soil's inflow).
///
/// The kernels get the layout as a build define (`openCLDefine`, `-DHBV_STATE_LAYOUT=mask`),
/// so that their record positions (`HBV_LAYOUT_SLOT(i)`, `HBV_LAYOUT_COUNT`, generated into
/// hbv_model.h) are compile-time constants.
public struct StateLayout: Sendable, Equatable, CustomStringConvertible {
    /// Bit `s.rawValue` set for every storage `s` the layout keeps.
    public let mask: UInt32

    /// The kept storages, in the table's order.
    public var storages: [HBVStorage] { HBVStorage.allCases.filter(contains) }

    /// Number of kept storages: the row count of every record.
    public var count: Int { mask.nonzeroBitCount }

    /// Every storage (a program built without a layout define, or a problem with every process on).
    public static var full: StateLayout { StateLayout(mask: HBVStorage.allCases.reduce(0) { $0 | 1 << UInt32($1.rawValue) }) }

    public init(mask: UInt32) { self.mask = mask }

    /// The layout of a run of `solver` with the processes `active`.
    public init(_ active: ActiveProcesses, solver: HBVSolver) {
        var mask: UInt32 = 0
        for storage in HBVStorage.allCases where Self.keeps(storage, active, solver) { mask |= 1 << UInt32(storage.rawValue) }
        self.mask = mask
    }

    /// The rule of the type's documentation for one storage.
    static func keeps(_ storage: HBVStorage, _ active: ActiveProcesses, _ solver: HBVSolver) -> Bool {
        let process = storage.process
        if storage == .ice { return active.contains(.glacier) && active.limitsIceMelt }
        if active.contains(process) { return true }
        return process.hasNullOperator && solver == .implicit
    }

    @inlinable
    public func contains(_ storage: HBVStorage) -> Bool { mask & (1 << UInt32(storage.rawValue)) != 0 }

    /// The storage's row in the layout's records, nil when the layout leaves it out.
    @inlinable
    public func index(of storage: HBVStorage) -> Int? {
        guard contains(storage) else { return nil }
        return (mask & ((1 << UInt32(storage.rawValue)) - 1)).nonzeroBitCount
    }

    /// Whether the kept storages are the table's first `count` (the implicit solvers' Newton
    /// systems solve a leading block of the storage-sized Jacobian: always so for the implicit
    /// layout, which only leaves out ICE, the table's last storage).
    public var isLeadingBlock: Bool { mask == (count == 32 ? ~0 : (1 << UInt32(count)) - 1) }

    /// The layout's rows `[count][units]` of a full `[HBVStorage.count][units]` array.
    public func compact<Real>(_ full: [Real], units: Int) -> [Real] {
        precondition(full.count == HBVStorage.count * units, "compact: \(full.count) values, expected \(HBVStorage.count) x \(units)")
        var out: [Real] = []
        out.reserveCapacity(count * units)
        for storage in storages { out.append(contentsOf: full[(storage.rawValue * units)..<((storage.rawValue + 1) * units)]) }
        return out
    }

    /// A full `[HBVStorage.count][units]` array from the layout's rows `[count][units]`; the
    /// storages the layout leaves out are taken from `absent` (full layout, e.g. the initial
    /// states at a run's first step), or 0.
    public func expand<Real: BinaryFloatingPoint>(_ compact: [Real], units: Int, absent: [Real]? = nil) -> [Real] {
        precondition(compact.count == count * units, "expand: \(compact.count) values, expected \(count) x \(units)")
        precondition(absent == nil || absent!.count == HBVStorage.count * units)
        var out = absent ?? [Real](repeating: 0, count: HBVStorage.count * units)
        for (row, storage) in storages.enumerated() {
            for u in 0..<units { out[storage.rawValue * units + u] = compact[row * units + u] }
        }
        return out
    }

    /// The kernels' build define of the layout (hbv_model.h: `HBV_LAYOUT_COUNT`, `HBV_LAYOUT_SLOT`).
    public var openCLDefine: String { " -DHBV_STATE_LAYOUT=\(mask)" }

    public var description: String { "[" + storages.map(\.name).joined(separator: ", ") + "]" }
}

extension RunoffProblem {
    /// The state layout of this problem's runs: its processes (switched by presence) and solver.
    public var stateLayout: StateLayout {
        StateLayout(ActiveProcesses(given: Set(parameters.keys), limitsIceMelt: configuration.limitsIceMelt),
                    solver: configuration.solver)
    }
}
