import HydroGPU
import Testing

struct ParameterSpaceTests {
    let cells = 5, steps = 14, components = 2

    func space() throws -> ParameterSpace {
        var layouts = Dictionary(uniqueKeysWithValues: HBVParameter.allCases.map { ($0, HBVParameter.onByDefault.contains($0) ? ParameterLayout() : .fixed($0.offValue!)) })
        layouts[.fc] = ParameterLayout(spatial: .distributed, initialValue: 200)
        layouts[.k1] = ParameterLayout(spatial: .zones(zoneOfCell: [0, 1, 1, 2, 0], zones: 3))
        layouts[.tt] = ParameterLayout(temporal: .monthly(monthOfStep: (0..<14).map { Int32($0 % 12) }))
        layouts[.beta] = ParameterLayout(spatial: .distributed, temporal: .dynamic)
        layouts[.c] = .fixed(0)
        layouts[.rfcf] = .fixed(1)
        layouts[.sfcf] = .fixed(1.2)
        layouts[.lp] = ParameterLayout(spatial: .network)
        layouts[.uzl] = ParameterLayout(spatial: .distributed, bounds: ParameterBounds(lower: 10, upper: 30))
        // No elevations: the elevation correction's parameters are absent.
        for p in ElevationCorrection.parameters { layouts[p] = .absent }
        return try ParameterSpace(layouts: layouts, cells: cells, components: components, steps: steps)
    }

    @Test func countsAndInitialValues() throws {
        let s = try space()
        // 7 uniform (K0 K2 PERC CFMAX CFR CWH BETAET; x2 components) + FC and UZL 5 cells + K1 3 zones + TT 12 months + BETA 14x5.
        #expect(s.freeCount == (7 + 2 * 5 + 3 + 12 + 14 * 5) * components)
        #expect(s.networkParameters == [.lp])
        let series: [HBVParameter: ParameterSeries<Double>] = s.expand(free: s.initialFreeValues(), networkRaw: [Double](repeating: 0, count: cells))
        #expect(abs(series[.fc]!.value(step: 3, unit: 7) - 200) < 1e-9)
        #expect(abs(series[.k0]!.value(step: 0, unit: 0) - (0.05 + 0.9) / 2) < 1e-12)
        #expect(series[.c]!.values.allSatisfy { $0 == 0 })
        #expect(series[.sfcf]!.values.allSatisfy { $0 == 1.2 })
        #expect(abs(series[.lp]!.value(step: 0, unit: 3) - 0.6) < 1e-12)  // sigmoid(0) = 1/2
        #expect(series[.tt]!.slotOfStep[13] == 1)
        // Custom bounds [10, 30]: the middle is 20, and raw ±∞ approach 10 and 30, not MODEL.md's 0 and 100.
        #expect(abs(series[.uzl]!.value(step: 5, unit: 9) - 20) < 1e-12)
        var far = s.initialFreeValues()
        let uzl = s.offsets[.uzl]!
        far[uzl] = 40
        far[uzl + 1] = -40
        let extreme: [HBVParameter: ParameterSeries<Double>] = s.expand(free: far, networkRaw: [Double](repeating: 0, count: cells))
        #expect(abs(extreme[.uzl]!.value(step: 0, unit: 0) - 30) < 1e-9 && abs(extreme[.uzl]!.value(step: 0, unit: 1) - 10) < 1e-9)
    }

    @Test func customBoundsMustSuitTheEquationsAndTheStep() {
        let hourly = 1.0 / 24
        #expect(ParameterBounds.problem(ParameterBounds(lower: 0.05, upper: 12), of: .k0, stepDays: hourly) == nil)
        // K0 = 30/day drains 1.25 of the upper zone per hourly step.
        #expect(ParameterBounds.problem(ParameterBounds(lower: 0.05, upper: 30), of: .k0, stepDays: hourly)?.contains("at most 24") == true)
        #expect(ParameterBounds.problem(ParameterBounds(lower: 0.05, upper: 2), of: .k1, stepDays: 1) != nil)
        #expect(ParameterBounds.problem(ParameterBounds(lower: 0, upper: 500), of: .fc, stepDays: 1) != nil)
        #expect(ParameterBounds.problem(ParameterBounds(lower: 0.3, upper: 1.2), of: .lp, stepDays: 1) != nil)
        #expect(ParameterBounds.problem(ParameterBounds(lower: -5, upper: 5), of: .tt, stepDays: 1) == nil)
        #expect(ParameterBounds.problem(ParameterBounds(lower: -1, upper: 5), of: .perc, stepDays: 1) != nil)
    }

    @Test func pullBackIsTheAdjointOfExpand() throws {
        // For any direction d: <pullBack(g), d> = d/dε <g, expand(x + ε d)>, checked by central FD.
        let s = try space()
        var rng = SeededGenerator(seed: 7)
        let free = s.initialFreeValues().map { $0 + rng.uniform(-1, 1) }
        let net = (0..<cells).map { _ in rng.uniform(-2, 2) }
        let direction = free.map { _ in rng.uniform(-1, 1) }
        let netDirection = net.map { _ in rng.uniform(-1, 1) }
        let base: [HBVParameter: ParameterSeries<Double>] = s.expand(free: free, networkRaw: net)
        let g = base.mapValues { series in series.values.map { _ in rng.uniform(-1, 1) } }
        func functional(_ e: Double) -> Double {
            let x = zip(free, direction).map { $0 + e * $1 }, n = zip(net, netDirection).map { $0 + e * $1 }
            let expanded: [HBVParameter: ParameterSeries<Double>] = s.expand(free: x, networkRaw: n)
            return expanded.reduce(0) { sum, entry in sum + zip(entry.value.values, g[entry.key]!).reduce(0) { $0 + $1.0 * $1.1 } }
        }
        let h = 1e-5
        let fd = (functional(h) - functional(-h)) / (2 * h)
        let (gFree, gNet) = s.pullBack(g, free: free, networkRaw: net)
        let adjoint = zip(gFree, direction).reduce(0) { $0 + $1.0 * $1.1 } + zip(gNet, netDirection).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(adjoint - fd) <= 1e-8 * max(1, abs(fd)), "adjoint \(adjoint) vs FD \(fd)")
    }

    @Test func badLayoutsNameTheParameter() {
        var layouts = Dictionary(uniqueKeysWithValues: HBVParameter.allCases.map { ($0, HBVParameter.onByDefault.contains($0) ? ParameterLayout() : .fixed($0.offValue!)) })
        layouts[.fc] = .fixed(20)
        let error = #expect(throws: ParameterLayoutError.self) { try ParameterSpace(layouts: layouts, cells: 1, steps: 1) }
        #expect(error?.description == "parameter FC: value 20.0 outside its bounds [50.0, 1000.0]")
    }
}

