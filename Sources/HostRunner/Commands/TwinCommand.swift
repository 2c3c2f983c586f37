import ArgumentParser
import Foundation
import HydroGPU

/// `hydrogpu twin`: identifiability analysis and twin calibrations on a synthetic catchment.
struct TwinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "Twin experiment: identifiability at the truth, uniform calibrations from random starts, regionalisation twin."
    )

    @Option(parsing: .unconditional, help: "Grid rows (at least 3).") var rows = 12
    @Option(name: .customLong("cols"), parsing: .unconditional, help: "Grid columns (at least 3).") var columns = 12
    @Option(parsing: .unconditional, help: "Daily steps (at least 2).") var days = 730
    @Option(parsing: .unconditional, help: "Nested gauges (at least 1, at most one per cell).") var gauges = 4
    @Option(help: "Catchment seed.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Random starts per experiment (seeds seed*1000+1 ...).") var starts = 3
    @Option(parsing: .unconditional, help: "L-BFGS iteration limit.") var iterations = 400
    @Flag(help: "Skip the regionalisation twin.") var uniformOnly = false
    @Flag(help: "Regionalisation twin: hold the uniform parameters at their true values (train the network alone).") var fixUniform = false
    @Option(parsing: .unconditional, help: "Hidden units of the regionalisation network.") var hidden = 6
    @Option(parsing: .unconditional, help: "Uniform twin: basin-hopping jumps (raw ±0.5) after a stall above loss 1e-3.") var hops = 0
    @Flag(help: "Skip the uniform calibrations (identifiability, then the regionalisation twin only).") var regionalisationOnly = false
    @Option(name: .customLong("tt-profile"), parsing: .unconditional, help: "Profile over TT in both twins: descents with TT held at this many values, then a profile line search on TT (0: off).") var ttProfile = 0

    /// Sizes and counts are checked before anything is built (none reaches a precondition).
    func validate() throws {
        do { try SyntheticCatchment.Options(rows: rows, columns: columns, days: days, gauges: gauges, seed: seed).check() } catch {
            throw ValidationError(error.description)
        }
        for (name, value, least) in [("--starts", starts, 0), ("--iterations", iterations, 0), ("--hidden", hidden, 1), ("--hops", hops, 0), ("--tt-profile", ttProfile, 0)] where value < least {
            throw ValidationError("\(name) must be at least \(least) (got \(value))")
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        var options = SyntheticCatchment.Options(rows: rows, columns: columns, days: days, gauges: gauges, seed: seed)
        options.truth = .uniform
        let uniformCatchment = try SyntheticCatchment(options)
        let t0 = clock.now
        let id = try Identifiability(uniformCatchment)
        print("identifiability (uniform truth, \(rows)x\(columns), \(days) d, \(gauges) gauges): \(clock.now - t0)")
        print(id.markdown)
        print(String(format: "collinearity index of the identifiable set: %.2f", id.collinearityIndex))
        let identifiable = id.identifiableParameters
        for k in 0..<((uniformOnly || !fixUniform) && !regionalisationOnly ? starts : 0) {
            let t = clock.now
            let r = try TwinExperiment.calibrateUniform(uniformCatchment, parameters: identifiable, seed: seed * 1000 + UInt64(k + 1), maxIterations: iterations, hops: hops, profilePoints: ttProfile)
            print("uniform start \(k + 1): \(r.iterations) iterations, \(r.evaluations) evaluations, \(clock.now - t); NSE " + r.nse.map { String(format: "%.6f", $0) }.joined(separator: " "))
            for rec in r.recovery {
                print("  " + pad(rec.parameter.name) + String(format: " true %9.4f start %9.4f estimate %9.4f error %6.3f%%", rec.trueValue, rec.start, rec.estimate, 100 * rec.relativeError))
            }
        }
        guard !uniformOnly else { return }
        options.truth = .descriptorMaps
        let mapped = try SyntheticCatchment(options)
        let uniformFree = fixUniform ? [] : identifiable.filter { !SyntheticCatchment.mappedParameters.contains($0) }
        for k in 0..<starts {
            let t = clock.now
            let r = try TwinExperiment.trainRegionalisation(mapped, uniformFree: uniformFree, hidden: hidden, seed: seed * 1000 + UInt64(k + 1), maxIterations: iterations, profilePoints: ttProfile)
            print("regionalisation start \(k + 1): \(r.iterations) iterations, \(r.evaluations) evaluations, \(clock.now - t); NSE " + r.nse.map { String(format: "%.6f", $0) }.joined(separator: " "))
            for m in r.maps {
                print("  map " + pad(m.parameter.name) + String(format: " mean error %6.3f%% max %6.3f%% correlation %.4f", 100 * m.meanRelativeError, 100 * m.maxRelativeError, m.correlation))
            }
            for rec in r.uniform {
                print("  " + pad(rec.parameter.name) + String(format: " true %9.4f estimate %9.4f error %6.3f%%", rec.trueValue, rec.estimate, 100 * rec.relativeError))
            }
        }
    }
}

private func pad(_ s: String) -> String { s.count >= 7 ? s : s + String(repeating: " ", count: 7 - s.count) }
