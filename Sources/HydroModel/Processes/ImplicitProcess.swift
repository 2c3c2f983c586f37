import RealModule

/// A process of the implicit (backward-Euler) solver: its smooth fluxes and their partial
/// derivatives, written beside the process's sequential step (`SequentialProcess`) in the same
/// file. `evaluate` fills the process's fields of the shared record `o` (later processes read
/// the fluxes earlier ones produced: recharge reads the snow's release to the soil); the other
/// members add the process's contributions to the sums the solver needs:
/// - `addRates`: h dS/dt (mm per step) per storage;
/// - `addStateJacobian`: its entries of d(h f)/dS (`ImplicitJacobian.at`);
/// - `addRunoffStateGradient`: rbar d(runoff)/dS for the runoff fluxes it produces;
/// - `addParameterGradient`: mu^T d(h f)/dtheta + rbar d(runoff)/dtheta into `g`, called in the
///   reverse process order so that a consumer of a flux has added its weight to `gf` before the
///   producer reads it.
/// Rates in `o.par` are per step (`PackedParameters`, the kernels' parameter load).
///
/// The solver composes the operators in model/hbv.table's process order
/// (`ImplicitHBVFluxes.evaluateProcesses` etc., generated from the table).
public protocol ImplicitProcess {
    static func evaluate<Real: Real_>(_ o: inout ImplicitHBVFluxes<Real>)
    static func addRates<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ f: inout HBVState<Real>)
    static func addStateJacobian<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ m: UnsafeMutablePointer<Real>)
    static func addRunoffStateGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ rbar: Real, _ a: inout HBVState<Real>)
    static func addParameterGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, mu: HBVState<Real>, rbar: Real,
                                                  _ gf: inout ImplicitFluxAdjoint<Real>, _ g: inout HBVStepParameters<Real>)
}

extension ImplicitProcess {
    /// Most processes produce no runoff.
    @inlinable @inline(__always)
    public static func addRunoffStateGradient<Real: Real_>(_ o: ImplicitHBVFluxes<Real>, _ rbar: Real, _ a: inout HBVState<Real>) {}

    @inlinable @inline(__always)
    static func ramp<Real: Real_>(_ x: Real) -> (Real, Real) {
        ImplicitHBVSmooth.ramp(x, width: Real(ImplicitHBVConstants.rampWidth))
    }

    @inlinable @inline(__always)
    static func limiter<Real: Real_>(_ s: Real) -> (Real, Real) {
        ImplicitHBVSmooth.limiter(s, width: Real(ImplicitHBVConstants.limiterWidth))
    }
}
