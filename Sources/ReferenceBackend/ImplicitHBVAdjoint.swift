import HydroModel

// The implicit-function-theorem adjoint of one backward-Euler step (docs/IMPLICIT-SOLVER.md
// section 5). No differentiation through Newton: only the Jacobian at the converged state.

extension ImplicitHBVNewton {
    /// Scratch values `adjointStep` needs.
    public static var adjointWorkspaceCount: Int { 2 * HBVStorage.count * HBVStorage.count }

    /// Reverse of one step.
    ///
    /// On entry `mu[0..<storages]` holds mu_{t+1} (zero after the last step); on exit it holds
    /// mu_t = dL/dS_{t-1}. `state` is the converged S_t, `rbar` = dL/d(unit runoff of step t).
    /// Parameter gradients of this step are added to `gradient[0..<parameters]`.
    @inlinable
    public func adjointStep(state: UnsafePointer<Real>, parameters: ImplicitHBVParameters<Real>,
                            precipitation: Real, temperature: Real, pet: Real, rbar: Real,
                            mu: UnsafeMutablePointer<Real>, gradient: UnsafeMutablePointer<Real>,
                            workspace w: UnsafeMutablePointer<Real>) {
        let n = HBVStorage.count
        let J = w, JT = w + n * n
        let fluxes = ImplicitHBVFluxes(states: state, parameters: parameters, precipitation: precipitation,
                                       temperature: temperature, pet: pet, stepDays: stepDays,
                                       usesETExponent: usesETExponent, active: active)
        // a_t = mu_{t+1} + rbar dQ/dS_t; runoff of the step is Q0 + Q1 + Q2 (mm per step).
        fluxes.accumulateRunoffStateGradient(rbar, into: mu)
        // J^T mu_t = a_t with J = I - d(h f)/dS.
        fluxes.stateJacobian(into: J)
        for i in 0..<n {
            for j in 0..<n { JT[j * n + i] = (i == j ? 1 : 0) - J[i * n + j] }
        }
        // Storages past the solved block are constant in the step: their mu_t is a_t.
        let solved = implicitHBVSolve(JT, mu, layout: layout)
        // A converged step has a non-singular J (docs section 4); NaN shows the failure if not.
        if !solved { for i in 0..<n { mu[i] = .nan } }
        fluxes.accumulateParameterGradient(mu: mu, rbar: rbar, into: gradient)
    }
}
