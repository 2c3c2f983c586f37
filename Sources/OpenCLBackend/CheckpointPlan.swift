import HydroModel

/// How the reverse sweep gets the storages at the start of each step: every K-th step's
/// record (its starting storages, plus whatever else a solver keeps per step) is kept by the
/// forward run, and each segment of K steps is recomputed from its checkpoint into a scratch of
/// K - 1 records. K = 1 keeps the whole trajectory and recomputes nothing.
public struct CheckpointPlan: Sendable, Equatable, CustomStringConvertible {
    /// K: steps between checkpoints.
    public var interval: Int
    /// Steps of the window the plan covers.
    public var steps: Int
    /// Units (HBV columns) per step.
    public var units: Int
    /// Values per unit in one step record: the storages, plus what the solver keeps per step
    /// (the sequential solver adds its two power laws).
    public var recordValues: Int

    /// Checkpoints the forward run writes: ceil(steps / K).
    public var checkpoints: Int { (steps + interval - 1) / interval }
    /// Rows of recomputed storages within a segment: K - 1.
    public var scratchRows: Int { interval - 1 }
    /// Device bytes of checkpoints plus scratch (Float storages).
    public var bytes: Int { Self.bytes(interval: interval, steps: steps, units: units, recordValues: recordValues) }

    public var description: String {
        interval == 1 ? "trajectory (K = 1, \(bytes) bytes)" : "checkpoints every \(interval) steps (\(checkpoints) kept, \(bytes) bytes)"
    }

    /// A plan with a fixed interval (clamped to 1...steps).
    public init(interval: Int, steps: Int, units: Int, recordValues: Int = HBVStorage.count) {
        self.steps = max(steps, 1)
        self.units = units
        self.recordValues = recordValues
        self.interval = min(max(interval, 1), self.steps)
    }

    /// The plan for a memory budget: the whole trajectory when it fits, else the smallest
    /// interval whose checkpoints and scratch fit (the smallest keeps the scratch of a segment
    /// in cache; every K > 1 recomputes each step once). Throws when even the interval of least
    /// memory (about sqrt(steps)) does not fit.
    public static func choose(steps: Int, units: Int, budgetBytes: Int,
                              recordValues: Int = HBVStorage.count) throws(OpenCLRunoffError) -> CheckpointPlan {
        let steps = max(steps, 1)
        var bestBytes = bytes(interval: 1, steps: steps, units: units, recordValues: recordValues)
        for interval in 1...steps {
            let need = bytes(interval: interval, steps: steps, units: units, recordValues: recordValues)
            if need <= budgetBytes { return CheckpointPlan(interval: interval, steps: steps, units: units, recordValues: recordValues) }
            bestBytes = min(bestBytes, need)
            // Memory falls until K ~ sqrt(steps) and rises after: nothing later fits.
            if interval * interval > steps + 2 * interval { break }
        }
        throw .memoryBudget(neededBytes: bestBytes, budgetBytes: budgetBytes, steps: steps, units: units)
    }

    static func bytes(interval: Int, steps: Int, units: Int, recordValues: Int) -> Int {
        let checkpoints = (steps + interval - 1) / interval
        return (checkpoints + interval - 1) * recordValues * units * MemoryLayout<Float>.stride
    }
}
