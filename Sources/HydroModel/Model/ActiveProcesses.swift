/// The processes a run applies (processes switched by presence): a process whose parameters
/// are all absent and neutral (model/hbv.table, `absent` = `neutral=V`) is off, so its operator
/// is not applied at all, rather than applied with a neutral value. Today that is capillary rise
/// without C (δHBV 1.0).
public struct ActiveProcesses: Sendable, Equatable {
    public private(set) var mask: UInt32
    /// Whether ET has its exponent (`absent` = `exponent=V` in model/hbv.table): switched by
    /// presence like the processes, on when the problem gives the exponent's parameter (δHBV
    /// 1.1p), off (exponent 1: δHBV 1.0's linear ET) when it does not.
    public private(set) var etExponent: Bool
    /// Whether the glacier's ice store limits its ice melt: on when the problem knows the ice
    /// (`HBVConfiguration.limitsIceMelt`: a case giving the ice thickness), off when the ice is
    /// unlimited (the store then counts the ice melted, below its start).
    public var limitsIceMelt: Bool

    public init(_ processes: some Sequence<HBVProcess>, etExponent: Bool = true, limitsIceMelt: Bool = false) {
        mask = 0
        for process in processes { mask |= 1 << UInt32(process.rawValue) }
        self.etExponent = etExponent
        self.limitsIceMelt = limitsIceMelt
    }

    /// Every process on, ET with its exponent.
    public static var all: Self { Self(HBVProcess.allCases) }

    /// The processes (and the ET exponent) a problem giving `given` parameters runs; `limitsIceMelt`
    /// from its configuration.
    public init(given: Set<HBVParameter>, limitsIceMelt: Bool = false) {
        self.init(HBVProcess.allCases.filter { process in
            let own = HBVParameter.allCases.filter { $0.process == process }
            let switchable = !own.isEmpty && own.allSatisfy { if case .neutral = $0.absence { true } else { false } }
            return !switchable || own.contains(where: given.contains)
        }, etExponent: HBVParameter.allCases.allSatisfy { parameter in
            if case .exponent = parameter.absence { given.contains(parameter) } else { true }
        }, limitsIceMelt: limitsIceMelt)
    }

    @inlinable @inline(__always)
    public func contains(_ process: HBVProcess) -> Bool { mask & (1 << UInt32(process.rawValue)) != 0 }
}

extension HBVSolver {
    /// The processes the solver implements: both solvers compose every operator of the table
    /// (`SequentialProcess` and `ImplicitProcess` in each Processes/<Process>Process.swift).
    /// `checkSolverHasProcesses` keeps the refusal for a future process written for one solver
    /// only.
    public var processes: ActiveProcesses {
        switch self {
        case .sequential, .implicit: .all
        }
    }
}

extension RunoffProblem {
    /// Refuses a problem that asks its solver for a process the solver does not have: a
    /// parameter of such a process may only be given at its off value (`neutral=V`), where the
    /// process does nothing (training holds parameters it does not calibrate there).
    public func checkSolverHasProcesses() throws(RunoffProblemError) {
        let solver = configuration.solver
        for (parameter, series) in parameters.sorted(by: { $0.key.rawValue < $1.key.rawValue })
        where !solver.processes.contains(parameter.process) {
            let off = parameter.offValue.map { Real($0) }
            if let index = series.values.firstIndex(where: { $0 != off }) {
                throw .processNotInSolver(parameter.process, solver: solver, parameter: parameter,
                                          value: Double(series.values[index]))
            }
        }
    }
}
