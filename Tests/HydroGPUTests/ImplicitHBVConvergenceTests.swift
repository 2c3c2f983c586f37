import Testing
import HydroGPU

/// Backward Euler is first order: with constant forcing, halving the step halves the error
/// against an accurate integration of the same ODE.
@Suite("ImplicitHBV convergence order")
struct ImplicitHBVConvergenceTests {
    /// One unit; per-day values. Melting snow, rain on a moist soil, SUZ above UZL, capillary rise.
    static let parameterValues: [HBVParameter: Double] = [
        .beta: 2.5, .fc: 300, .k0: 0.3, .k1: 0.15, .k2: 0.05, .lp: 0.6, .perc: 3, .uzl: 10,
        .tt: 0, .cfmax: 4, .cfr: 0.05, .cwh: 0.1, .betaet: 1.5, .c: 0.4,
    ]
    static let initial: [Double] = [40, 2, 150, 30, 20, 0]
    static let precipitation = 12.0, temperature = 3.0, pet = 3.0   // per day
    static let horizon = 1.0   // days

    /// dS/dt (mm/day), from the same flux definitions with per-day rates (h = 1).
    static func rate(_ s: [Double]) -> [Double] {
        let values = HBVParameter.allCases.map { parameterValues[$0] ?? $0.offValue! }
        var f = [Double](repeating: 0, count: HBVStorage.count)
        values.withUnsafeBufferPointer { v in
            let fluxes = ImplicitHBVFluxes(states: s, parameters: ImplicitHBVParameters(v.baseAddress!),
                                           precipitation: precipitation, temperature: temperature, pet: pet,
                                           stepDays: 1, usesETExponent: true)
            f.withUnsafeMutableBufferPointer { fluxes.rates(into: $0.baseAddress!) }
        }
        return f
    }

    /// Adaptive Dormand-Prince RK5(4) with a tight tolerance: the reference solution.
    static func dormandPrince(_ y0: [Double], until end: Double, tolerance: Double) -> [Double] {
        let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
        let a: [[Double]] = [
            [], [1.0 / 5], [3.0 / 40, 9.0 / 40], [44.0 / 45, -56.0 / 15, 32.0 / 9],
            [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
            [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
            [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
        ]
        let b5: [Double] = [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0]
        let b4: [Double] = [5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40]
        var y = y0, t = 0.0, h = 1e-3
        while t < end {
            h = min(h, end - t)
            var k: [[Double]] = []
            for stage in 0..<7 {
                var ys = y
                for j in 0..<stage { for i in 0..<HBVStorage.count { ys[i] += h * a[stage][j] * k[j][i] } }
                _ = c[stage]
                k.append(rate(ys))
            }
            var y5 = y, error = 0.0
            for i in 0..<HBVStorage.count {
                var d5 = 0.0, d4 = 0.0
                for j in 0..<7 { d5 += b5[j] * k[j][i]; d4 += b4[j] * k[j][i] }
                y5[i] += h * d5
                error = max(error, abs(h * (d5 - d4)) / (1 + abs(y[i])))
            }
            if error <= tolerance {
                t += h
                y = y5
            }
            h *= min(4, max(0.1, 0.9 * pow(tolerance / max(error, 1e-300), 0.2)))
        }
        return y
    }

    @Test func backwardEulerConvergesAtFirstOrder() throws {
        let reference = Self.dormandPrince(Self.initial, until: Self.horizon, tolerance: 1e-12)
        // The reference itself is converged: a 10x looser run agrees far below the errors measured.
        let looser = Self.dormandPrince(Self.initial, until: Self.horizon, tolerance: 1e-11)
        #expect(zip(reference, looser).map { abs($0 - $1) }.max()! < 1e-8)

        let model = ImplicitReferenceModel<Double>(tolerance: 1e-12)
        var errors: [Double] = []
        let substeps = [2, 4, 8, 16]
        for n in substeps {
            let h = Self.horizon / Double(n)
            let forcing = HBVForcing(steps: n, cells: 1,
                                     precipitation: [Double](repeating: Self.precipitation * h, count: n),
                                     temperature: [Double](repeating: Self.temperature, count: n),
                                     pet: [Double](repeating: Self.pet * h, count: n))
            var parameters: [HBVParameter: ParameterSeries<Double>] = [:]
            for (p, v) in Self.parameterValues { parameters[p] = .uniform(v, units: 1, steps: n) }
            let problem = RunoffProblem(configuration: HBVConfiguration(solver: .implicit, stepDays: h),
                                        forcing: forcing, parameters: parameters, initialStates: Self.initial)
            let result = try model.forward(problem)
            #expect(result.nonConvergedSteps == 0)
            errors.append(zip(result.finalStates, reference).map { abs($0 - $1) }.max()!)
        }
        // Least-squares slope of log(error) against log(step).
        let xs = substeps.map { log(1 / Double($0)) }, ys = errors.map { log($0) }
        let mx = xs.reduce(0, +) / 4, my = ys.reduce(0, +) / 4
        var sxy = 0.0, sxx = 0.0
        for i in 0..<4 { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) * (xs[i] - mx) }
        let order = sxy / sxx
        print("ImplicitHBV convergence: errors \(errors) at 1/\(substeps) day, fitted order \(order)")
        #expect(order >= 0.8 && order <= 1.2, "observed order \(order), errors \(errors)")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
