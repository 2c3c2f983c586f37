import HydroGPU
import Testing

@Suite struct PerceptronReferenceTests {
    /// 2 inputs -> 2 tanh -> 1 output, every number written out:
    /// W0 = [[0.5, -0.3], [0.8, 0.2]], b0 = [0.1, -0.1], W1 = [1.5, -2.0], b1 = 0.25, x = (2, 1).
    /// h1 = tanh(0.1 + 1.0 - 0.3) = tanh(0.8), h2 = tanh(-0.1 + 1.6 + 0.2) = tanh(1.7),
    /// y = 0.25 + 1.5 h1 - 2.0 h2 (values from Python's math.tanh).
    @Test func handComputedTinyNetwork() throws {
        let network = try MultilayerPerceptron(layerSizes: [2, 2, 1], activation: .tanh,
                                               weights: [0.5, -0.3, 0.8, 0.2, 0.1, -0.1, 1.5, -2.0, 0.25])
        #expect(network.weightIndex(layer: 0, output: 1, input: 0) == 2)
        #expect(network.biasIndex(layer: 0, output: 1) == 5)
        #expect(network.weightIndex(layer: 1, output: 0, input: 1) == 7)
        #expect(network.biasIndex(layer: 1, output: 0) == 8)
        let h1 = 0.6640367702678491, h2 = 0.935409070603099
        let y: [Double] = try network.forward([2, 1], cells: 1)
        #expect(abs(y[0] - -0.6247629858044241) < 1e-15, "\(y)")

        // dL/dy = 1: dW1 = h, db1 = 1, dh_j = W1_j (1 - h_j^2), dW0 = dh x^T, db0 = dh,
        // dx = W0^T dh.
        let dh1 = 1.5 * (1 - h1 * h1), dh2 = -2.0 * (1 - h2 * h2)
        let expected = [dh1 * 2, dh1 * 1, dh2 * 2, dh2 * 1, dh1, dh2, h1, h2, 1]
        let gradient: PerceptronGradient<Double> = try network.backward([2, 1], cells: 1, outputGradient: [1], inputGradient: true)
        #expect(maxRelativeError(gradient.weights, expected, floor: 1e-12) < 1e-14, "\(gradient.weights)")
        #expect(maxRelativeError(gradient.inputs!, [0.5 * dh1 + 0.8 * dh2, -0.3 * dh1 + 0.2 * dh2], floor: 1e-12) < 1e-14)
    }

    @Test func multiLinearMappingIsAnAffineMap() throws {
        // No hidden layer: y = W x + b with W row-major [outputs][inputs], then b.
        let network = try PerceptronTestData.network([3, 2], .tanh, seed: 3)
        let x = PerceptronTestData.uniform(3 * 4, seed: 4)
        let y: [Double] = try network.forward(x, cells: 4)
        let w = network.weights
        for cell in 0..<4 {
            for j in 0..<2 {
                let expected = w[6 + j] + (0..<3).reduce(0.0) { $0 + w[j * 3 + $1] * x[cell * 3 + $1] }
                #expect(abs(y[cell * 2 + j] - expected) < 1e-14)
            }
        }
    }

    @Test(arguments: [
        ([5, 7, 6, 3], HiddenActivation.tanh),
        ([5, 7, 6, 3], HiddenActivation.leakyReLU(slope: 0.1)),
        ([4, 9, 14], HiddenActivation.relu),
        ([4, 3], HiddenActivation.tanh),  // the multi-linear case
    ])
    func backwardMatchesCentralDifferencesForEveryWeight(sizes: [Int], activation: HiddenActivation) throws {
        let cells = 13
        let network = try PerceptronTestData.network(sizes, activation, seed: 11)
        let x = PerceptronTestData.uniform(cells * sizes[0], seed: 12)
        let g = PerceptronTestData.uniform(cells * sizes.last!, seed: 13)
        let adjoint: PerceptronGradient<Double> = try network.backward(x, cells: cells, outputGradient: g)
        var differences = [Double](repeating: 0, count: network.weightCount)
        for k in 0..<network.weightCount {
            let h = 1e-5
            var plus = network, minus = network
            plus.weights[k] += h
            minus.weights[k] -= h
            differences[k] = (try PerceptronTestData.linearLoss(plus, x, cells: cells, adjoint: g)
                - PerceptronTestData.linearLoss(minus, x, cells: cells, adjoint: g)) / (2 * h)
        }
        let error = maxRelativeError(adjoint.weights, differences, floor: 1e-3 * maxAbs(differences))
        #expect(error < 1e-6, "\(sizes) \(activation): max relative error \(error)")
    }

    @Test func inputGradientMatchesCentralDifferences() throws {
        let cells = 6, sizes = [4, 8, 8, 5]
        let network = try PerceptronTestData.network(sizes, .tanh, seed: 21)
        let x = PerceptronTestData.uniform(cells * 4, seed: 22)
        let g = PerceptronTestData.uniform(cells * 5, seed: 23)
        let adjoint: PerceptronGradient<Double> = try network.backward(x, cells: cells, outputGradient: g, inputGradient: true)
        var differences = [Double](repeating: 0, count: x.count)
        for k in x.indices {
            let h = 1e-5
            var plus = x, minus = x
            plus[k] += h
            minus[k] -= h
            differences[k] = (try PerceptronTestData.linearLoss(network, plus, cells: cells, adjoint: g)
                - PerceptronTestData.linearLoss(network, minus, cells: cells, adjoint: g)) / (2 * h)
        }
        #expect(maxRelativeError(adjoint.inputs!, differences, floor: 1e-3 * maxAbs(differences)) < 1e-6)
    }

    @Test func floatPassesFollowDouble() throws {
        let cells = 300, sizes = [6, 16, 16, 14]
        let network = try PerceptronTestData.network(sizes, .tanh, seed: 31)
        let x = PerceptronTestData.uniform(cells * 6, seed: 32)
        let g = PerceptronTestData.uniform(cells * 14, seed: 33)
        let xf = x.map { Float($0) }, gf = g.map { Float($0) }
        let reference: [Double] = try network.forward(xf.map(Double.init), cells: cells)
        let single: [Float] = try network.forward(xf, cells: cells)
        #expect(maxRelativeError(single, reference, floor: 0.1 * maxAbs(reference)) < 1e-5)
        let referenceGradient: PerceptronGradient<Double> = try network.backward(xf.map(Double.init), cells: cells, outputGradient: gf.map(Double.init))
        let singleGradient: PerceptronGradient<Float> = try network.backward(xf, cells: cells, outputGradient: gf)
        #expect(maxRelativeError(singleGradient.weights, referenceGradient.weights, floor: 1e-2 * maxAbs(referenceGradient.weights)) < 1e-4)
    }

    @Test func gradientOverManyBlocksIsRepeatableAndSumsPerCellGradients() throws {
        // 700 cells span three reference blocks (256 cells each); the two-stage sum must
        // repeat bit for bit and equal the sum of single-cell gradients.
        let cells = 700, sizes = [3, 5, 2]
        let network = try PerceptronTestData.network(sizes, .tanh, seed: 41)
        let x = PerceptronTestData.uniform(cells * 3, seed: 42)
        let g = PerceptronTestData.uniform(cells * 2, seed: 43)
        let first: PerceptronGradient<Double> = try network.backward(x, cells: cells, outputGradient: g)
        let second: PerceptronGradient<Double> = try network.backward(x, cells: cells, outputGradient: g)
        #expect(first.weights == second.weights)
        var summed = [Double](repeating: 0, count: network.weightCount)
        for cell in 0..<cells {
            let one: PerceptronGradient<Double> = try network.backward(Array(x[cell * 3..<cell * 3 + 3]), cells: 1, outputGradient: Array(g[cell * 2..<cell * 2 + 2]))
            for k in summed.indices { summed[k] += one.weights[k] }
        }
        #expect(maxRelativeError(first.weights, summed, floor: 1e-6 * maxAbs(summed)) < 1e-12)
    }

    @Test func seededInitialisationIsReproducibleAndGlorotBounded() throws {
        let sizes = [20, 64, 64, 14]
        let a = try MultilayerPerceptron(layerSizes: sizes, activation: .relu, seed: 2024)
        let b = try MultilayerPerceptron(layerSizes: sizes, activation: .relu, seed: 2024)
        let c = try MultilayerPerceptron(layerSizes: sizes, activation: .relu, seed: 2025)
        #expect(a.weights == b.weights)
        #expect(a.weights != c.weights)
        #expect(a.weightCount == 20 * 64 + 64 + 64 * 64 + 64 + 64 * 14 + 14)
        for l in 0..<a.layerCount {
            let n = sizes[l], m = sizes[l + 1]
            let limit = (6 / Double(n + m)).squareRoot()
            let matrix = (0..<(m * n)).map { a.weights[a.layerOffset(l) + $0] }
            #expect(matrix.allSatisfy { abs($0) <= limit })
            #expect((0..<m).allSatisfy { a.weights[a.biasIndex(layer: l, output: $0)] == 0 })
            // Variance of U(-a, a) is a^2 / 3 = 2 / (n + m) (Glorot's target).
            let variance = matrix.reduce(0) { $0 + $1 * $1 } / Double(matrix.count)
            #expect(abs(variance / (2 / Double(n + m)) - 1) < 0.15, "layer \(l): variance \(variance)")
        }
    }

    @Test func malformedNetworksAndBatchesAreErrors() throws {
        #expect(throws: PerceptronError.self) { try MultilayerPerceptron(layerSizes: [4], seed: 1) }
        #expect(throws: PerceptronError.self) { try MultilayerPerceptron(layerSizes: [4, 0, 2], seed: 1) }
        #expect(throws: PerceptronError.self) { try MultilayerPerceptron(layerSizes: [2, 1], weights: [1, 2]) }
        #expect(throws: PerceptronError.self) { try MultilayerPerceptron(layerSizes: [2, 1], activation: .leakyReLU(slope: 0), seed: 1) }
        var network = try MultilayerPerceptron(layerSizes: [3, 4, 2], seed: 1)
        let error = #expect(throws: PerceptronError.self) { let _: [Double] = try network.forward([1, 2, 3, 4], cells: 2) }
        #expect(error?.description.contains("2 cells x 3 needs 6") == true)
        #expect(throws: PerceptronError.self) {
            let _: PerceptronGradient<Double> = try network.backward([1, 2, 3], cells: 1, outputGradient: [1])
        }
        network.weights.removeLast()
        #expect(throws: PerceptronError.self) { let _: [Double] = try network.forward([1, 2, 3], cells: 1) }
    }
}
