import RealModule
import HydroModel

// The implicit HBV fluxes and their partial derivatives, written once (docs/IMPLICIT-SOLVER.md,
// sections 2, 3 and 5). kernels/hbv_implicit_fluxes.h is the same code in OpenCL C: change both.

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
/// partial derivatives that Newton and the adjoint need. Built once per evaluation; `rates`, `stateJacobian` and
/// `accumulateParameterGradient` read it.
public struct ImplicitHBVFluxes<Real: Real_> {
    // Forcing (mm per step) and the parameters it was built with.
    public var rain: Real, snow: Real, pet: Real
    public var par: ImplicitHBVParameters<Real>
    public var betaET: Real
    /// The drainage rate kappa times h.
    public var kappaStep: Real
    public var usesETExponent: Bool
    // States.
    public var sp: Real, mw: Real, sm: Real, suz: Real, slz: Real
    // Fluxes.
    public var melt: Real, refr: Real, tosoil: Real, recharge: Real, excess: Real
    public var et: Real, cap: Real, perc: Real, q0: Real, q1: Real, q2: Real
    // Intermediates and state partials.
    public var posMelt: Real, posCold: Real
    public var limSP: Real, limMW: Real, limSM: Real, limSUZ: Real
    public var dMeltdSP: Real, dRefrdMW: Real
    public var waterSlope: Real            // ramp'(MW - CWH*SP)
    public var dTosoildMW: Real, dTosoildSP: Real
    public var s: Real, soilInside: Bool   // s = sat(SM/FC), 0 < SM < FC
    public var wet: Real, dWetdSM: Real, inflow: Real
    public var excessSlope: Real, dExcessdSM: Real
    public var x: Real, etInside: Bool, ef: Real, dETdSM: Real
    public var dCapdSM: Real, dCapdSLZ: Real
    public var dPercdSUZ: Real
    public var q0Ramp: Real, q0Slope: Real, dQ0dSUZ: Real

    /// Evaluates every flux at the storages `states[0..<5]` (mm) with forcing `precipitation`,
    /// `pet` (mm per step) and `temperature`, for a step of `stepDays` days (which scales the
    /// fixed drainage rate; the parameter rates come scaled).
    @inlinable
    public init(states S: UnsafePointer<Real>, parameters p: ImplicitHBVParameters<Real>,
                precipitation: Real, temperature T: Real, pet petStep: Real,
                stepDays h: Real, usesETExponent: Bool) {
        let kappa = Real(ImplicitHBVConstants.drainageRate) * h
        let wr = Real(ImplicitHBVConstants.rampWidth)
        let wl = Real(ImplicitHBVConstants.limiterWidth)
        par = p
        kappaStep = kappa
        self.usesETExponent = usesETExponent
        betaET = usesETExponent ? p.betaet : 1
        sp = S[0]; mw = S[1]; sm = S[2]; suz = S[3]; slz = S[4]
        rain = T >= p.tt ? precipitation : 0
        snow = precipitation - rain
        pet = petStep

        // Snow: melt limited by the pack, refreeze by the liquid water, release above CWH*SP.
        posMelt = max(T - p.tt, 0)
        posCold = max(p.tt - T, 0)
        let lsp = ImplicitHBVSmooth.limiter(sp, width: wl)
        let lmw = ImplicitHBVSmooth.limiter(mw, width: wl)
        limSP = lsp.0; limMW = lmw.0
        melt = p.cfmax * posMelt * limSP
        dMeltdSP = p.cfmax * posMelt * lsp.1
        refr = p.cfr * p.cfmax * posCold * limMW
        dRefrdMW = p.cfr * p.cfmax * posCold * lmw.1
        let water = ImplicitHBVSmooth.ramp(mw - p.cwh * sp, width: wr)
        waterSlope = water.1
        tosoil = kappa * water.0
        dTosoildMW = kappa * waterSlope
        dTosoildSP = -kappa * waterSlope * p.cwh

        // Soil: recharge fraction sat(SM/FC)^BETA, excess above FC.
        soilInside = sm > 0 && sm < p.fc
        s = sm <= 0 ? 0 : (sm >= p.fc ? 1 : sm / p.fc)
        if s <= 0 {
            // Only Newton iterates reach SM <= 0; the clamp makes the slope 0 there.
            wet = 0
            dWetdSM = 0
        } else if soilInside {
            wet = Real.pow(s, p.beta)
            dWetdSM = p.beta * wet / sm
        } else {
            wet = 1
            dWetdSM = 0
        }
        inflow = rain + tosoil
        recharge = inflow * wet
        let ex = ImplicitHBVSmooth.ramp(sm - p.fc, width: wr)
        excessSlope = ex.1
        excess = kappa * ex.0
        dExcessdSM = kappa * excessSlope

        // ET: PET * sat(SM/(LP FC))^BETAET * lim(SM).
        let lsm = ImplicitHBVSmooth.limiter(sm, width: wl)
        limSM = lsm.0
        let lpfc = p.lp * p.fc
        etInside = sm > 0 && sm < lpfc
        x = sm <= 0 ? 0 : (sm >= lpfc ? 1 : sm / lpfc)
        if x <= 0 {
            ef = 0
            et = 0
            dETdSM = 0
        } else if etInside {
            ef = Real.pow(x, betaET)
            et = pet * ef * limSM
            // d/dSM of x^b is b x^b / SM: bounded once multiplied by lim(SM).
            dETdSM = pet * (limSM * betaET * ef / sm + ef * lsm.1)
        } else {
            ef = 1
            et = pet * limSM
            dETdSM = pet * lsm.1
        }

        // Capillary rise from SLZ into the soil.
        cap = p.c * slz * (1 - s)
        dCapdSM = soilInside ? -p.c * slz / p.fc : 0
        dCapdSLZ = p.c * (1 - s)

        // Upper and lower zones.
        let lsuz = ImplicitHBVSmooth.limiter(suz, width: wl)
        limSUZ = lsuz.0
        perc = p.perc * limSUZ
        dPercdSUZ = p.perc * lsuz.1
        let r0 = ImplicitHBVSmooth.ramp(suz - p.uzl, width: wr)
        q0Ramp = r0.0; q0Slope = r0.1
        q0 = p.k0 * q0Ramp
        dQ0dSUZ = p.k0 * q0Slope
        q1 = p.k1 * suz
        q2 = p.k2 * slz
    }

    /// Runoff Q0 + Q1 + Q2 (mm per step).
    @inlinable public var runoffRate: Real { q0 + q1 + q2 }

    /// h * dS/dt (mm per step) into `f[0..<5]`.
    @inlinable
    public func rates(into f: UnsafeMutablePointer<Real>) {
        f[0] = snow + refr - melt
        f[1] = melt - refr - tosoil
        f[2] = rain + tosoil - recharge - excess - et + cap
        f[3] = recharge + excess - perc - q0 - q1
        f[4] = perc - cap - q2
    }

    /// d(h f)/dS, row-major 5x5 into `m[0..<25]` (m[i*5 + j] = d f_i / d S_j).
    @inlinable
    public func stateJacobian(into m: UnsafeMutablePointer<Real>) {
        let dRechdSP = dTosoildSP * wet, dRechdMW = dTosoildMW * wet, dRechdSM = inflow * dWetdSM
        m[0] = -dMeltdSP; m[1] = dRefrdMW; m[2] = 0; m[3] = 0; m[4] = 0
        m[5] = dMeltdSP - dTosoildSP; m[6] = -dRefrdMW - dTosoildMW; m[7] = 0; m[8] = 0; m[9] = 0
        m[10] = dTosoildSP - dRechdSP; m[11] = dTosoildMW - dRechdMW
        m[12] = -dRechdSM - dExcessdSM - dETdSM + dCapdSM; m[13] = 0; m[14] = dCapdSLZ
        m[15] = dRechdSP; m[16] = dRechdMW; m[17] = dRechdSM + dExcessdSM
        m[18] = -dPercdSUZ - dQ0dSUZ - par.k1; m[19] = 0
        m[20] = 0; m[21] = 0; m[22] = -dCapdSM; m[23] = dPercdSUZ; m[24] = -dCapdSLZ - par.k2
    }

    /// Adds `rbar * d(Q0+Q1+Q2)/dS` to `a[0..<5]` (the runoff output's state adjoint).
    @inlinable
    public func accumulateRunoffStateGradient(_ rbar: Real, into a: UnsafeMutablePointer<Real>) {
        a[3] += rbar * (dQ0dSUZ + par.k1)
        a[4] += rbar * par.k2
    }

    /// Adds `mu^T d(h f)/dtheta + rbar d(Q0+Q1+Q2)/dtheta` to `g[0..<14]` (`HBVParameter`
    /// order; derivatives with respect to the step-scaled rates).
    @inlinable
    public func accumulateParameterGradient(mu: UnsafePointer<Real>, rbar: Real,
                                            into g: UnsafeMutablePointer<Real>) {
        let kappa = kappaStep
        // Weight of each flux: mu[to] - mu[from]; runoff fluxes also carry rbar.
        let gMelt = mu[1] - mu[0]
        let gRefr = -gMelt
        let gRech = mu[3] - mu[2]
        let gTos = mu[2] - mu[1] + gRech * wet
        let gEx = gRech
        let gET = -mu[2]
        let gCap = mu[2] - mu[4]
        let gPerc = mu[4] - mu[3]
        let gQ0 = rbar - mu[3]
        let gQ2 = rbar - mu[4]
        let p = par
        var dFC: Real = 0, dBeta: Real = 0, dLP: Real = 0, dBetaET: Real = 0

        g[HBVParameter.cfmax.rawValue] += gMelt * posMelt * limSP + gRefr * p.cfr * posCold * limMW
        g[HBVParameter.cfr.rawValue] += gRefr * p.cfmax * posCold * limMW
        var dTT: Real = 0
        if posMelt > 0 { dTT -= gMelt * p.cfmax * limSP }
        if posCold > 0 { dTT += gRefr * p.cfr * p.cfmax * limMW }
        g[HBVParameter.tt.rawValue] += dTT
        g[HBVParameter.cwh.rawValue] += gTos * (-kappa * waterSlope * sp)

        if soilInside {
            // wet = (SM/FC)^BETA: d/dBETA = wet ln s, d/dFC = -dWet/dSM * SM/FC.
            dBeta += gRech * inflow * wet * Real.log(s)
            dFC -= gRech * inflow * dWetdSM * s
            dFC += gCap * p.c * slz * s / p.fc
        }
        dFC -= gEx * kappa * excessSlope
        if etInside {
            // ef = (SM/(LP FC))^b: d/dLP = -b ef / LP, d/dFC = -b ef / FC, d/db = ef ln x.
            let common = gET * pet * limSM * betaET * ef
            dLP -= common / p.lp
            dFC -= common / p.fc
            if usesETExponent { dBetaET += gET * pet * limSM * ef * Real.log(x) }
        }
        g[HBVParameter.fc.rawValue] += dFC
        g[HBVParameter.beta.rawValue] += dBeta
        g[HBVParameter.lp.rawValue] += dLP
        g[HBVParameter.betaet.rawValue] += dBetaET
        g[HBVParameter.c.rawValue] += gCap * slz * (1 - s)
        g[HBVParameter.perc.rawValue] += gPerc * limSUZ
        g[HBVParameter.k0.rawValue] += gQ0 * q0Ramp
        g[HBVParameter.uzl.rawValue] -= gQ0 * p.k0 * q0Slope
        g[HBVParameter.k1.rawValue] += gQ0 * suz
        g[HBVParameter.k2.rawValue] += gQ2 * slz
    }
}
