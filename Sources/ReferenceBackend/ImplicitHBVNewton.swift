import HydroModel

// One backward-Euler step of the implicit HBV model, solved by Newton with a line search
// (docs/IMPLICIT-SOLVER.md section 4). kernels/hbv_implicit_fluxes.h mirrors this.

/// Solves `J x = b` for the leading `n` x `n` block of a square row-major `m` of side
/// `HBVStorage.count` (the storages the step solves for, the implicit `StateLayout`'s; the
/// trailing ones are decoupled and constant) by Gaussian elimination with partial pivoting.
/// `m` is overwritten; `b[0..<n]` becomes `x`. Returns false when a pivot is zero or not finite.
@inlinable @inline(__always)
func implicitHBVSolve<Real: Real_>(_ m: UnsafeMutablePointer<Real>, _ b: UnsafeMutablePointer<Real>, storages n: Int) -> Bool {
    let s = HBVStorage.count   // row stride
    for k in 0..<n {
        var pivot = k
        var largest = abs(m[k * s + k])
        for i in (k + 1)..<n where abs(m[i * s + k]) > largest {
            largest = abs(m[i * s + k]); pivot = i
        }
        guard largest > 0, largest.isFinite else { return false }
        if pivot != k {
            for j in 0..<n { let tmp = m[k * s + j]; m[k * s + j] = m[pivot * s + j]; m[pivot * s + j] = tmp }
            let tmp = b[k]; b[k] = b[pivot]; b[pivot] = tmp
        }
        let inverse = 1 / m[k * s + k]
        for i in (k + 1)..<n {
            let factor = m[i * s + k] * inverse
            if factor == 0 { continue }
            for j in (k + 1)..<n { m[i * s + j] -= factor * m[k * s + j] }
            b[i] -= factor * b[k]
        }
    }
    for k in stride(from: n - 1, through: 0, by: -1) {
        var sum = b[k]
        for j in (k + 1)..<n { sum -= m[k * s + j] * b[j] }
        b[k] = sum / m[k * s + k]
    }
    for k in 0..<n where !b[k].isFinite { return false }
    return true
}

/// `implicitHBVSolve` for the storages of the implicit state layout (`StateLayout`, a leading
/// block: it leaves out only the ice store, the table's last storage, when nothing moves it),
/// with the block size a constant in each branch: the compiler unrolls the elimination for it,
/// as it did for the 5 x 5 system before the glacier's ice store (a run-time size cost the
/// implicit reference 9 % more instructions). Same arithmetic.
@inlinable
func implicitHBVSolve<Real: Real_>(_ m: UnsafeMutablePointer<Real>, _ b: UnsafeMutablePointer<Real>, layout: StateLayout) -> Bool {
    switch layout.count {
    case HBVStorage.ice.rawValue: implicitHBVSolve(m, b, storages: HBVStorage.ice.rawValue)
    case HBVStorage.count: implicitHBVSolve(m, b, storages: HBVStorage.count)
    case let n: implicitHBVSolve(m, b, storages: n)
    }
}

/// Newton settings and the step solver for one unit.
public struct ImplicitHBVNewton<Real: Real_>: Sendable {
    /// Convergence when |F|_inf <= tolerance (mm).
    public var tolerance: Real
    /// Newton steps before a unit-step is declared non-converged.
    public var maxIterations: Int
    /// Step length in days (scales the fixed drainage rate; parameter rates come scaled).
    public var stepDays: Real
    public var usesETExponent: Bool
    /// The processes applied (`ActiveProcesses(given:)` of the problem).
    public var active: ActiveProcesses { didSet { layout = Self.layout(active) } }
    /// The storages Newton and the adjoint solve for: the implicit state layout of `active`.
    public private(set) var layout: StateLayout

    @usableFromInline
    static func layout(_ active: ActiveProcesses) -> StateLayout {
        let layout = StateLayout(active, solver: .implicit)
        precondition(layout.isLeadingBlock, "the implicit state layout \(layout) is not a leading block of the storages")
        return layout
    }
    /// Full Newton steps taken after the tolerance is met, each kept only if it does not raise
    /// |F|: one makes the root accurate far below the tolerance (gradients of nearly empty
    /// stores in Float need it), at the cost of one iteration per step.
    public var polishingSteps: Int

    /// Halvings tried by the backtracking line search before the damped fallback.
    public static var lineSearchHalvings: Int { 10 }
    /// Scratch values `solve` needs.
    public static var workspaceCount: Int { HBVStorage.count * (HBVStorage.count + 4) }

    public init(tolerance: Real, maxIterations: Int, stepDays: Real, usesETExponent: Bool, active: ActiveProcesses = .all,
                polishingSteps: Int = 0) {
        self.active = active
        self.layout = Self.layout(active)
        self.polishingSteps = polishingSteps
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.stepDays = stepDays
        self.usesETExponent = usesETExponent
    }

    /// F(S) = (S - S_prev) - h f(S) into `residual`; returns |F|_inf and the fluxes at S.
    ///
    /// The unknown is S itself and the flux sees S, not S_prev + D: a store that nearly empties
    /// in one step (23 mm of snow to 0.03 mm) keeps its small value to full precision, which the
    /// steep limiters need in Float. S - S_prev is exact while S is within a factor 2 of S_prev
    /// (Sterbenz), so large stores cost no accuracy either (docs/IMPLICIT-SOLVER.md 4).
    @inlinable @inline(__always)
    func residual(previous: UnsafePointer<Real>, state S: UnsafePointer<Real>, residual F: UnsafeMutablePointer<Real>,
                  parameters: ImplicitHBVParameters<Real>, precipitation: Real, temperature: Real, pet: Real)
        -> (Real, ImplicitHBVFluxes<Real>)
    {
        let fluxes = ImplicitHBVFluxes(states: S, parameters: parameters, precipitation: precipitation,
                                       temperature: temperature, pet: pet, stepDays: stepDays,
                                       usesETExponent: usesETExponent, active: active)
        fluxes.rates(into: F)
        var norm: Real = 0
        for i in 0..<HBVStorage.count {
            F[i] = (S[i] - previous[i]) - F[i]
            // NaN compares false: make it infinite so it never counts as converged.
            norm = F[i].isNaN ? .infinity : max(norm, abs(F[i]))
        }
        return (norm, fluxes)
    }

    /// Solves one step: `state[0..<storages]` gets S_t from `previous[0..<storages]` = S_{t-1}.
    /// Returns the fluxes at S_t and whether |F|_inf reached the tolerance within the cap.
    @inlinable
    public func solve(previous: UnsafePointer<Real>, state: UnsafeMutablePointer<Real>,
                      parameters: ImplicitHBVParameters<Real>, precipitation: Real, temperature: Real, pet: Real,
                      workspace w: UnsafeMutablePointer<Real>) -> (fluxes: ImplicitHBVFluxes<Real>, converged: Bool) {
        let n = HBVStorage.count
        let F = w, J = F + n, dx = J + n * n, trialS = dx + n, trialF = trialS + n
        for i in 0..<n { state[i] = previous[i] }
        var (norm, fluxes) = residual(previous: previous, state: state, residual: F,
                                      parameters: parameters, precipitation: precipitation, temperature: temperature, pet: pet)
        var iteration = 0
        var polishing = polishingSteps
        while iteration < maxIterations {
            if norm <= tolerance {
                // Converged; optionally refine (quadratic convergence makes one step nearly exact).
                if polishing == 0 || norm == 0 { break }
                polishing -= 1
            }
            let polish = norm <= tolerance
            iteration += 1
            // J = I - d(h f)/dS; Newton direction dx = -J^{-1} F.
            fluxes.stateJacobian(into: J)
            for k in 0..<(n * n) { J[k] = -J[k] }
            for i in 0..<n { J[i * n + i] += 1; dx[i] = -F[i] }
            // Storages past the solved block (the state layout's) are constant this step (rate 0, no flux reads them): dx = 0.
            if !implicitHBVSolve(J, dx, layout: layout) {
                for i in 0..<n { dx[i] = -F[i] }   // singular: fixed-point direction
            }
            var lambda: Real = 1
            var accepted = false
            for halving in 0...Self.lineSearchHalvings {
                for i in 0..<n { trialS[i] = state[i] + lambda * dx[i] }
                let (trialNorm, trialFluxes) = residual(previous: previous, state: trialS, residual: trialF,
                                                        parameters: parameters, precipitation: precipitation,
                                                        temperature: temperature, pet: pet)
                let reduces = polish ? trialNorm <= norm : trialNorm <= (1 - Real(1e-4) * lambda) * norm
                if reduces || (halving == Self.lineSearchHalvings && !polish) {
                    // Accepted, or the damped fallback: the smallest step is taken anyway.
                    for i in 0..<n { state[i] = trialS[i]; F[i] = trialF[i] }
                    norm = trialNorm
                    fluxes = trialFluxes
                    accepted = true
                    break
                }
                if polish { break }   // a polishing step that does not help is not taken
                lambda /= 2
            }
            if polish && !accepted { break }
        }
        return (fluxes, norm <= tolerance)
    }
}
