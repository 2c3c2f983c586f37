import Foundation
import HydroGPU
import Testing

/// Float reproduction of hydrodl2 1.4.0's `Hbv` (δHBV 1.0) on the shared reference cases:
/// raw parameters -> sigmoid -> sequential HBV -> component mean -> gamma UH -> RMSE, and the
/// hand-written adjoint back to the raw parameters against torch's autograd.
@Suite(.enabled(if: HydroDL2Data.available, "../shared/reference/hydrodl2-hbv not found"))
struct HydroDL2ReferenceTests {
    /// Storages and fluxes: 1e-5 relative above an absolute floor of 1e-6 (mm, or dimensionless
    /// for the ET factor): below that float32 rounding of differences like SM - ET dominates.
    static let valueTolerance = (relative: 1e-5, floor: 1e-6)

    struct MainCase {
        let steps = 730, basins = 3
        let raw: NumpyArray
        let u: [[Float]]
        let physical: [[Float]]
        let problem: RunoffProblem<Float>
        let observed: [Float]

        init() throws {
            raw = try HydroDL2Data.load("params_raw.npy")
            let forcing = HydroDL2Data.forcing(try HydroDL2Data.load("forcing.npy"), days: 0..<730)
            var parameters: [HBVParameter: ParameterSeries<Float>] = [:]
            var u: [[Float]] = [], physical: [[Float]] = []
            for b in 0..<3 {
                var ub = [Float](), pb = [Float]()
                for i in 0..<14 {
                    let bounds = i < 12 ? HydroDL2Data.parameterOrder[i].bounds
                        : (i == 12 ? GammaUnitHydrograph<Float>.routeABounds : GammaUnitHydrograph<Float>.routeBBounds)
                    let (uu, v) = HydroDL2Data.physical(raw: Float(raw.values[b * 14 + i]), bounds: bounds)
                    ub.append(uu)
                    pb.append(v)
                }
                u.append(ub)
                physical.append(pb)
            }
            for (i, parameter) in HydroDL2Data.parameterOrder.prefix(12).enumerated() {
                parameters[parameter] = .distributed(physical.map { $0[i] }, steps: 730)
            }
            self.u = u
            self.physical = physical
            problem = RunoffProblem(configuration: HBVConfiguration(usesETExponent: false), forcing: forcing, parameters: parameters)
            observed = try HydroDL2Data.load("obs.npy").values.map(Float.init)
        }

        var routeA: [Float] { physical.map { $0[12] } }
        var routeB: [Float] { physical.map { $0[13] } }
    }

    @Test func sigmoidToBoundsMatchesTorch() throws {
        let c = try MainCase()
        let u = try HydroDL2Data.load("params_u.npy"), phys = try HydroDL2Data.load("params_phys.npy")
        for b in 0..<3 {
            for i in 0..<14 {
                #expect(abs(Double(c.u[b][i]) - u.values[b * 14 + i]) <= 1e-7 * max(abs(u.values[b * 14 + i]), 1e-3), "u[\(b)][\(i)]")
                #expect(abs(Double(c.physical[b][i]) - phys.values[b * 14 + i]) <= 1e-6 * max(abs(phys.values[b * 14 + i]), 1e-3), "phys[\(b)][\(i)]")
            }
        }
    }

    @Test func storagesMatchHydroDL2() throws {
        let c = try MainCase()
        let trace = try SequentialReferenceModel<Float>().trace(c.problem)
        let expected = try HydroDL2Data.load("storages.npy")
        #expect(expected.shape == [730, 3, 5])
        var close = Closeness(relative: Self.valueTolerance.relative, floor: Self.valueTolerance.floor)
        for t in 0..<730 {
            for b in 0..<3 {
                let s = trace.states[t * 3 + b]
                for storage in HBVStorage.allCases where storage.process != .glacier {   // δHBV has no ice store
                    close.check(Double(s[storage]), expected.values[(t * 3 + b) * 5 + storage.rawValue], "day \(t) basin \(b) \(storage.name)")
                }
            }
        }
        #expect(close.failures == 0, "\(close.summary)")
        #expect(trace.result.finalStates[2 * 3 + 0] == trace.states[729 * 3].soilMoisture)
    }

    @Test func fluxesAndUnitHydrographMatchHydroDL2() throws {
        let c = try MainCase()
        let trace = try SequentialReferenceModel<Float>().trace(c.problem)
        let expected = try HydroDL2Data.load("fluxes.npy")
        let weights = try HydroDL2Data.load("uh_weights.npy")
        #expect(expected.shape == [730, 3, 16] && weights.shape == [15, 3])
        var close = Closeness(relative: Self.valueTolerance.relative, floor: Self.valueTolerance.floor)
        for b in 0..<3 {
            let uh = GammaUnitHydrograph<Float>(routeA: c.routeA[b], routeB: c.routeB[b], steps: 730)
            for k in 0..<15 { close.check(Double(uh.weights[k]), weights.values[k * 3 + b], "UH weight \(k) basin \(b)") }
            let f = (0..<730).map { trace.fluxes[$0 * 3 + b] }
            let routed = uh.route(f.map(\.runoff))
            let routedQ0 = uh.route(f.map(\.q0)), routedQ1 = uh.route(f.map(\.q1)), routedQ2 = uh.route(f.map(\.q2))
            for t in 0..<730 {
                let mine: [Float] = [routed[t], f[t].runoff, routedQ0[t], routedQ1[t], routedQ2[t], f[t].q0, f[t].q1, f[t].q2,
                                     f[t].evapotranspiration, c.problem.forcing.pet[t * 3 + b], trace.states[t * 3 + b].snowpack,
                                     f[t].recharge, f[t].excess, f[t].evaporationFactor, f[t].tosoil, f[t].percolation]
                for j in 0..<16 {
                    close.check(Double(mine[j]), expected.values[(t * 3 + b) * 16 + j], "day \(t) basin \(b) flux \(j)")
                }
                #expect(trace.result.runoff[t * 3 + b] == f[t].runoff)
            }
        }
        #expect(close.failures == 0, "\(close.summary)")
    }

    @Test func rmseGradientMatchesTorchAutograd() throws {
        let c = try MainCase()
        let model = SequentialReferenceModel<Float>()
        let forward = try model.forward(c.problem)
        let routed = GammaUnitHydrograph.route(forward.runoff, steps: 730, cells: 3, routeA: c.routeA, routeB: c.routeB)
        let (loss, gRouted) = RootMeanSquareError.evaluate(simulated: routed, observed: c.observed)
        #expect(abs(Double(loss) - 0.2048102468252182) <= 1e-5 * 0.2048102468252182, "loss \(loss)")
        let uhAdjoint = GammaUnitHydrograph.adjoint(runoff: forward.runoff, routedAdjoint: gRouted, steps: 730, cells: 3,
                                                    routeA: c.routeA, routeB: c.routeB)
        let (_, gradient) = try model.gradient(c.problem, runoffAdjoint: uhAdjoint.runoff)

        let expected = try HydroDL2Data.load("grad_raw.npy")
        var mine = [Double](repeating: 0, count: 42)
        for b in 0..<3 {
            for (i, parameter) in HydroDL2Data.parameterOrder.prefix(12).enumerated() {
                mine[b * 14 + i] = Double(gradient.parameters[parameter]![b]) * HydroDL2Data.chain(u: c.u[b][i], bounds: parameter.bounds)
            }
            mine[b * 14 + 12] = Double(uhAdjoint.routeA[b]) * HydroDL2Data.chain(u: c.u[b][12], bounds: GammaUnitHydrograph<Float>.routeABounds)
            mine[b * 14 + 13] = Double(uhAdjoint.routeB[b]) * HydroDL2Data.chain(u: c.u[b][13], bounds: GammaUnitHydrograph<Float>.routeBBounds)
        }
        try GradientComparison.expectClose(mine, expected.values, label: "main case grad_raw")
    }
}

extension HydroDL2ReferenceTests {
    /// case_b: nmul = 2, dynamic BETA and BETAET, warm-up 365 days (README: the warm-up runs with
    /// every parameter static from row W-1 and no gradient; the main run's static parameters come
    /// from row T-1, dynamic ones from row t; routing from row T-1; routing starts with zero history).
    @Test func caseBComponentsDynamicParametersAndWarmUp() throws {
        let raw = try HydroDL2Data.load("case_b/params_raw.npy")
        let forcing = try HydroDL2Data.load("forcing.npy")
        let days = 730, warmUp = 365, basins = 3, nmul = 2, width = 28, units = basins * nmul
        let main = days - warmUp
        #expect(raw.shape == [days, basins, width])
        func rawAt(_ t: Int, _ b: Int, _ j: Int) -> Float { Float(raw.values[(t * basins + b) * width + j]) }
        let order = HydroDL2Data.parameterOrder
        let dynamic: Set<HBVParameter> = [.beta, .betaet]
        let configuration = HBVConfiguration(components: nmul, usesETExponent: true)
        let model = SequentialReferenceModel<Float>()

        // Warm-up: every parameter static from row W-1.
        var warmParameters: [HBVParameter: ParameterSeries<Float>] = [:]
        for (i, parameter) in order.enumerated() {
            let values = (0..<units).map { HydroDL2Data.physical(raw: rawAt(warmUp - 1, $0 / nmul, i * nmul + $0 % nmul), bounds: parameter.bounds).value }
            warmParameters[parameter] = .distributed(values, steps: warmUp)
        }
        let warm = try model.forward(RunoffProblem(configuration: configuration, forcing: HydroDL2Data.forcing(forcing, days: 0..<warmUp),
                                                   parameters: warmParameters))

        // Main run: static from row T-1, dynamic from row t.
        var parameters: [HBVParameter: ParameterSeries<Float>] = [:]
        var chain: [HBVParameter: [Double]] = [:]
        for (i, parameter) in order.enumerated() {
            let rows = dynamic.contains(parameter) ? Array(warmUp..<days) : [days - 1]
            var values = [Float](), d = [Double]()
            for row in rows {
                for unit in 0..<units {
                    let (u, v) = HydroDL2Data.physical(raw: rawAt(row, unit / nmul, i * nmul + unit % nmul), bounds: parameter.bounds)
                    values.append(v)
                    d.append(HydroDL2Data.chain(u: u, bounds: parameter.bounds))
                }
            }
            let slotOfStep = dynamic.contains(parameter) ? (0..<main).map(Int32.init) : [Int32](repeating: 0, count: main)
            parameters[parameter] = ParameterSeries(slots: rows.count, units: units, values: values, slotOfStep: slotOfStep)
            chain[parameter] = d
        }
        let problem = RunoffProblem(configuration: configuration, forcing: HydroDL2Data.forcing(forcing, days: warmUp..<days),
                                    parameters: parameters, initialStates: warm.finalStates)
        let trace = try model.trace(problem)

        let routing = (0..<basins).map { b in
            (0..<2).map { j in
                HydroDL2Data.physical(raw: rawAt(days - 1, b, order.count * nmul + j),
                                      bounds: j == 0 ? GammaUnitHydrograph<Float>.routeABounds : GammaUnitHydrograph<Float>.routeBBounds)
            }
        }
        let routeA = routing.map { $0[0].value }, routeB = routing.map { $0[1].value }
        let routed = GammaUnitHydrograph.route(trace.result.runoff, steps: main, cells: basins, routeA: routeA, routeB: routeB)

        // Fluxes [365, 3, 7]: streamflow, streamflow_no_rout, Q0, Q1, Q2 (no routing), AET, SWE; means over nmul.
        let expected = try HydroDL2Data.load("case_b/fluxes.npy")
        #expect(expected.shape == [main, basins, 7])
        var close = Closeness(relative: Self.valueTolerance.relative, floor: Self.valueTolerance.floor)
        for t in 0..<main {
            for b in 0..<basins {
                let f0 = trace.fluxes[t * units + b * nmul], f1 = trace.fluxes[t * units + b * nmul + 1]
                let s0 = trace.states[t * units + b * nmul], s1 = trace.states[t * units + b * nmul + 1]
                let mine: [Float] = [routed[t * basins + b], trace.result.runoff[t * basins + b], (f0.q0 + f1.q0) / 2, (f0.q1 + f1.q1) / 2,
                                     (f0.q2 + f1.q2) / 2, (f0.evapotranspiration + f1.evapotranspiration) / 2, (s0.snowpack + s1.snowpack) / 2]
                for j in 0..<7 { close.check(Double(mine[j]), expected.values[(t * basins + b) * 7 + j], "day \(warmUp + t) basin \(b) flux \(j)") }
            }
        }
        #expect(close.failures == 0, "\(close.summary)")

        // Final states [5, 3, 2] = [5][units] with unit = basin * nmul + k.
        let finalStates = try HydroDL2Data.load("case_b/final_states.npy")
        var closeStates = Closeness(relative: Self.valueTolerance.relative, floor: Self.valueTolerance.floor)
        for i in 0..<(5 * units) { closeStates.check(Double(trace.result.finalStates[i]), finalStates.values[i], "final state \(i)") }
        #expect(closeStates.failures == 0, "\(closeStates.summary)")

        // Loss and gradient to every raw entry [730, 3, 28].
        let observed = try HydroDL2Data.load("case_b/obs.npy").values.map(Float.init)
        let (loss, gRouted) = RootMeanSquareError.evaluate(simulated: routed, observed: observed)
        #expect(abs(Double(loss) - 0.18953417241573334) <= 1e-5 * 0.18953417241573334, "loss \(loss)")
        let uh = GammaUnitHydrograph.adjoint(runoff: trace.result.runoff, routedAdjoint: gRouted, steps: main, cells: basins, routeA: routeA, routeB: routeB)
        let (_, gradient) = try model.gradient(problem, runoffAdjoint: uh.runoff)
        var mine = [Double](repeating: 0, count: days * basins * width)
        for (i, parameter) in order.enumerated() {
            let g = gradient.parameters[parameter]!, d = chain[parameter]!
            let rows = dynamic.contains(parameter) ? Array(warmUp..<days) : [days - 1]
            for (slot, row) in rows.enumerated() {
                for unit in 0..<units {
                    mine[(row * basins + unit / nmul) * width + i * nmul + unit % nmul] += Double(g[slot * units + unit]) * d[slot * units + unit]
                }
            }
        }
        for b in 0..<basins {
            mine[((days - 1) * basins + b) * width + 26] = Double(uh.routeA[b]) * HydroDL2Data.chain(u: routing[b][0].u, bounds: GammaUnitHydrograph<Float>.routeABounds)
            mine[((days - 1) * basins + b) * width + 27] = Double(uh.routeB[b]) * HydroDL2Data.chain(u: routing[b][1].u, bounds: GammaUnitHydrograph<Float>.routeBBounds)
        }
        let expectedGradient = try HydroDL2Data.load("case_b/grad_raw.npy")
        try GradientComparison.expectClose(mine, expectedGradient.values, label: "case_b grad_raw")
    }
}

/// Gradient agreement as MODEL.md 7 states it for Float: 1e-3 relative on the vector norm and
/// per component above a noise floor of 1e-3 of the largest component. Measured: every component
/// of the main case agrees to 2e-5 relative (torch's exact zeros come out below 1e-13); in case_b
/// the worst is K2 of basin 2, component 1 at 1.3e-3 relative, a component 1.3e-4 of the largest,
/// where float32 accumulation over 365 steps (ours and torch's) sets the noise.
enum GradientComparison {
    static func expectClose(_ mine: [Double], _ expected: [Double], label: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(mine.count == expected.count, sourceLocation: sourceLocation)
        let norm = expected.map { $0 * $0 }.reduce(0, +).squareRoot()
        let diffNorm = zip(mine, expected).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        #expect(diffNorm <= 1e-3 * norm, "\(label): |diff| \(diffNorm) vs |g| \(norm)", sourceLocation: sourceLocation)
        let largest = expected.map(abs).max() ?? 0
        var close = Closeness(relative: 1e-3, floor: 1e-3 * largest)
        for i in mine.indices { close.check(mine[i], expected[i], "\(label)[\(i)]") }
        #expect(close.failures == 0, "\(label): \(close.summary)", sourceLocation: sourceLocation)
    }
}
