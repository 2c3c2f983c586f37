import Foundation
import HydroModel

/// A calibration's runoff model between evaluations, over a fixed forcing, initial storages
/// and parameter layout (only the parameter values change): the forward run keeps what the
/// adjoint needs, so an evaluation with a gradient runs the model forward once, and state that
/// does not change (the OpenCL backend's uploaded forcing) is built once per objective.
///
/// `RunoffBackend.makeSession` makes one; `CalibrationObjective` keeps one per step count.
public protocol RunoffSession: AnyObject {
    /// Steps every run covers, from the first.
    var steps: Int { get }
    /// Runoff `[steps][cells]` (mm per step) of `parameters`: series laid out as at the
    /// session's creation, over `steps` or more steps. With `recording`, keeps what `gradient`
    /// needs (and replaces what an earlier run kept).
    func forward(_ parameters: [HBVParameter: ParameterSeries<Double>], recording: Bool) throws -> [Double]
    /// dL/d(physical parameter series) of the last recording forward, given dL/d(runoff)
    /// `[steps][cells]`: equal to a separate forward + gradient of the same problem.
    func gradient(runoffAdjoint: [Double]) throws -> [HBVParameter: [Double]]
}

/// Errors of a runoff session used out of order or with another layout.
public enum RunoffSessionError: Error, CustomStringConvertible, Equatable {
    /// `gradient` without a recording `forward` before it.
    case gradientWithoutRecording
    /// A parameter series whose slots or slot-of-step table differ from the session's.
    case layoutChanged(HBVParameter)
    /// A gradient asked at another free vector than the recording forward's.
    case gradientAtAnotherPoint

    public var description: String {
        switch self {
        case .gradientWithoutRecording: "runoff session: gradient asked without a recording forward run before it"
        case .layoutChanged(let p): "runoff session: parameter \(p) changed its slots or slot-of-step table since the session was made"
        case .gradientAtAnotherPoint: "runoff session: gradient asked at another free vector than the recording forward run's"
        }
    }
}

/// The runoff session (with its routing, `RoutedRunoff`) a `CalibrationObjective` reuses,
/// behind a lock: a session holds the run between an evaluation's forward and gradient, so
/// evaluations of one objective take turns.
///
/// With the session it holds the `KeptForward` of the session's last recording forward, if a
/// loss-only evaluation made it: the gradient at that point then needs only the reverse sweeps.
final class RunoffSessionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var session: (any RoutedRunoff)?
    private var kept: KeptForward?

    /// Runs `body` alone with the session of `steps` steps, made by `make` when there is none
    /// or it covers other steps (the old one, and what was kept of its run, are dropped first,
    /// so two never coexist). `body` gets the kept forward and sets what its own run leaves.
    func withSession<T>(steps: Int, make: () throws -> any RoutedRunoff, _ body: (any RoutedRunoff, inout KeptForward?) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if session?.steps != steps {
            session = nil
            kept = nil
            session = try make()
        }
        return try body(session!, &kept)
    }
}
