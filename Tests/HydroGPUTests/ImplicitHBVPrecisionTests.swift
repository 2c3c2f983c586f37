import Testing
import HydroGPU

/// The Float reference (tolerance 1e-4 mm) against the Double oracle.
@Suite("ImplicitHBV Float vs Double")
struct ImplicitHBVPrecisionTests {
    @Test func floatAgreesWithDoubleWithinTheFloatTolerance() throws {
        let steps = 120, cells = 3
        let single: RunoffProblem<Float> = ImplicitHBVFixtures.problem(steps: steps, cells: cells, components: 2, layout: .monthly)
        let double: RunoffProblem<Double> = ImplicitHBVFixtures.problem(steps: steps, cells: cells, components: 2, layout: .monthly)
        let f = try ImplicitReferenceModel<Float>().forward(single)
        let d = try ImplicitReferenceModel<Double>().forward(double)
        #expect(f.nonConvergedSteps == 0)
        // Each step's root is within ~tol of the exact one and backward Euler does not amplify
        // errors (its step map is a contraction for these dissipative stores): a few tol per store.
        let tolerance = 1e-4
        var worstRunoff = 0.0, worstState = 0.0
        for i in d.runoff.indices { worstRunoff = max(worstRunoff, abs(Double(f.runoff[i]) - d.runoff[i])) }
        for i in d.finalStates.indices { worstState = max(worstState, abs(Double(f.finalStates[i]) - d.finalStates[i])) }
        print("ImplicitHBV Float vs Double: max runoff difference \(worstRunoff) mm, final state \(worstState) mm")
        #expect(worstRunoff <= 5 * tolerance)
        #expect(worstState <= 10 * tolerance)
        // Gradients agree to Float accuracy too (relative to the gradient's size).
        let w = (0..<(steps * cells)).map { Double(($0 * 7) % 5) - 1.5 }
        let (_, gd) = try ImplicitReferenceModel<Double>().gradient(double, runoffAdjoint: w)
        let (_, gf) = try ImplicitReferenceModel<Float>().gradient(single, runoffAdjoint: w.map { Float($0) })
        for p in HBVParameter.onByDefault {
            let a = gd.parameters[p]!, b = gf.parameters[p]!
            let norm = a.map { $0 * $0 }.reduce(0, +).squareRoot()
            let difference = zip(a, b).map { ($0 - Double($1)) * ($0 - Double($1)) }.reduce(0, +).squareRoot()
            #expect(difference <= 1e-2 * norm + 1e-6, "\(p.name): |Δ| \(difference), |g| \(norm)")
        }
    }
}
