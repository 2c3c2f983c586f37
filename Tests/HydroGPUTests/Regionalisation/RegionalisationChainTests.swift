import HydroGPU
import Testing

/// The chain training code follows (docs/REGIONALISATION.md): descriptors -> network -> raw
/// parameters -> ParameterSpace (sigmoid to bounds) -> physical series, and back.
@Suite struct RegionalisationChainTests {
    let cells = 9, steps = 4, components = 2

    func space() throws -> ParameterSpace {
        var layouts = Dictionary(uniqueKeysWithValues: HBVParameter.allCases.map { ($0, HBVParameter.onByDefault.contains($0) ? ParameterLayout() : .fixed($0.offValue!)) })
        layouts[.fc] = ParameterLayout(spatial: .network)
        layouts[.k1] = ParameterLayout(spatial: .network)
        layouts[.lp] = ParameterLayout(spatial: .network)
        layouts[.c] = .fixed(0)
        return try ParameterSpace(layouts: layouts, cells: cells, components: components, steps: steps)
    }

    @Test func weightGradientThroughBoundsMatchesCentralDifferences() throws {
        // Two catchments (4 + 5 cells) concatenated into one batch for one network.
        let s = try space()
        #expect(s.networkParameters == [.fc, .k1, .lp])
        let descriptors = PerceptronTestData.uniform(4 * 3, seed: 1, in: 0...2000) + PerceptronTestData.uniform(5 * 3, seed: 2, in: 0...2000)
        let normalisation = try DescriptorNormalisation(fitting: descriptors, cells: cells, names: ["elevation", "aspect", "clay"])
        let x: [Double] = try normalisation.apply(descriptors, cells: cells)
        let network = try PerceptronTestData.network([3, 6, 3], .tanh, seed: 3)
        let free = s.initialFreeValues()
        // L = sum over parameters of <a_p, physical_p>, so dL/d(physical_p) = a_p.
        let probe: [HBVParameter: ParameterSeries<Double>] = s.expand(free: free, networkRaw: try network.forward(x, cells: cells))
        var seed: UInt64 = 10
        let a = probe.mapValues { series in seed += 1; return PerceptronTestData.uniform(series.values.count, seed: seed) }
        func loss(_ net: MultilayerPerceptron) throws -> Double {
            let series: [HBVParameter: ParameterSeries<Double>] = s.expand(free: free, networkRaw: try net.forward(x, cells: cells))
            return series.reduce(0) { sum, entry in sum + zip(entry.value.values, a[entry.key]!).reduce(0) { $0 + $1.0 * $1.1 } }
        }

        let raw: [Double] = try network.forward(x, cells: cells)
        let (_, rawGradient) = s.pullBack(a, free: free, networkRaw: raw)  // includes the sigmoid derivative
        let gradient: PerceptronGradient<Double> = try network.backward(x, cells: cells, outputGradient: rawGradient)
        var differences = [Double](repeating: 0, count: network.weightCount)
        for k in differences.indices {
            var plus = network, minus = network
            let h = 1e-5
            plus.weights[k] += h
            minus.weights[k] -= h
            differences[k] = (try loss(plus) - loss(minus)) / (2 * h)
        }
        #expect(maxRelativeError(gradient.weights, differences, floor: 1e-3 * maxAbs(differences)) < 1e-6)
    }

    @Test func adamRecoversATwinParameterMap() throws {
        // Twin experiment on the parameter maps alone: a "true" network makes FC, K1, LP maps;
        // Adam on a fresh network's weights, with gradients from the chain, must reproduce them.
        let s = try space()
        let x = PerceptronTestData.uniform(cells * 3, seed: 20)
        let truth = try PerceptronTestData.network([3, 8, 3], .tanh, seed: 21)
        let target: [HBVParameter: ParameterSeries<Double>] = s.expand(free: s.initialFreeValues(), networkRaw: try truth.forward(x, cells: cells))
        var network = try MultilayerPerceptron(layerSizes: [3, 8, 3], activation: .tanh, seed: 22)
        func lossAndGradient(_ net: MultilayerPerceptron) throws -> (Double, [Double]) {
            let raw: [Double] = try net.forward(x, cells: cells)
            let series: [HBVParameter: ParameterSeries<Double>] = s.expand(free: s.initialFreeValues(), networkRaw: raw)
            var loss = 0.0
            var adjoint: [HBVParameter: [Double]] = [:]
            for p in s.networkParameters {
                let span = p.bounds.upper - p.bounds.lower  // compare in bound-relative units
                let r = zip(series[p]!.values, target[p]!.values).map { ($0 - $1) / span }
                loss += r.reduce(0) { $0 + $1 * $1 }
                adjoint[p] = r.map { 2 * $0 / span }
            }
            let rawGradient = s.pullBack(adjoint, free: s.initialFreeValues(), networkRaw: raw).network
            let gradient: PerceptronGradient<Double> = try net.backward(x, cells: cells, outputGradient: rawGradient)
            return (loss, gradient.weights)
        }
        var adam = Adam(schedule: .constant(0.02))
        let initial = try lossAndGradient(network).0
        for _ in 0..<1500 {
            let (_, gradient) = try lossAndGradient(network)
            adam.step(&network.weights, gradient: gradient)
        }
        let final = try lossAndGradient(network).0
        #expect(final < 1e-3 * initial, "loss \(initial) -> \(final)")
    }

    @Test func weightGradientThroughTheSequentialHBVModelMatchesCentralDifferences() throws {
        // The whole chain of docs/REGIONALISATION.md 4 with the reference HBV adjoint: three
        // cells, two components, FC, K1 and BETA from the network, the rest fixed at
        // SyntheticHBV's smooth central point; L = sum w * runoff.
        let cells = 3, steps = 96
        var layouts: [HBVParameter: ParameterLayout] = [:]
        for p in HBVParameter.allCases { layouts[p] = .fixed(SyntheticHBV.central[p] ?? p.offValue!) }
        for p in [HBVParameter.beta, .fc, .k1] { layouts[p] = ParameterLayout(spatial: .network) }
        let s = try ParameterSpace(layouts: layouts, cells: cells, components: 2, steps: steps)
        let x = PerceptronTestData.uniform(cells * 4, seed: 30)
        var network = try MultilayerPerceptron(layerSizes: [4, 5, 3], activation: .tanh, seed: 31)
        // Start near the central values (output biases = their raw values), with a small
        // descriptor-driven spread, so the loss is smooth at this point.
        for (column, p) in s.networkParameters.enumerated() {
            let (lo, hi) = p.bounds
            let u = (SyntheticHBV.central[p]! - lo) / (hi - lo)
            network.weights[network.biasIndex(layer: 1, output: column)] = Double.log(u / (1 - u))
            for i in 0..<5 { network.weights[network.weightIndex(layer: 1, output: column, input: i)] *= 0.2 }
        }
        let forcing = SyntheticHBV.forcing(steps: steps, cells: cells)
        let model = SequentialReferenceModel<Double>()
        let w = SyntheticHBV.lossWeights(steps * cells)
        func problem(_ raw: [Double]) -> RunoffProblem<Double> {
            RunoffProblem(configuration: HBVConfiguration(components: 2), forcing: forcing,
                          parameters: s.expand(free: [], networkRaw: raw, as: Double.self))
        }
        func loss(_ net: MultilayerPerceptron) throws -> Double {
            let runoff = try model.forward(problem(try net.forward(x, cells: cells))).runoff
            return zip(runoff, w).reduce(0) { $0 + $1.0 * $1.1 }
        }

        let raw: [Double] = try network.forward(x, cells: cells)
        let (_, g) = try model.gradient(problem(raw), runoffAdjoint: w)
        let rawGradient = s.pullBack(g.parameters, free: [], networkRaw: raw).network
        let adjoint: PerceptronGradient<Double> = try network.backward(x, cells: cells, outputGradient: rawGradient)
        var differences = [Double](repeating: 0, count: network.weightCount)
        for k in differences.indices {
            var plus = network, minus = network
            let h = 1e-5
            plus.weights[k] += h
            minus.weights[k] -= h
            differences[k] = (try loss(plus) - loss(minus)) / (2 * h)
        }
        let error = maxRelativeError(adjoint.weights, differences, floor: 1e-3 * maxAbs(differences))
        #expect(error < 1e-6, "max relative error \(error)")
    }
}
