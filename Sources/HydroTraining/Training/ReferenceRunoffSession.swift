import RealModule
import HydroModel
import ReferenceBackend

/// The reference runoff models (Double) as a `RunoffSession`: a recording forward keeps the
/// model's tape (`RecordedRunoff`) and the gradient runs only the reverse sweep from it.
/// Forcing and initial storages are the caller's arrays, shared, never copied: runs over fewer
/// steps than the forcing read its first rows.
public final class ReferenceRunoffSession: RunoffSession {
    public let steps: Int
    private var problem: RunoffProblem<Double>
    private let tapeBudgetBytes: Int
    private var recorded: RecordedRunoff<Double>?

    /// - Parameters:
    ///   - problem: configuration, forcing (`steps` or more rows), initial storages; its
    ///     parameters are replaced by each `forward`'s.
    ///   - tapeBudgetBytes: what a recording run may keep (`RecordedRunoff`); over it the
    ///     gradient runs the forward again.
    public init(_ problem: RunoffProblem<Double>, steps: Int, tapeBudgetBytes: Int = RecordedRunoff<Double>.defaultTapeBudgetBytes) {
        precondition(steps >= 1 && steps <= problem.forcing.steps, "session steps \(steps) outside 1...\(problem.forcing.steps)")
        self.problem = problem
        self.steps = steps
        self.tapeBudgetBytes = tapeBudgetBytes
    }

    public func forward(_ parameters: [HBVParameter: ParameterSeries<Double>], recording: Bool) throws -> [Double] {
        recorded = nil
        problem.parameters = parameters
        // A run without recording is a recording run with no room for a tape.
        let budget = recording ? tapeBudgetBytes : 0
        let run = switch problem.configuration.solver {
        case .sequential: try SequentialReferenceModel<Double>().record(problem, steps: steps, tapeBudgetBytes: budget)
        case .implicit: try ImplicitReferenceModel<Double>().record(problem, steps: steps, tapeBudgetBytes: budget)
        }
        if recording { recorded = run }
        return run.result.runoff
    }

    public func gradient(runoffAdjoint: [Double]) throws -> [HBVParameter: [Double]] {
        guard let recorded else { throw RunoffSessionError.gradientWithoutRecording }
        return switch problem.configuration.solver {
        case .sequential: try SequentialReferenceModel<Double>().gradient(of: recorded, runoffAdjoint: runoffAdjoint).parameters
        case .implicit: try ImplicitReferenceModel<Double>().gradient(of: recorded, runoffAdjoint: runoffAdjoint).parameters
        }
    }
}
