/// A runoff problem that cannot be run, naming the parameter, step or array at fault.
public enum RunoffProblemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The model needs a parameter the problem does not give.
    case missingParameter(HBVParameter)
    /// A parameter series covers the wrong number of units.
    case parameterUnits(HBVParameter, expected: Int, found: Int)
    /// A parameter series' `slotOfStep` has the wrong length.
    case parameterSteps(HBVParameter, expected: Int, found: Int)
    /// A parameter series names a slot it does not have at a step.
    case slotOutOfRange(HBVParameter, step: Int, slot: Int, slots: Int)
    /// The initial storages are not `[storages][units]`.
    case initialStates(expected: Int, found: Int)
    /// An array passed alongside the problem has the wrong length (e.g. the runoff adjoint).
    case arrayLength(name: String, expected: Int, found: Int)
    /// A configuration value outside its domain.
    case configuration(String)
    /// The problem switches on (gives `parameter` at `value`, not its off value) a process the
    /// solver does not have.
    case processNotInSolver(HBVProcess, solver: HBVSolver, parameter: HBVParameter, value: Double)

    public var description: String {
        switch self {
        case .missingParameter(let p): "parameter \(p.name) is required but not given"
        case .parameterUnits(let p, let e, let f): "parameter \(p.name): \(f) units, expected \(e) (cells x components)"
        case .parameterSteps(let p, let e, let f): "parameter \(p.name): slotOfStep has \(f) entries, expected \(e) (one per step)"
        case .slotOutOfRange(let p, let t, let s, let n): "parameter \(p.name), time index \(t): slot \(s) outside 0..<\(n)"
        case .initialStates(let e, let f): "initial states: \(f) values, expected \(e) (\(HBVStorage.count) storages x units)"
        case .arrayLength(let name, let e, let f): "\(name): \(f) values, expected \(e)"
        case .configuration(let message): "configuration: \(message)"
        case .processNotInSolver(let process, let solver, let p, let v):
            "parameter \(p.name) = \(v) switches on the \(process.name) process, which the \(solver.rawValue) solver does not have (use the sequential solver, or leave \(p.name) out)"
        }
    }
}
