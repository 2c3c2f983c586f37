import RealModule

// The implicit solver's view of one unit at one state: every process's smooth fluxes and their
// partial derivatives (docs/IMPLICIT-SOLVER.md, sections 2, 3 and 5). The physics is written
// once per process, in Processes/<Process>Process.swift (`ImplicitProcess`, beside the
// process's sequential step and reverse); this file holds the record the operators fill and
// the solver-facing sums, which compose the operators in model/hbv.table's process order
// (`ImplicitHBVFluxes.evaluateProcesses` etc., generated from the table).
// kernels/hbv_implicit_fluxes.h is the same composition in OpenCL C.

/// The fixed constants of the implicit HBV ODE (docs/IMPLICIT-SOLVER.md section 2).
public enum ImplicitHBVConstants {
    /// Width (mm) of the smooth ramp used for "amount above a threshold".
    public static let rampWidth = 0.1
    /// Width (mm) of the smooth limiter of a flux by the store it leaves.
    public static let limiterWidth = 0.1
    /// Rate (per day) at which water above a holding capacity (CWH*SNOWPACK, FC) drains.
    public static let drainageRate = 4.0
}

/// Smooth piecewise-quadratic building blocks with bounded first derivatives.
@usableFromInline
enum ImplicitHBVSmooth {
    /// ramp(x) = max(x, 0) rounded over [0, w]; returns (value, derivative).
    @inlinable @inline(__always)
    static func ramp<Real: Real_>(_ x: Real, width w: Real) -> (Real, Real) {
        if x <= 0 { return (0, 0) }
        if x < w { return (x * x / (2 * w), x / w) }
        return (x - w / 2, 1)
    }

    /// lim(s) = min(s / w, 1) rounded over [0, w], linear below 0 (Newton iterates only).
    @inlinable @inline(__always)
    static func limiter<Real: Real_>(_ s: Real, width w: Real) -> (Real, Real) {
        if s < 0 { return (2 * s / w, 2 / w) }
        if s < w {
            let r = s / w
            return (r * (2 - r), 2 * (1 - r) / w)
        }
        return (1, 0)
    }
}

/// The parameters of one unit and step, physical values with the rates per day already
/// multiplied by the step length (`PackedParameters`), i.e. per step: the generated
/// `HBVStepParameters` (model/hbv.table), read from `values` in `HBVParameter` order.
public typealias ImplicitHBVParameters<Real: Real_> = HBVStepParameters<Real>

/// Every flux of one unit at one state, in mm per step (the per-day ODE rate times h), with the
/// partial derivatives that Newton and the adjoint need. Built once per evaluation by the
/// process operators (`ImplicitProcess`), each filling its own fields; `rates`,
/// `stateJacobian` and `accumulateParameterGradient` sum the operators' contributions.
public struct ImplicitHBVFluxes<Real: Real_> {
    // What every operator reads: the storages, the parameters, forcing (mm per step).
    public var state: HBVState<Real>
    public var par: ImplicitHBVParameters<Real>
    public var precipitation: Real, temperature: Real, pet: Real
    /// The drainage rate kappa times h.
    public var kappaStep: Real
    public var usesETExponent: Bool
    /// The processes the run applies: one that is off is not evaluated (its fields keep their
    /// zeros) or, with a null operator, replaced by it (`SnowProcess.evaluateAbsent`).
    public var active: ActiveProcesses
    // Snow: the rain/snow split, melt, refreeze and the release to the soil.
    public var rain: Real = 0, snow: Real = 0
    public var melt: Real = 0, refr: Real = 0, tosoil: Real = 0
    public var posMelt: Real = 0, posCold: Real = 0, limSP: Real = 0, limMW: Real = 0
    public var dMeltdSP: Real = 0, dRefrdMW: Real = 0
    public var waterSlope: Real = 0            // ramp'(MW - CWH*SP)
    public var dTosoildMW: Real = 0, dTosoildSP: Real = 0
    // Recharge: s = sat(SM/FC), 0 < SM < FC; wet = s^BETA; excess above FC.
    public var recharge: Real = 0, excess: Real = 0
    public var s: Real = 0, soilInside = false
    public var wet: Real = 0, dWetdSM: Real = 0, inflow: Real = 0
    public var excessSlope: Real = 0, dExcessdSM: Real = 0
    // Evapotranspiration: x = sat(SM/(LP FC)), ef = x^etExponent.
    public var et: Real = 0, etExponent: Real = 1, limSM: Real = 0
    public var x: Real = 0, etInside = false, ef: Real = 0, dETdSM: Real = 0
    // Capillary rise.
    public var cap: Real = 0, dCapdSM: Real = 0, dCapdSLZ: Real = 0
    // Upper and lower zones.
    public var percolation: Real = 0, q0: Real = 0, q1: Real = 0, q2: Real = 0
    public var limSUZ: Real = 0, dPercdSUZ: Real = 0
    public var q0Ramp: Real = 0, q0Slope: Real = 0, dQ0dSUZ: Real = 0
    // Groundwater exchange into the lower zone (GroundwaterExchangeProcess): the flux, its
    // store-dependent factor and its derivative by the lower zone.
    public var exchange: Real = 0, exchangePower: Real = 0, dExchangedSLZ: Real = 0
    // Glacier ice melt from the ice store into the upper zone (GlacierProcess): (T - TTG)+, the
    // smooth bare-ice and ice-left factors' product, the melt and its state derivatives.
    public var iceWarm: Real = 0, iceBase: Real = 0, iceMelt: Real = 0, dIceMeltdSP: Real = 0, dIceMeltdICE: Real = 0
    /// The snow's degree-day factor (per step), which the glacier's ice melt scales (0 without snow).
    public var degreeDay: Real = 0
    /// Runoff (mm per step): the sum of the runoff fluxes the operators add.
    public var runoffRate: Real = 0
    /// Runoff the unit delivers (mm per step), the solver's output: `runoffRate` times the runoff
    /// exchange factor (`RunoffExchangeProcess`), or `runoffRate` when that process is off; its
    /// derivative by `runoffRate`; and the water the exchange adds, `delivered - runoffRate`.
    public var delivered: Real = 0, deliveredSlope: Real = 0, runoffExchange: Real = 0

    /// Evaluates every flux at the storages `states[0..<HBVStorage.count]` (mm) with forcing
    /// `precipitation`, `pet` (mm per step) and `temperature`, for a step of `stepDays` days
    /// (which scales the fixed drainage rate; the parameter rates come scaled), applying the
    /// `active` processes (`ActiveProcesses(given:)` of the problem).
    @inlinable @inline(__always)
    public init(states S: UnsafePointer<Real>, parameters p: ImplicitHBVParameters<Real>,
                precipitation: Real, temperature T: Real, pet petStep: Real,
                stepDays h: Real, usesETExponent: Bool, active: ActiveProcesses = .all) {
        state = HBVState(S, unit: 0, units: 1)
        par = p
        self.precipitation = precipitation
        temperature = T
        pet = petStep
        kappaStep = Real(ImplicitHBVConstants.drainageRate) * h
        self.usesETExponent = usesETExponent
        self.active = active
        evaluateProcesses()
    }

    /// h * dS/dt (mm per step) into `f[0..<HBVStorage.count]`.
    @inlinable @inline(__always)
    public func rates(into f: UnsafeMutablePointer<Real>) {
        var rates = HBVState<Real>.zero
        addProcessRates(into: &rates)
        rates.store(f, unit: 0, units: 1)
    }

    /// d(h f)/dS, row-major into `m[0..<HBVStorage.count²]` (`ImplicitJacobian.at`).
    @inlinable @inline(__always)
    public func stateJacobian(into m: UnsafeMutablePointer<Real>) {
        for k in 0..<(HBVStorage.count * HBVStorage.count) { m[k] = 0 }
        addProcessStateJacobian(into: m)
    }

    /// Adds `rbar * d(delivered)/dS` to `a[0..<HBVStorage.count]` (the output's state adjoint):
    /// the runoff fluxes' weight is rbar times d(delivered)/d(runoff).
    @inlinable
    public func accumulateRunoffStateGradient(_ rbar: Real, into a: UnsafeMutablePointer<Real>) {
        var adjoint = HBVState<Real>(a, unit: 0, units: 1)
        addProcessRunoffStateGradient(rbar * deliveredSlope, into: &adjoint)
        adjoint.store(a, unit: 0, units: 1)
    }

    /// Adds `mu^T d(h f)/dtheta + rbar d(delivered)/dtheta` to `g[0..<HBVParameter.count]`
    /// (`HBVParameter` order; derivatives with respect to the step-scaled rates). The runoff
    /// exchange reads `rbar` itself (`ImplicitFluxAdjoint.delivered`); the processes producing
    /// runoff read it times d(delivered)/d(runoff).
    @inlinable
    public func accumulateParameterGradient(mu: UnsafePointer<Real>, rbar: Real,
                                            into g: UnsafeMutablePointer<Real>) {
        var gradient = HBVStepParameters<Real>.zero
        var fluxAdjoint = ImplicitFluxAdjoint<Real>()
        fluxAdjoint.delivered = rbar
        addProcessParameterGradients(mu: HBVState(mu, unit: 0, units: 1), rbar: rbar * deliveredSlope,
                                     fluxAdjoint: &fluxAdjoint, into: &gradient)
        gradient.add(into: g)
    }
}

/// Position of d f_row / d S_column in a row-major storage Jacobian.
public enum ImplicitJacobian {
    @inlinable @inline(__always)
    public static func at(_ row: HBVStorage, _ column: HBVStorage) -> Int {
        row.rawValue * HBVStorage.count + column.rawValue
    }
}

/// mu^T d(h f)/d(flux) of the fluxes one process hands another: a process that consumes a flux
/// adds its weight here (in the reverse process order) and the producing process reads it.
public struct ImplicitFluxAdjoint<Real: Real_> {
    /// Weight of the snow's release to the soil beyond mu[soil] - mu[meltwater] (recharge
    /// diverts a share of it to the upper zone).
    public var tosoil: Real = 0
    /// Weight of the snow's degree-day factor in the glacier's ice melt (the snow adds it to its factor's gradient).
    public var degreeDay: Real = 0
    /// dL/d(delivered runoff) of the step, for the runoff exchange's factor.
    public var delivered: Real = 0

    @inlinable public init() {}
}
