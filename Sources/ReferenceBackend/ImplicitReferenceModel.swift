import HydroModel

/// The implicit HBV solver (MODEL.md 3.2, docs/IMPLICIT-SOLVER.md) in plain Swift: backward Euler
/// over the five storages, Newton with the analytic Jacobian, and the implicit-function-theorem
/// adjoint. Generic over Float and Double; parallel over cells (a cell's components together).
public struct ImplicitReferenceModel<Real: Real_>: RunoffModel, Sendable {
    /// Newton converges when |F|_inf <= tolerance (mm): 1e-6 in Double, 1e-4 in Float by default.
    public var tolerance: Real
    /// Newton steps per unit-step before it counts as non-converged.
    public var maxIterations: Int
    /// Newton steps after convergence, each kept only if |F| does not rise (`ImplicitHBVNewton`).
    public var polishingSteps: Int

    /// The default tolerance of MODEL.md 3.2 for this precision.
    public static var defaultTolerance: Real { MemoryLayout<Real>.size >= 8 ? Real(1e-6) : Real(1e-4) }

    public init(tolerance: Real = Self.defaultTolerance, maxIterations: Int = 50, polishingSteps: Int = 1) {
        self.polishingSteps = polishingSteps
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    public func forward(_ problem: RunoffProblem<Real>) throws -> RunoffResult<Real> {
        try run(problem, runoffAdjoint: nil, finalStateAdjoint: nil).result
    }

    public func gradient(_ problem: RunoffProblem<Real>, runoffAdjoint: [Real]) throws
        -> (result: RunoffResult<Real>, gradient: RunoffGradient<Real>)
    {
        let (result, gradient) = try run(problem, runoffAdjoint: runoffAdjoint, finalStateAdjoint: nil)
        return (result, gradient!)
    }

    /// The gradient of a loss on the runoff and on the final storages: `finalStateAdjoint` is
    /// dL/d(storages after the last step) `[storages][units]` (a window's adjoint carried back from the
    /// next window, or a loss on the end state).
    public func gradient(_ problem: RunoffProblem<Real>, runoffAdjoint: [Real], finalStateAdjoint: [Real]) throws
        -> (result: RunoffResult<Real>, gradient: RunoffGradient<Real>)
    {
        let (result, gradient) = try run(problem, runoffAdjoint: runoffAdjoint, finalStateAdjoint: finalStateAdjoint)
        return (result, gradient!)
    }

    /// Forward run over steps `0..<steps` (default: all) that keeps the storages of its state
    /// layout at every step boundary (`StateLayout.count x (steps + 1) x units` values: 5 without
    /// a glacier whose ice is known) when they fit `tapeBudgetBytes`, so that
    /// `gradient(of:runoffAdjoint:)` runs only the adjoint sweep, without Newton. The result is
    /// bit for bit that of `forward`.
    public func record(_ problem: RunoffProblem<Real>, steps: Int? = nil,
                       tapeBudgetBytes: Int = RecordedRunoff<Real>.defaultTapeBudgetBytes) throws -> RecordedRunoff<Real> {
        let steps = steps ?? problem.forcing.steps
        let count = problem.stateLayout.count * (steps + 1) * problem.units
        let tape = RecordedRunoff<Real>.fits(count, budget: tapeBudgetBytes) ? RunoffTape<Real>(count: count) : nil
        let (result, _) = try run(problem, steps: steps, runoffAdjoint: nil, finalStateAdjoint: nil, tape: tape)
        return RecordedRunoff(problem: problem, steps: steps, result: result, tape: tape)
    }

    /// dL/d(parameters, initial storages) of the recorded run given dL/d(runoff) `[steps][cells]`:
    /// bit for bit `gradient(_:runoffAdjoint:)` of the same problem and steps (which solves the
    /// steps again when the run kept no tape).
    public func gradient(of recorded: RecordedRunoff<Real>, runoffAdjoint: [Real]) throws -> RunoffGradient<Real> {
        try run(recorded.problem, steps: recorded.steps, runoffAdjoint: runoffAdjoint, finalStateAdjoint: nil,
                tape: recorded.tape, replay: recorded.tape != nil).gradient!
    }

    /// Runs steps `0..<steps` (default: all of the forcing); `tape` receives the trajectory, or
    /// with `replay` provides it to a gradient run that then skips the forward (its result is empty).
    func run(_ problem: RunoffProblem<Real>, steps stepLimit: Int? = nil, runoffAdjoint: [Real]?, finalStateAdjoint: [Real]?,
             tape: RunoffTape<Real>? = nil, replay: Bool = false) throws(RunoffProblemError)
        -> (result: RunoffResult<Real>, gradient: RunoffGradient<Real>?)
    {
        let configuration = problem.configuration
        guard configuration.solver == .implicit else {
            throw .configuration("solver is \(configuration.solver.rawValue); ImplicitReferenceModel runs the implicit solver")
        }
        guard configuration.components >= 1 else { throw .configuration("components must be at least 1, got \(configuration.components)") }
        guard configuration.stepDays > 0, configuration.stepDays.isFinite else {
            throw .configuration("stepDays must be positive, got \(configuration.stepDays)")
        }
        guard tolerance > 0, maxIterations >= 0 else { throw .configuration("Newton tolerance must be positive and the iteration cap non-negative") }
        let steps = stepLimit ?? problem.forcing.steps, cells = problem.forcing.cells
        let components = configuration.components, units = problem.units
        guard steps <= problem.forcing.steps else { throw .configuration("steps must be at most the forcing's \(problem.forcing.steps), got \(steps)") }
        guard steps >= 1, cells >= 1 else { throw .configuration("the forcing needs at least one step and one cell, got \(steps) x \(cells)") }
        guard problem.initialStates.count == HBVStorage.count * units else { throw .initialStates(expected: HBVStorage.count * units, found: problem.initialStates.count) }
        if let runoffAdjoint, runoffAdjoint.count != steps * cells {
            throw .arrayLength(name: "runoff adjoint", expected: steps * cells, found: runoffAdjoint.count)
        }
        if let finalStateAdjoint, finalStateAdjoint.count != HBVStorage.count * problem.units {
            throw .arrayLength(name: "final state adjoint", expected: HBVStorage.count * problem.units, found: finalStateAdjoint.count)
        }
        let packed = try PackedParameters(problem)
        let active = ActiveProcesses(given: packed.given, limitsIceMelt: configuration.limitsIceMelt)
        let newton = ImplicitHBVNewton<Real>(tolerance: tolerance, maxIterations: maxIterations,
                                             stepDays: Real(configuration.stepDays),
                                             usesETExponent: active.etExponent,
                                             active: active, polishingSteps: polishingSteps)

        var runoff = [Real](repeating: 0, count: steps * cells)
        var finalStates = [Real](repeating: 0, count: HBVStorage.count * units)
        var balances = [UnitWaterBalance](repeating: UnitWaterBalance(), count: units)
        var nonConverged = [Int](repeating: 0, count: units)
        let wantsGradient = runoffAdjoint != nil
        var packedGradient = [Real](repeating: 0, count: wantsGradient ? packed.values.count : 0)
        var initialGradient = [Real](repeating: 0, count: wantsGradient ? HBVStorage.count * units : 0)
        let adjoint = runoffAdjoint ?? []
        let endAdjoint = finalStateAdjoint ?? [Real](repeating: 0, count: wantsGradient ? HBVStorage.count * units : 0)

        let sweep = ImplicitHBVSweep(newton: newton, steps: steps, cells: cells, components: components)
        problem.forcing.precipitation.withUnsafeBufferPointer { precipitation in
        problem.forcing.temperature.withUnsafeBufferPointer { temperature in
        problem.forcing.pet.withUnsafeBufferPointer { pet in
        packed.values.withUnsafeBufferPointer { values in
        packed.stepBase.withUnsafeBufferPointer { stepBase in
        problem.initialStates.withUnsafeBufferPointer { initial in
        adjoint.withUnsafeBufferPointer { adjointCells in
        endAdjoint.withUnsafeBufferPointer { adjointEnd in
        runoff.withUnsafeMutableBufferPointer { runoffOut in
        finalStates.withUnsafeMutableBufferPointer { finalOut in
        balances.withUnsafeMutableBufferPointer { balanceOut in
        nonConverged.withUnsafeMutableBufferPointer { nonConvergedOut in
        packedGradient.withUnsafeMutableBufferPointer { gradientOut in
        initialGradient.withUnsafeMutableBufferPointer { initialGradientOut in
            let io = ImplicitHBVSweep<Real>.Buffers(
                precipitation: SendablePointer(precipitation.baseAddress!), temperature: SendablePointer(temperature.baseAddress!),
                pet: SendablePointer(pet.baseAddress!), values: SendablePointer(values.baseAddress!),
                stepBase: SendablePointer(stepBase.baseAddress!),
                givenParameters: packed.givenIndices, absentParameters: packed.absentRow, initial: SendablePointer(initial.baseAddress!),
                runoffAdjoint: wantsGradient ? SendablePointer(adjointCells.baseAddress!) : nil,
                finalStateAdjoint: wantsGradient ? SendablePointer(adjointEnd.baseAddress!) : nil,
                runoff: SendableMutablePointer(runoffOut.baseAddress!), finalStates: SendableMutablePointer(finalOut.baseAddress!),
                balances: SendableMutablePointer(balanceOut.baseAddress!), nonConverged: SendableMutablePointer(nonConvergedOut.baseAddress!),
                parameterGradient: wantsGradient ? SendableMutablePointer(gradientOut.baseAddress!) : nil,
                initialGradient: wantsGradient ? SendableMutablePointer(initialGradientOut.baseAddress!) : nil,
                trajectoryTape: tape.map { SendableMutablePointer($0.values) }, replayTrajectory: replay)
            UnitParallel.forEachChunk(count: cells, minimumChunk: 4) { range in
                sweep.run(cells: range, io)
            }
        }}}}}}}}}}}}}}

        withExtendedLifetime(tape) {}
        let audit = WaterBalanceAudit(units: balances)
        let result = RunoffResult(runoff: runoff, finalStates: finalStates, audit: audit,
                                  nonConvergedSteps: nonConverged.reduce(0, +))
        guard wantsGradient else { return (result, nil) }
        let gradient = RunoffGradient(parameters: packed.gradients(from: packedGradient), initialStates: initialGradient)
        return (result, gradient)
    }
}
