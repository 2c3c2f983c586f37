import Testing
import HydroGPU

/// The analytic partial derivatives of the implicit fluxes against central differences of the
/// fluxes themselves, state by state, in every regime (stores inside the limiter and ramp
/// bands, SM above FC, SUZ above UZL, melting and freezing).
@Suite("ImplicitHBV flux partials")
struct ImplicitHBVFluxTests {
    typealias Fluxes = ImplicitHBVFluxes<Double>

    static func fluxes(_ s: [Double], _ p: [Double], precipitation: Double, temperature: Double, pet: Double,
                       usesETExponent: Bool = true, limitsIceMelt: Bool = false) -> Fluxes {
        p.withUnsafeBufferPointer { v in
            Fluxes(states: s, parameters: ImplicitHBVParameters(v.baseAddress!), precipitation: precipitation,
                   temperature: temperature, pet: pet, stepDays: 0.7, usesETExponent: usesETExponent,
                   active: ActiveProcesses(HBVProcess.allCases, limitsIceMelt: limitsIceMelt))
        }
    }

    static func rates(_ f: Fluxes) -> [Double] {
        var r = [Double](repeating: 0, count: HBVStorage.count)
        r.withUnsafeMutableBufferPointer { f.rates(into: $0.baseAddress!) }
        return r
    }

    /// (states, temperature) points covering the regimes; parameters per step, in the table's
    /// order: BETA ... C, then the exchange GX (a loss), GXREF above every point's SLZ, GXPOW,
    /// then the precipitation corrections RFCF and SFCF (away from 1), the glacier GFRAC, CFICE, TTG,
    /// the elevation correction's TLAPSE and PGRAD at 0, as the solvers always see them, and the
    /// runoff exchange factor EXCHANGE (gaining).
    static let parameters: [Double] = {
        let p: [Double] = [2.3, 250, 0.3, 0.12, 0.04, 0.55, 2.5, 12, 0.5, 4.5, 0.06, 0.15, 0.7, 0.3, -0.2, 60, 1.5, 1.2, 1.4, 0.35, 1.6, 0.4, 0, 0, 1.3]
        precondition(p.count == HBVParameter.count, "model/hbv.table changed: give every parameter a value here")
        return p
    }()
    static let points: [([Double], Double)] = [
        ([40, 3, 120, 25, 30, 500], 4),           // melting, SUZ above UZL, MW above CWH*SP
        ([40, 3, 120, 25, 30, 500], -6),          // freezing
        ([0.04, 0.07, 0.06, 0.03, 0.02, 0.05], 3), // every store inside its limiter band
        ([10, 1.53, 262, 12.05, 5, 80], 2),       // MW just above CWH*SP, SM above FC, SUZ just above UZL
        ([5, 0.5, 90, 2, 50, 300], 8),            // SM below LP*FC, capillary rise
        ([5, 0.5, 180, 2, 50, 300], 8),           // SM between LP*FC and FC
        ([0.001, 0.5, 180, 2, 50, 300], 6),       // bare glacier: ice melts
        ([0.06, 0.2, 180, 2, 50, 0.07], 5),       // snow nearly gone, ice nearly gone (limited: both limiters' bands)
    ]

    /// Both ways of the glacier's ice: unlimited, and limited by the ice store.
    @Test(arguments: [false, true]) func stateJacobianMatchesDifferences(limitsIceMelt: Bool) {
        for (states, temperature) in Self.points {
            let f = Self.fluxes(states, Self.parameters, precipitation: 6, temperature: temperature, pet: 2.5, limitsIceMelt: limitsIceMelt)
            var m = [Double](repeating: 0, count: HBVStorage.count * HBVStorage.count)
            m.withUnsafeMutableBufferPointer { f.stateJacobian(into: $0.baseAddress!) }
            for j in 0..<HBVStorage.count {
                let h = 1e-7 * max(states[j], 1e-3)
                var up = states, down = states
                up[j] += h
                down[j] -= h
                let ru = Self.rates(Self.fluxes(up, Self.parameters, precipitation: 6, temperature: temperature, pet: 2.5, limitsIceMelt: limitsIceMelt))
                let rd = Self.rates(Self.fluxes(down, Self.parameters, precipitation: 6, temperature: temperature, pet: 2.5, limitsIceMelt: limitsIceMelt))
                for i in 0..<HBVStorage.count {
                    let fd = (ru[i] - rd[i]) / (2 * h)
                    #expect(abs(m[i * HBVStorage.count + j] - fd) <= 1e-6 * max(abs(fd), 1), "T \(temperature) S \(states): df\(i)/dS\(j) \(m[i * HBVStorage.count + j]) vs \(fd)")
                }
            }
        }
    }

    @Test(arguments: [false, true]) func parameterGradientMatchesDifferences(limitsIceMelt: Bool) {
        let mu: [Double] = [0.3, -0.7, 1.1, 0.4, -0.2, 0.6]
        let rbar = 0.9
        for usesETExponent in [true, false] {
            for (states, temperature) in Self.points {
                // L = mu . (h f) + rbar EXCHANGE (Q0 + Q1 + Q2), the delivered runoff.
                func loss(_ p: [Double]) -> Double {
                    let f = Self.fluxes(states, p, precipitation: 6, temperature: temperature, pet: 2.5, usesETExponent: usesETExponent, limitsIceMelt: limitsIceMelt)
                    let r = Self.rates(f)
                    return zip(mu, r).map(*).reduce(0, +) + rbar * f.delivered
                }
                let f = Self.fluxes(states, Self.parameters, precipitation: 6, temperature: temperature, pet: 2.5, usesETExponent: usesETExponent, limitsIceMelt: limitsIceMelt)
                var g = [Double](repeating: 0, count: HBVParameter.count)
                mu.withUnsafeBufferPointer { m in
                    g.withUnsafeMutableBufferPointer { f.accumulateParameterGradient(mu: m.baseAddress!, rbar: rbar, into: $0.baseAddress!) }
                }
                for k in 0..<HBVParameter.count {
                    let h = 1e-7 * max(abs(Self.parameters[k]), 1e-2)
                    var up = Self.parameters, down = Self.parameters
                    up[k] += h
                    down[k] -= h
                    let fd = (loss(up) - loss(down)) / (2 * h)
                    #expect(abs(g[k] - fd) <= 1e-6 * max(abs(fd), 1), "\(HBVParameter(rawValue: k)!.name) at T \(temperature) S \(states): \(g[k]) vs \(fd)")
                }
                // And the delivered runoff's state gradient.
                var a = [Double](repeating: 0, count: HBVStorage.count)
                a.withUnsafeMutableBufferPointer { f.accumulateRunoffStateGradient(1, into: $0.baseAddress!) }
                for j in 3..<5 {
                    let h = 1e-7 * max(states[j], 1e-3)
                    var up = states, down = states
                    up[j] += h
                    down[j] -= h
                    let q = { (s: [Double]) in Self.fluxes(s, Self.parameters, precipitation: 6, temperature: temperature, pet: 2.5).delivered }
                    let fd = (q(up) - q(down)) / (2 * h)
                    #expect(abs(a[j] - fd) <= 1e-6 * max(abs(fd), 1))
                }
            }
        }
    }
}
