import Foundation
import DeviceTensor
import HydroDomain
import HydroIO
import HydroModel
import HydroObjectives
import HydroRegionalisation
import HydroRouting
import OpenCLBackend
import ReferenceBackend

/// Wall-clock seconds an objective's evaluations spend in each stage of the calibration chain,
/// summed over the evaluations since the last `reset` (`hydrogpu bench training`).
///
/// A `CalibrationObjective` with a clock (`stageClock`) times its stages with it; copies of the
/// objective share the clock, like their runoff session. Off by default: timing costs a clock
/// read per stage, nothing else.
public final class EvaluationStageClock: @unchecked Sendable {
    /// The stages in chain order.
    public enum Stage: String, CaseIterable, Sendable, Codable {
        /// Network forward and parameter expansion (layouts, sigmoid) to physical series.
        case expansion
        /// HBV runoff forward (on the backend's device; includes its uploads, and its download
        /// when the routing runs on the host).
        case runoff
        /// Routing forward, and the discharge at the loss's cells (on the device:
        /// the gather and its download).
        case routing
        /// The loss (with pseudo-observations) and regularisation, from the loss cells' series.
        case loss
        /// Routing adjoint back to dL/d runoff (on the device: seed upload and the
        /// routing block's gradient download).
        case routingAdjoint
        /// HBV runoff adjoint back to dL/d physical parameters.
        case runoffAdjoint
        /// Parameter chain back to dL/dx (expansion pull-back, network backward).
        case parameterAdjoint
    }

    private let lock = NSLock()
    private var seconds: [Stage: Double] = [:]

    public init() {}

    /// Seconds per stage since the last reset (0 for stages that did not run).
    public var totals: [Stage: Double] { lock.withLock { seconds } }

    public func reset() { lock.withLock { seconds = [:] } }

    /// Runs `body`, adding its wall time to `stage`.
    public func time<T>(_ stage: Stage, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            lock.withLock { seconds[stage, default: 0] += elapsed }
        }
        return try body()
    }
}

extension Optional where Wrapped == EvaluationStageClock {
    /// `body` timed when there is a clock, run as is otherwise.
    func time<T>(_ stage: EvaluationStageClock.Stage, _ body: () throws -> T) rethrows -> T {
        switch self {
        case .some(let clock): try clock.time(stage, body)
        case .none: try body()
        }
    }
}

extension Optional where Wrapped == EvaluationStageClock {
    /// `body`, which enqueues work on `device`, timed with the queue finished inside the timed
    /// span (kernels run after their enqueue returns, so without the finish their time would be
    /// charged to whichever later stage waits first); run as is, without a finish, when there
    /// is no clock.
    func time<T>(_ stage: EvaluationStageClock.Stage, finishing device: ComputeDevice, _ body: () throws -> T) throws -> T {
        switch self {
        case .some(let clock):
            try clock.time(stage) {
                let result = try body()
                try device.finish()
                return result
            }
        case .none: try body()
        }
    }
}
