import Foundation
import HydroGPU
import Testing

/// A glacierised synthetic twin (`hydrogpu synth --glacier`): a glacier on the upper cells,
/// unlimited ice, the table's true CFICE and TTG. Which glacier parameters the discharge
/// identifies (`Identifiability`), and that calibrations from random starts recover them
/// within 5 %.
struct GlacierTwinTests {
    static func catchment() throws -> SyntheticCatchment {
        var o = SyntheticCatchment.Options(rows: 5, columns: 5, days: 730, gauges: 3, seed: 5)
        o.truth = .uniform
        o.glacier = true
        return try SyntheticCatchment(o)
    }

    /// CFICE and TTG (with CFMAX, which scales both melts) are identifiable from discharge on
    /// this twin; TT, which the glacier's bare-ice switch and the snow share, is not.
    @Test func glacierParametersAreIdentifiable() throws {
        let c = try Self.catchment()
        let identifiable = try Identifiability(c, parameters: [.tt, .cfmax, .cfice, .ttg]).identifiableParameters
        #expect(Set(identifiable) == [.cfmax, .cfice, .ttg], "identifiable: \(identifiable)")
    }

    @Test(arguments: [UInt64(41), 42])
    func randomStartsRecoverTheGlacierParameters(seed: UInt64) throws {
        let c = try Self.catchment()
        let r = try TwinExperiment.calibrateUniform(c, parameters: [.cfmax, .cfice, .ttg], seed: seed, candidates: 6, maxIterations: 200)
        for (g, nse) in r.nse.enumerated() { #expect(nse >= 0.999, "gauge \(g): NSE \(nse)") }
        for rec in r.recovery {
            #expect(rec.relativeError <= 0.05, "\(rec.parameter): true \(rec.trueValue), start \(rec.start), estimate \(rec.estimate)")
        }
        #expect(r.recovery.contains { abs($0.start - $0.trueValue) / abs($0.trueValue) > 0.2 }, "a start away from the truth")
    }
}
