/// A first-order optimiser that updates parameters from a gradient, one iteration at a time.
///
/// Its state (moments, step count) is a value so a training checkpoint can store and restore it
/// and `--resume` continues bit-for-bit.
public protocol GradientStepOptimizer: Sendable, Codable {
    /// Moves `parameters` against `gradient` and advances the optimiser's state.
    mutating func step(_ parameters: inout [Double], gradient: [Double])
}

/// Learning rate as a function of the iteration (0-based).
public enum LearningRateSchedule: Sendable, Codable, Equatable {
    case constant(Double)
    /// `initial * factor^(iteration / every)` (integer division): step decay.
    case stepDecay(initial: Double, factor: Double, every: Int)
    /// Cosine from `initial` down to `final` over `iterations`.
    case cosine(initial: Double, final: Double, iterations: Int)

    public func rate(at iteration: Int) -> Double {
        switch self {
        case .constant(let rate): return rate
        case .stepDecay(let initial, let factor, let every):
            var rate = initial
            for _ in 0..<(iteration / max(every, 1)) { rate *= factor }
            return rate
        case .cosine(let initial, let final, let iterations):
            let progress = min(Double(iteration) / Double(max(iterations, 1)), 1)
            return final + 0.5 * (initial - final) * (1 + cos(Double.pi * progress))
        }
    }
}

/// Adam (Kingma & Ba 2015) with bias correction.
public struct Adam: GradientStepOptimizer, Equatable {
    public var schedule: LearningRateSchedule
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    public private(set) var iteration = 0
    private var firstMoment: [Double] = []
    private var secondMoment: [Double] = []

    public init(schedule: LearningRateSchedule) { self.schedule = schedule }

    /// Whether the moments fit `n` parameters (empty before the first step); checked before a
    /// checkpoint's state is adopted.
    public func isConsistent(withCount n: Int) -> Bool {
        firstMoment.count == secondMoment.count && (firstMoment.isEmpty || firstMoment.count == n) && iteration >= 0
    }

    public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        if firstMoment.isEmpty {
            firstMoment = [Double](repeating: 0, count: parameters.count)
            secondMoment = firstMoment
        }
        let rate = schedule.rate(at: iteration)
        iteration += 1
        let correction1 = 1 - pow(beta1, Double(iteration)), correction2 = 1 - pow(beta2, Double(iteration))
        for i in parameters.indices {
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * gradient[i]
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * gradient[i] * gradient[i]
            let mHat = firstMoment[i] / correction1, vHat = secondMoment[i] / correction2
            parameters[i] -= rate * mHat / (vHat.squareRoot() + epsilon)
        }
    }
}

/// AdaDelta (Zeiler 2012): no learning rate to tune beyond an overall scale (1 in the paper).
public struct AdaDelta: GradientStepOptimizer, Equatable {
    public var rho = 0.95
    public var epsilon = 1e-6
    public var scale = 1.0
    private var squaredGradients: [Double] = []
    private var squaredUpdates: [Double] = []

    public init(rho: Double = 0.95, epsilon: Double = 1e-6, scale: Double = 1) {
        self.rho = rho
        self.epsilon = epsilon
        self.scale = scale
    }

    /// Whether the accumulators fit `n` parameters (empty before the first step).
    public func isConsistent(withCount n: Int) -> Bool {
        squaredGradients.count == squaredUpdates.count && (squaredGradients.isEmpty || squaredGradients.count == n)
    }

    public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        if squaredGradients.isEmpty {
            squaredGradients = [Double](repeating: 0, count: parameters.count)
            squaredUpdates = squaredGradients
        }
        for i in parameters.indices {
            squaredGradients[i] = rho * squaredGradients[i] + (1 - rho) * gradient[i] * gradient[i]
            let update = -((squaredUpdates[i] + epsilon).squareRoot() / (squaredGradients[i] + epsilon).squareRoot()) * gradient[i]
            squaredUpdates[i] = rho * squaredUpdates[i] + (1 - rho) * update * update
            parameters[i] += scale * update
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
