import RealModule
import HydroModel

/// Per-step storages and fluxes of every unit, for inspection and for tests against δHBV.
public struct HBVTrace<Real: BinaryFloatingPoint & Sendable>: Sendable {
    public var steps: Int
    public var units: Int
    /// Storages at the END of each step, `[steps][units]`.
    public var states: [HBVState<Real>]
    /// Fluxes of each step, `[steps][units]`.
    public var fluxes: [HBVStepFluxes<Real>]
    /// The ordinary result of the same run.
    public var result: RunoffResult<Real>
}

/// The plain-Swift reference backend of the sequential (explicit, operator-split) HBV solver:
/// forward, hand-written adjoint, water-balance audit. Generic over Float and Double; Double is
/// the test oracle, Float the fallback backend when no OpenCL device exists.
///
/// - One unit (HBV column) per work item, `unit = cell * components + k`; a cell's components
///   run on one thread, so the cell's runoff (mean over components) is written by one owner.
/// - Parameters are read through `PackedParameters` (slot per step), so static, monthly and
///   dynamic series share one loop; gradients come back per slot.
/// - Required and optional parameters follow model/hbv.table (`HBVParameter.absenceRule`):
///   the ET exponent's parameter only with `usesETExponent`; capillary rise off when its
///   coefficient is absent (δHBV 1.0).
/// - The adjoint stores the forward step records of one unit at a time (per thread, reused).
public struct SequentialReferenceModel<Real: Real_>: RunoffModel, Sendable {
    public init() {}

    public func forward(_ problem: RunoffProblem<Real>) throws -> RunoffResult<Real> {
        try run(problem, runoffAdjoint: nil, trace: false, tape: .none).result
    }

    public func gradient(_ problem: RunoffProblem<Real>, runoffAdjoint: [Real]) throws -> (result: RunoffResult<Real>, gradient: RunoffGradient<Real>) {
        let expected = problem.forcing.steps * problem.forcing.cells
        guard runoffAdjoint.count == expected else {
            throw RunoffProblemError.arrayLength(name: "runoff adjoint", expected: expected, found: runoffAdjoint.count)
        }
        let out = try run(problem, runoffAdjoint: runoffAdjoint, trace: false, tape: .none)
        return (out.result, out.gradient!)
    }

    /// Forward run that also returns every step's storages and fluxes per unit.
    public func trace(_ problem: RunoffProblem<Real>) throws -> HBVTrace<Real> {
        let out = try run(problem, runoffAdjoint: nil, trace: true, tape: .none)
        return out.trace!
    }

    /// Forward run over steps `0..<steps` (default: all) that keeps every step's power laws
    /// (`2 x steps x units` values) when they fit `tapeBudgetBytes`, so that
    /// `gradient(of:runoffAdjoint:)` replays the steps without evaluating pow again. The result
    /// is bit for bit that of `forward`.
    public func record(_ problem: RunoffProblem<Real>, steps: Int? = nil,
                       tapeBudgetBytes: Int = RecordedRunoff<Real>.defaultTapeBudgetBytes) throws -> RecordedRunoff<Real> {
        let steps = steps ?? problem.forcing.steps
        let count = 2 * steps * problem.units
        let taped = RecordedRunoff<Real>.fits(count, budget: tapeBudgetBytes)
        let out = try run(problem, steps: steps, runoffAdjoint: nil, trace: false, tape: taped ? .write(count) : .none)
        return RecordedRunoff(problem: problem, steps: steps, result: out.result, tape: out.tape)
    }

    /// dL/d(parameters, initial storages) of the recorded run given dL/d(runoff) `[steps][cells]`:
    /// bit for bit `gradient(_:runoffAdjoint:)` of the same problem and steps, at the cost of
    /// the reverse sweep and a replay without pow (the forward again when the run kept no tape).
    public func gradient(of recorded: RecordedRunoff<Real>, runoffAdjoint: [Real]) throws -> RunoffGradient<Real> {
        let expected = recorded.steps * recorded.problem.forcing.cells
        guard runoffAdjoint.count == expected else {
            throw RunoffProblemError.arrayLength(name: "runoff adjoint", expected: expected, found: runoffAdjoint.count)
        }
        let tape: PowerTapeUse<Real> = recorded.tape.map { .read($0) } ?? .none
        return try run(recorded.problem, steps: recorded.steps, runoffAdjoint: runoffAdjoint, trace: false, tape: tape).gradient!
    }

    // MARK: - Driver

    /// Runs steps `0..<steps` (default: all of the forcing) of `problem`.
    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    private func run(_ problem: RunoffProblem<Real>, steps stepLimit: Int? = nil, runoffAdjoint: [Real]?, trace wantsTrace: Bool, tape use: PowerTapeUse<Real>) throws
        -> (result: RunoffResult<Real>, gradient: RunoffGradient<Real>?, trace: HBVTrace<Real>?, tape: RunoffTape<Real>?) {
        let config = problem.configuration
        guard config.components >= 1 else { throw RunoffProblemError.configuration("components must be >= 1, got \(config.components)") }
        guard config.stepDays > 0 else { throw RunoffProblemError.configuration("stepDays must be > 0, got \(config.stepDays)") }
        let units = problem.units
        guard problem.initialStates.count == HBVStorage.count * units else {
            throw RunoffProblemError.initialStates(expected: HBVStorage.count * units, found: problem.initialStates.count)
        }
        let packed = try PackedParameters(problem)
        let cells = problem.forcing.cells
        let steps = stepLimit ?? problem.forcing.steps
        guard steps >= 1, steps <= problem.forcing.steps else {
            throw RunoffProblemError.configuration("steps must be in 1...\(problem.forcing.steps), got \(steps)")
        }

        var runoff = [Real](repeating: 0, count: steps * cells)
        var finalStates = [Real](repeating: 0, count: HBVStorage.count * units)
        var balances = [UnitWaterBalance](repeating: UnitWaterBalance(), count: units)
        var packedGradient = [Real](repeating: 0, count: runoffAdjoint == nil ? 0 : packed.values.count)
        var stateGradient = [Real](repeating: 0, count: runoffAdjoint == nil ? 0 : HBVStorage.count * units)
        var traceStates = [HBVState<Real>](repeating: .zero, count: wantsTrace ? steps * units : 0)
        var traceFluxes = [HBVStepFluxes<Real>](repeating: HBVStepFluxes(), count: wantsTrace ? steps * units : 0)
        let adjointIn = runoffAdjoint ?? []
        let tape: RunoffTape<Real>?
        let replaying: Bool
        switch use {
        case .none: (tape, replaying) = (nil, false)
        case .write(let count): (tape, replaying) = (RunoffTape(count: count), false)
        case .read(let stored): (tape, replaying) = (stored, true)
        }

        problem.forcing.precipitation.withUnsafeBufferPointer { P in
        problem.forcing.temperature.withUnsafeBufferPointer { T in
        problem.forcing.pet.withUnsafeBufferPointer { PET in
        packed.values.withUnsafeBufferPointer { values in
        packed.stepBase.withUnsafeBufferPointer { stepBase in
        problem.initialStates.withUnsafeBufferPointer { initial in
        adjointIn.withUnsafeBufferPointer { adjoint in
        runoff.withUnsafeMutableBufferPointer { Q in
        finalStates.withUnsafeMutableBufferPointer { final in
        balances.withUnsafeMutableBufferPointer { balance in
        packedGradient.withUnsafeMutableBufferPointer { gParameters in
        stateGradient.withUnsafeMutableBufferPointer { gStates in
        traceStates.withUnsafeMutableBufferPointer { tStates in
        traceFluxes.withUnsafeMutableBufferPointer { tFluxes in
            let active = ActiveProcesses(given: packed.given, limitsIceMelt: config.limitsIceMelt)
            let context = SequentialKernelContext<Real>(
                steps: steps, cells: cells, components: config.components,
                nearZero: Real(config.nearZero), usesETExponent: active.etExponent,
                active: active,
                precipitation: P.baseAddress!, temperature: T.baseAddress!, pet: PET.baseAddress!,
                values: values.baseAddress!, stepBase: stepBase.baseAddress!, staticParameters: packed.slots.allSatisfy { $0 == 1 },
                initialStates: initial.baseAddress!,
                runoffAdjoint: runoffAdjoint == nil ? nil : adjoint.baseAddress!,
                runoff: Q.baseAddress!, finalStates: final.baseAddress!, balances: balance.baseAddress!,
                // Empty arrays may still have a base address: pass nil for what this run does not produce.
                parameterGradient: runoffAdjoint == nil ? nil : gParameters.baseAddress,
                stateGradient: runoffAdjoint == nil ? nil : gStates.baseAddress,
                traceStates: wantsTrace ? tStates.baseAddress : nil, traceFluxes: wantsTrace ? tFluxes.baseAddress : nil,
                // A replayed tape is only read; the one mutable pointer serves both uses.
                powers: tape?.values, replayPowers: replaying)
            UnitParallel.forEachChunk(count: cells, minimumChunk: max(1, 16 / config.components)) { range in
                if context.runoffAdjoint != nil {
                    SequentialKernels.gradientCells(range, context)
                } else {
                    SequentialKernels.forwardCells(range, context)
                }
            }
        }}}}}}}}}}}}}}

        let audit = WaterBalanceAudit(units: balances)
        let result = RunoffResult(runoff: runoff, finalStates: finalStates, audit: audit)
        let gradient = runoffAdjoint == nil ? nil
            : RunoffGradient(parameters: packed.gradients(from: packedGradient), initialStates: stateGradient)
        let trace = wantsTrace ? HBVTrace(steps: steps, units: units, states: traceStates, fluxes: traceFluxes, result: result) : nil
        return (result, gradient, trace, replaying ? nil : tape)
    }
}

/// What a sequential run does with the power-law tape: nothing, write one of `count` values,
/// or replay one.
enum PowerTapeUse<Real: Real_> {
    case none
    case write(Int)
    case read(RunoffTape<Real>)
}

/// Pointers one parallel run shares; every task writes only its own cells' and units' entries.
@usableFromInline
struct SequentialKernelContext<Real: Real_>: @unchecked Sendable {
    let steps: Int, cells: Int, components: Int
    let nearZero: Real
    let usesETExponent: Bool
    let active: ActiveProcesses
    let precipitation: UnsafePointer<Real>, temperature: UnsafePointer<Real>, pet: UnsafePointer<Real>
    let values: UnsafePointer<Real>
    let stepBase: UnsafePointer<Int>
    /// Every parameter has one slot (constant in time, the usual case): a unit's values are read
    /// once, not at every step, and its gradients summed in registers and stored once.
    let staticParameters: Bool
    let initialStates: UnsafePointer<Real>
    let runoffAdjoint: UnsafePointer<Real>?
    let runoff: UnsafeMutablePointer<Real>
    let finalStates: UnsafeMutablePointer<Real>
    let balances: UnsafeMutablePointer<UnitWaterBalance>
    let parameterGradient: UnsafeMutablePointer<Real>?
    let stateGradient: UnsafeMutablePointer<Real>?
    let traceStates: UnsafeMutablePointer<HBVState<Real>>?
    let traceFluxes: UnsafeMutablePointer<HBVStepFluxes<Real>>?
    /// Power-law tape `[units][steps][2]` (nil: none); written by a forward, read when `replayPowers`.
    let powers: UnsafeMutablePointer<Real>?
    let replayPowers: Bool

    var units: Int { cells * components }
}

/// The per-chunk loops, specialised for Float and Double (the generic model is called from
/// other modules, where it would otherwise run unspecialised).
@usableFromInline
enum SequentialKernels {
    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    static func forwardCells<Real: Real_>(_ cells: Range<Int>, _ c: SequentialKernelContext<Real>) {
        for cell in cells {
            for k in 0..<c.components {
                forwardUnit(cell: cell, component: k, c, records: nil)
            }
            finishCellMean(cell: cell, c)
        }
    }

    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    static func gradientCells<Real: Real_>(_ cells: Range<Int>, _ c: SequentialKernelContext<Real>) {
        let records = UnsafeMutablePointer<SequentialHBVStepRecord<Real>>.allocate(capacity: max(1, c.steps))
        defer { records.deallocate() }
        let n = HBVParameter.count
        let share = 1 / Real(c.components)
        // Static parameters: the unit's gradient sums here, in the same order as in memory (from
        // 0, step by step backwards), and is stored once: the same bits as adding at every step.
        let sums = UnsafeMutablePointer<Real>.allocate(capacity: n)
        defer { sums.deallocate() }
        for cell in cells {
            for k in 0..<c.components {
                let unit = forwardUnit(cell: cell, component: k, c, records: records)
                let hoisted = c.staticParameters ? HBVStepParameters(values: c.values, base: c.stepBase, unit: unit) : nil
                sums.initialize(repeating: 0, count: n)
                // Reverse sweep.
                var g = HBVState<Real>.zero
                var t = c.steps - 1
                while t >= 0 {
                    let i = t * c.cells + cell
                    let base = c.stepBase + t * n
                    let p = hoisted ?? HBVStepParameters(values: c.values, base: base, unit: unit)
                    let gR = c.components == 1 ? c.runoffAdjoint![i] : c.runoffAdjoint![i] * share
                    let gp = SequentialHBV.adjoint(&g, runoffAdjoint: gR, p, precipitation: c.precipitation[i], pet: c.pet[i],
                                                   usesETExponent: c.usesETExponent, active: c.active,
                                                   record: records[t])
                    if hoisted != nil { gp.add(into: sums) } else { gp.accumulate(into: c.parameterGradient!, base: base, unit: unit) }
                    t -= 1
                }
                if hoisted != nil { HBVStepParameters(sums).accumulate(into: c.parameterGradient!, base: c.stepBase, unit: unit) }
                g.store(c.stateGradient!, unit: unit, units: c.units)
            }
            finishCellMean(cell: cell, c)
        }
    }

    /// Runs one unit forward over all steps; returns its unit index.
    @inline(__always) @discardableResult
    static func forwardUnit<Real: Real_>(cell: Int, component k: Int, _ c: SequentialKernelContext<Real>,
                                         records: UnsafeMutablePointer<SequentialHBVStepRecord<Real>>?) -> Int {
        let units = c.units
        let unit = cell * c.components + k
        let n = HBVParameter.count
        var s = HBVState(c.initialStates, unit: unit, units: units)
        var balance = UnitWaterBalance()
        balance.initialStorage = UnitWaterBalance.storageSum(c.initialStates, unit: unit, units: units)
        var record = SequentialHBVStepRecord<Real>()
        var sumP = 0.0, sumET = 0.0, sumQ = 0.0, sumExtra = 0.0, sumExchange = 0.0, sumIce = 0.0
        let unitPowers = c.powers.map { $0 + unit * c.steps * 2 }
        let hoisted = c.staticParameters ? HBVStepParameters(values: c.values, base: c.stepBase, unit: unit) : nil
        for t in 0..<c.steps {
            let i = t * c.cells + cell
            let p = hoisted ?? HBVStepParameters(values: c.values, base: c.stepBase + t * n, unit: unit)
            let precipitation = c.precipitation[i]
            let powers: StepPowers<Real>
            if let unitPowers { powers = c.replayPowers ? .replay(UnsafePointer(unitPowers + 2 * t)) : .store(unitPowers + 2 * t) } else { powers = .evaluate }
            let f = SequentialHBV.step(&s, p, precipitation: precipitation, temperature: c.temperature[i], pet: c.pet[i],
                                       nearZero: c.nearZero, usesETExponent: c.usesETExponent,
                                       active: c.active, record: &record, powers: powers)
            if let records { records[t] = record }
            let q = f.delivered   // after the runoff exchange
            if k == 0 { c.runoff[i] = q } else { c.runoff[i] += q }
            sumP += Double(f.rain + f.snow)   // the corrected precipitation (RFCF, SFCF)
            sumET += Double(f.evapotranspiration)
            sumQ += Double(q)
            sumExtra += Double(f.numericalInflow)
            sumExchange += Double(f.exchange) + Double(f.runoffExchange)   // groundwater and runoff exchange
            sumIce += Double(f.iceMelt)
            if let states = c.traceStates, let fluxes = c.traceFluxes {
                states[t * units + unit] = s
                fluxes[t * units + unit] = f
            }
        }
        s.store(c.finalStates, unit: unit, units: units)
        balance.precipitation = sumP
        balance.evapotranspiration = sumET
        balance.runoff = sumQ
        balance.numericalInflow = sumExtra
        balance.exchange = sumExchange
        balance.iceMelt = sumIce
        balance.finalStorage = UnitWaterBalance.storageSum(UnsafePointer(c.finalStates), unit: unit, units: units)
        c.balances[unit] = balance
        return unit
    }

    /// Turns the sum over components accumulated in `runoff` into their mean (δHBV's nmul).
    @inline(__always)
    static func finishCellMean<Real: Real_>(cell: Int, _ c: SequentialKernelContext<Real>) {
        guard c.components > 1 else { return }
        let n = Real(c.components)
        for t in 0..<c.steps { c.runoff[t * c.cells + cell] /= n }
    }
}
