import HydroModel

/// A forward run of a reference runoff model kept for its adjoint, so that a training
/// evaluation runs the model forward once: `SequentialReferenceModel.record` and
/// `ImplicitReferenceModel.record` make it, their `gradient(of:runoffAdjoint:)` run only what
/// the reverse sweep needs from it.
///
/// The run covers steps `0..<steps` of `problem`, whose forcing and parameter series may be
/// longer: a calibration that stops at the end of its calibration window passes the whole
/// case instead of copying a prefix of the forcing for every evaluation.
public struct RecordedRunoff<Real: Real_>: Sendable {
    /// The problem that ran (shares its arrays with the caller's: Swift arrays are copy-on-write).
    public let problem: RunoffProblem<Real>
    /// Steps that ran, from the first.
    public let steps: Int
    /// Runoff `[steps][cells]`, final storages, audit: as `forward` returns them.
    public let result: RunoffResult<Real>
    /// What the reverse sweep reads, per unit: sequential, each step's two power laws
    /// `[units][steps][2]`; implicit, the storages of its state layout at each step boundary
    /// `[units][steps + 1][StateLayout.count]`.
    /// nil when it did not fit the budget: the gradient then runs the forward again.
    let tape: RunoffTape<Real>?

    /// Whether the gradient skips the forward (the tape fitted the budget).
    public var isTaped: Bool { tape != nil }

    /// Bytes a recording run may keep by default (2 GiB): Moselle's calibration window
    /// (46,545 cells x 1095 days) takes 0.8 GB in the sequential solver's layout.
    public static var defaultTapeBudgetBytes: Int { 2 << 30 }

    /// Whether `count` values of this precision fit `budget` bytes.
    static func fits(_ count: Int, budget: Int) -> Bool {
        count.multipliedReportingOverflow(by: MemoryLayout<Real>.stride).partialValue <= budget
    }
}

/// Values a recording run keeps for its reverse sweep. A class over one allocation, not an
/// array: parallel tasks write their own units' rows through the pointer, and the reverse sweep
/// reads it without the copy a shared array's mutable buffer would make.
final class RunoffTape<Real: Real_>: @unchecked Sendable {
    let values: UnsafeMutablePointer<Real>
    let count: Int

    /// `count` zeros.
    init(count: Int) {
        self.count = count
        values = .allocate(capacity: max(count, 1))
        values.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { values.deallocate() }
}
