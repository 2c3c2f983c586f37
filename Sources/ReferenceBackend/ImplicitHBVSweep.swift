import HydroModel

/// The time loops of the implicit reference model for a range of cells: forward through time
/// (Newton per step, storing the trajectory when a gradient is wanted) and, for the gradient,
/// the adjoint backwards through the stored states.
struct ImplicitHBVSweep<Real: Real_>: Sendable {
    let newton: ImplicitHBVNewton<Real>
    let steps: Int
    let cells: Int
    let components: Int

    /// Inputs and outputs shared by every task; each task writes only its own cells' units.
    struct Buffers: Sendable {
        var precipitation, temperature, pet: SendablePointer<Real>
        /// `PackedParameters.values` and `.stepBase`.
        var values: SendablePointer<Real>
        var stepBase: SendablePointer<Int>
        /// `PackedParameters.givenIndices` and `.absentRow`: only the given parameters are
        /// read and get gradients per unit-step; the others are constants.
        var givenParameters: [Int]
        var absentParameters: [Real]
        var initial: SendablePointer<Real>
        /// dL/d(cell runoff) `[steps][cells]`, nil for a forward run.
        var runoffAdjoint: SendablePointer<Real>?
        /// dL/d(final storages) `[storages][units]`, nil for a forward run.
        var finalStateAdjoint: SendablePointer<Real>?
        var runoff, finalStates: SendableMutablePointer<Real>
        var balances: SendableMutablePointer<UnitWaterBalance>
        var nonConverged: SendableMutablePointer<Int>
        /// In the packed parameter layout; nil for a forward run.
        var parameterGradient: SendableMutablePointer<Real>?
        var initialGradient: SendableMutablePointer<Real>?
        /// Storages of the state layout (`newton.layout`) at every step boundary of every unit,
        /// `[units][steps + 1][layout.count]` (nil: none): a forward run writes it; with
        /// `replayTrajectory` a gradient run reads it instead of solving the steps again.
        /// Storages the layout leaves out are constant: read back as the unit's initial ones.
        var trajectoryTape: SendableMutablePointer<Real>? = nil
        var replayTrajectory = false
    }

    private static var parameterCount: Int { HBVParameter.count }

    // Specialised copies: the model is generic and called across modules, where unspecialised
    // generic arithmetic runs ~10x slower.
    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    func run(cells range: Range<Int>, _ io: Buffers) {
        let units = cells * components
        let n = Self.parameterCount, m = HBVStorage.count   // parameters, storages
        // The trajectory keeps the layout's storages (rows `kept`, a leading block of the storages).
        let kept = newton.layout.count
        // Per-task trajectory scratch only when a gradient is wanted and no tape holds it.
        let trajectoryCount = io.runoffAdjoint == nil || io.trajectoryTape != nil ? 0 : (steps + 1) * kept
        let scratchCount = ImplicitHBVNewton<Real>.workspaceCount + ImplicitHBVNewton<Real>.adjointWorkspaceCount + 3 * n + 4 * m
        let scratch = UnsafeMutablePointer<Real>.allocate(capacity: scratchCount + trajectoryCount)
        defer { scratch.deallocate() }
        let workspace = scratch
        let adjointWorkspace = workspace + ImplicitHBVNewton<Real>.workspaceCount
        let parameterValues = adjointWorkspace + ImplicitHBVNewton<Real>.adjointWorkspaceCount
        let stepGradient = parameterValues + n
        let previous = stepGradient + n, state = previous + m, mu = state + m, recorded = mu + m
        let scratchTrajectory = scratch + scratchCount
        let replay = io.replayTrajectory && io.trajectoryTape != nil
        let share = 1 / Real(components)
        let given = io.givenParameters
        for p in 0..<n { parameterValues[p] = io.absentParameters[p] }   // the given ones are read per step

        for cell in range {
            if !replay { for t in 0..<steps { io.runoff[t * cells + cell] = 0 } }
            for k in 0..<components {
                let unit = cell * components + k
                let trajectory = io.trajectoryTape.map { $0.base + unit * (steps + 1) * kept } ?? scratchTrajectory
                let keepsTrajectory = io.trajectoryTape != nil || trajectoryCount > 0
                if !replay { // forward: Newton through the steps (a replay reads the trajectory from the tape)
                    var balance = UnitWaterBalance()
                    var failures = 0
                    for i in 0..<m { previous[i] = io.initial[i * units + unit] }
                    if keepsTrajectory { for i in 0..<kept { trajectory[i] = previous[i] } }
                    balance.initialStorage = WaterBalanceSum.of(previous)
                    for t in 0..<steps {
                        for p in given { parameterValues[p] = io.values[io.stepBase[t * n + p] + unit] }
                        let forcing = t * cells + cell
                        let precipitation = io.precipitation[forcing]
                        let (fluxes, converged) = newton.solve(
                            previous: previous, state: state, parameters: ImplicitHBVParameters(parameterValues),
                            precipitation: precipitation, temperature: io.temperature[forcing], pet: io.pet[forcing],
                            workspace: workspace)
                        if !converged { failures += 1 }
                        let q = fluxes.delivered   // after the runoff exchange
                        io.runoff[forcing] += q
                        balance.precipitation += Double(fluxes.rain + fluxes.snow)   // corrected (RFCF, SFCF)
                        balance.evapotranspiration += Double(fluxes.et)
                        balance.runoff += Double(q)
                        balance.exchange += Double(fluxes.exchange) + Double(fluxes.runoffExchange)   // groundwater and runoff exchange
                        balance.iceMelt += Double(fluxes.iceMelt)
                        for i in 0..<m { previous[i] = state[i] }
                        if keepsTrajectory { for i in 0..<kept { trajectory[(t + 1) * kept + i] = state[i] } }
                    }
                    balance.finalStorage = WaterBalanceSum.of(previous)
                    for i in 0..<m { io.finalStates[i * units + unit] = previous[i] }
                    io.balances[unit] = balance
                    io.nonConverged[unit] = failures
                }

                guard let runoffAdjoint = io.runoffAdjoint, let endAdjoint = io.finalStateAdjoint,
                      let gradient = io.parameterGradient, let initialGradient = io.initialGradient else { continue }
                for i in 0..<m { mu[i] = endAdjoint[i * units + unit] }
                // The storages past the layout's keep their start values (nothing moves them).
                for i in kept..<m { recorded[i] = io.initial[i * units + unit] }
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    for i in 0..<kept { recorded[i] = trajectory[(t + 1) * kept + i] }
                    for p in given { parameterValues[p] = io.values[io.stepBase[t * n + p] + unit] }
                    for p in 0..<n { stepGradient[p] = 0 }
                    let forcing = t * cells + cell
                    newton.adjointStep(state: recorded, parameters: ImplicitHBVParameters(parameterValues),
                                       precipitation: io.precipitation[forcing], temperature: io.temperature[forcing],
                                       pet: io.pet[forcing], rbar: runoffAdjoint[forcing] * share,
                                       mu: mu, gradient: stepGradient, workspace: adjointWorkspace)
                    for p in given { gradient[io.stepBase[t * n + p] + unit] += stepGradient[p] }
                }
                for i in 0..<m { initialGradient[i * units + unit] = mu[i] }
            }
            if components > 1, !replay { for t in 0..<steps { io.runoff[t * cells + cell] /= Real(components) } }
        }
    }
}

/// Sum of the storages of one unit, in Double.
enum WaterBalanceSum {
    static func of<Real: BinaryFloatingPoint>(_ states: UnsafePointer<Real>) -> Double {
        UnitWaterBalance.storageSum(states, unit: 0, units: 1)
    }
    static func of<Real: BinaryFloatingPoint>(_ states: UnsafeMutablePointer<Real>) -> Double {
        of(UnsafePointer(states))
    }
}
