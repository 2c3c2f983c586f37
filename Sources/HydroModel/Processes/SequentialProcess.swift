import RealModule

/// The forcing and options one sequential step hands every process operator.
public struct SequentialStepInputs<Real: Real_> {
    public var precipitation: Real
    public var temperature: Real
    public var pet: Real
    /// Lower bound on soil moisture after ET (δHBV's nearzero).
    public var nearZero: Real
    /// Whether the ET factor has its exponent (`EvapotranspirationProcess`; false: δHBV 1.0).
    public var usesETExponent: Bool
    /// Where the step's power laws come from (see `StepPowers`).
    public var powers: StepPowers<Real>
    /// Whether the ice store limits the ice melt (`ActiveProcesses.limitsIceMelt`).
    public var limitsIceMelt: Bool

    @inlinable
    public init(precipitation: Real, temperature: Real, pet: Real, nearZero: Real, usesETExponent: Bool, powers: StepPowers<Real>,
                limitsIceMelt: Bool = false) {
        self.precipitation = precipitation
        self.temperature = temperature
        self.pet = pet
        self.nearZero = nearZero
        self.usesETExponent = usesETExponent
        self.powers = powers
        self.limitsIceMelt = limitsIceMelt
    }
}

/// A process of the sequential (operator-split) solver: its step and the exact reverse of that
/// step, written side by side. The step moves water between the storages `s` and records the
/// fluxes it produced in `f` (later processes read them: recharge reads the snow's melt
/// outflow) and what its reverse needs in `r`. The reverse runs in the opposite process order:
/// `g` holds dL/d(storages after the process) on entry and dL/d(storages before it) on exit;
/// `gf` holds dL/d(fluxes) (the runoff adjoint on Q0, Q1, Q2 to start with; a process adds
/// the adjoints of the fluxes it consumed, which the producing process then reads); parameter
/// adjoints are added to `gp`. Rates in `p` are per step (`PackedParameters`).
///
/// The solvers apply the operators in model/hbv.table's process order
/// (`SequentialHBV.forwardProcesses` / `reverseProcesses`, generated from the table).
public protocol SequentialProcess {
    static func forward<Real: Real_>(_ s: inout HBVState<Real>, _ f: inout HBVStepFluxes<Real>,
                                     _ r: inout SequentialHBVStepRecord<Real>,
                                     _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>)
    static func reverse<Real: Real_>(_ g: inout HBVState<Real>, _ gf: inout HBVStepFluxes<Real>,
                                     _ gp: inout HBVStepParameters<Real>,
                                     _ r: SequentialHBVStepRecord<Real>,
                                     _ p: HBVStepParameters<Real>, _ x: SequentialStepInputs<Real>)
}

extension SequentialProcess {
    /// d min(a, b)/da with torch's tie rule (d/db is 1 minus this).
    @inlinable @inline(__always)
    static func share<Real: BinaryFloatingPoint>(_ a: Real, _ b: Real) -> Real {
        a < b ? 1 : (a > b ? 0 : 0.5)
    }
}
