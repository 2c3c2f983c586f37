import Foundation
import HydroGPU
import Testing

/// Identifiability and twin calibrations on small synthetic catchments (fast versions of
/// `hydrogpu twin`; the full figures are in RESULTS.md ("Twin experiment figures")).
struct TwinExperimentTests {
    static func catchment(rows: Int = 4, columns: Int = 4, days: Int = 365, gauges: Int = 3, truth: SyntheticCatchment.Truth,
                          meanTemperature: Double = 6) throws -> SyntheticCatchment {
        var o = SyntheticCatchment.Options(rows: rows, columns: columns, days: days, gauges: gauges, seed: 1)
        o.truth = truth
        o.meanTemperature = meanTemperature
        return try SyntheticCatchment(o)
    }

    @Test func eigenvaluesAndInverseDiagonalOfKnownMatrices() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1; inverse [[2, -1], [-1, 2]] / 3.
        let values = SymmetricEigen.values([2, 1, 1, 2], n: 2).sorted()
        #expect(abs(values[0] - 1) < 1e-12 && abs(values[1] - 3) < 1e-12)
        let diagonal = SymmetricEigen.inverseDiagonal([2, 1, 1, 2], n: 2)!
        #expect(abs(diagonal[0] - 2.0 / 3) < 1e-12 && abs(diagonal[1] - 2.0 / 3) < 1e-12)
        // A 3 x 3 with a known inverse: A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], det 44,
        // (A^-1)_00 = 14/44, (A^-1)_11 = 12/44, (A^-1)_22 = 16/44 (cofactors over the determinant).
        let d3 = SymmetricEigen.inverseDiagonal([4, 2, 0, 2, 5, 1, 0, 1, 3], n: 3)!
        #expect(abs(d3[0] - 14.0 / 44) < 1e-12 && abs(d3[1] - 12.0 / 44) < 1e-12 && abs(d3[2] - 16.0 / 44) < 1e-12)
        // Eigenvalues sum to the trace and multiply to the determinant.
        let v3 = SymmetricEigen.values([4, 2, 0, 2, 5, 1, 0, 1, 3], n: 3)
        #expect(abs(v3.reduce(0, +) - 12) < 1e-10 && abs(v3.reduce(1, *) - 44) < 1e-9)
        #expect(SymmetricEigen.inverseDiagonal([1, 1, 1, 1], n: 2) == nil, "a singular matrix has no inverse")
    }

    @Test func snowParametersAreNotIdentifiableWithoutSnow() throws {
        // At 30 °C mean no day is below TT's upper bound: the snow routine never runs, so TT,
        // CFMAX, CFR and CWH leave the discharge unchanged and must be classed unidentifiable.
        let warm = try Self.catchment(truth: .uniform, meanTemperature: 30)
        #expect(warm.forcing.temperature.min()! > 2.5)
        let id = try Identifiability(warm)
        for p in [HBVParameter.tt, .cfmax, .cfr, .cwh] {
            let row = id.rows.first { $0.parameter == p }!
            #expect(!row.identifiable && row.sensitivity == 0, "\(p): \(row)")
        }
        for p in [HBVParameter.fc, .lp, .beta] { #expect(id.identifiableParameters.contains(p), "\(p) drives the water balance") }
        #expect(id.collinearityIndex.isFinite && id.collinearityIndex >= 1)
    }

    @Test func twinGradientMatchesFiniteDifferences() throws {
        let c = try Self.catchment(rows: 3, columns: 4, days: 200, truth: .uniform)
        var layouts: [HBVParameter: ParameterLayout] = [:]
        for p in HBVParameter.allCases { layouts[p] = HBVParameter.onByDefault.contains(p) ? ParameterLayout(initialValue: ParameterTransform.physical(0.3, p)) : .fixed(p.offValue!) }
        let space = try ParameterSpace(layouts: layouts, cells: c.cellCount, steps: 200)
        let objective = TwinObjective(catchment: c, space: space)
        var rng = SeededGenerator(seed: 5)
        let x = space.initialFreeValues().map { $0 + rng.uniform(-0.5, 0.5) }
        let g = try objective.evaluate(free: x).freeGradient
        let h = 1e-6
        for i in x.indices {
            var plus = x, minus = x
            plus[i] += h; minus[i] -= h
            let fd = (try objective.evaluate(free: plus, gradient: false).loss - objective.evaluate(free: minus, gradient: false).loss) / (2 * h)
            #expect(abs(fd - g[i]) <= 1e-5 * max(abs(fd), 1e-3), "\(HBVParameter.allCases[i]): adjoint \(g[i]) fd \(fd)")
        }
    }

    @Test(arguments: [UInt64(11), 12])
    func uniformTwinRecoversIdentifiableParameters(seed: UInt64) throws {
        let c = try Self.catchment(truth: .uniform)
        let identifiable = try Identifiability(c).identifiableParameters
        #expect(identifiable.count >= 8, "most parameters are identifiable with snow and 3 gauges: \(identifiable)")
        let r = try TwinExperiment.calibrateUniform(c, parameters: identifiable, seed: seed, maxIterations: 400)
        for (g, nse) in r.nse.enumerated() { #expect(nse >= 0.99, "gauge \(g): NSE \(nse)") }
        for rec in r.recovery {
            #expect(rec.relativeError <= 0.05, "\(rec.parameter): true \(rec.trueValue), start \(rec.start), estimate \(rec.estimate)")
        }
        // The random start was away from the truth for at least one parameter.
        #expect(r.recovery.contains { abs($0.start - $0.trueValue) / $0.trueValue > 0.2 })
    }

    /// The TT profile (descents with TT held at 5 values, then free from the best) on a snowy twin:
    /// TT and CFMAX, the snow parameters it trades against, come back from a random start
    /// (the other parameters at the truth, so the truth is the global minimum, loss 0).
    @Test func thresholdProfileRecoversTT() throws {
        let c = try Self.catchment(rows: 3, columns: 3, days: 240, gauges: 2, truth: .uniform, meanTemperature: 3)
        let r = try TwinExperiment.calibrateUniform(c, parameters: [.tt, .cfmax], seed: 31, candidates: 4, maxIterations: 100, profilePoints: 5)
        for (g, nse) in r.nse.enumerated() { #expect(nse >= 0.999, "gauge \(g): NSE \(nse)") }
        for rec in r.recovery {
            #expect(rec.relativeError <= 0.01, "\(rec.parameter): true \(rec.trueValue), start \(rec.start), estimate \(rec.estimate)")
        }
        let tt = r.recovery.first { $0.parameter == .tt }!
        #expect(abs(tt.start - tt.trueValue) > 0.2, "the start was away from the true TT")
    }

    @Test func regionalisationTwinRecoversDescriptorMaps() throws {
        let c = try Self.catchment(rows: 5, columns: 5, gauges: 4, truth: .descriptorMaps)
        let r = try TwinExperiment.trainRegionalisation(c, uniformFree: [], hidden: 6, seed: 21, maxIterations: 300)
        for (g, nse) in r.nse.enumerated() { #expect(nse >= 0.99, "gauge \(g): NSE \(nse)") }
        for m in r.maps {
            #expect(m.correlation >= 0.9 && m.meanRelativeError <= 0.15, "\(m.parameter): mean error \(m.meanRelativeError), correlation \(m.correlation)")
        }
    }
}
