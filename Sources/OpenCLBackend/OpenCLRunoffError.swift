import DeviceTensor
import HydroModel

/// Why the OpenCL runoff backend could not run a problem.
public enum OpenCLRunoffError: Error, CustomStringConvertible, Sendable, Equatable {
    /// An OpenCL call failed (the error names the call, status and, for builds, the log).
    case device(OpenCLError)
    /// The problem's arrays do not have the shapes the run needs.
    case problem(RunoffProblemError)
    /// A request the backend cannot serve (e.g. a problem for another solver).
    case invalidProblem(String)
    /// The reverse sweep's state storage does not fit the memory budget even at the best
    /// checkpoint interval.
    case memoryBudget(neededBytes: Int, budgetBytes: Int, steps: Int, units: Int)
    /// The binary has no kernels for this solver.
    case solverNotBuilt(HBVSolver)
    /// A vector width the kernels cannot be built with.
    case unsupportedVectorWidth(Int)
    /// `adjoint()` before a forward run that recorded the states the reverse sweep needs.
    case adjointWithoutForward

    public var description: String {
        switch self {
        case .device(let error): "OpenCL runoff backend: \(error)"
        case .problem(let error): "runoff problem: \(error)"
        case .invalidProblem(let message): "runoff problem: \(message)"
        case .memoryBudget(let needed, let budget, let steps, let units):
            "the reverse sweep over \(steps) steps x \(units) units needs at least \(needed) bytes of checkpoints at the best interval; the memory budget is \(budget) bytes"
        case .solverNotBuilt(let solver):
            "the \(solver.rawValue) solver has no OpenCL kernels in this binary"
        case .unsupportedVectorWidth(let width):
            "vector width \(width) is not supported (use one of \(RunoffVectorWidth.supported.map(String.init).joined(separator: ", ")))"
        case .adjointWithoutForward:
            "the adjoint needs a forward run that recorded checkpoints (forward(recordForAdjoint: true)) first"
        }
    }
}

/// Runs `body`, turning an OpenCL failure into `OpenCLRunoffError.device`.
@inline(__always)
package func onDevice<T>(_ body: () throws(OpenCLError) -> T) throws(OpenCLRunoffError) -> T {
    do { return try body() } catch { throw .device(error) }
}
