import DeviceTensor
import HydroGPU
import Kernels
import Testing
import TestSupport

@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct PerceptronOpenCLTests {
    let device = TestDevice.shared!

    struct Batch {
        var network: MultilayerPerceptron
        var cells: Int
        var inputs: [Float]
        var adjoint: [Float]
    }

    func batch(_ sizes: [Int], _ activation: HiddenActivation, cells: Int, seed: UInt64) throws -> Batch {
        Batch(network: try PerceptronTestData.network(sizes, activation, seed: seed), cells: cells,
              inputs: PerceptronTestData.uniform(cells * sizes[0], seed: seed + 10).map { Float($0) },
              adjoint: PerceptronTestData.uniform(cells * sizes.last!, seed: seed + 20).map { Float($0) })
    }

    @Test(arguments: [
        ([6, 16, 16, 14], HiddenActivation.tanh),
        ([6, 16, 16, 14], HiddenActivation.leakyReLU(slope: 0.01)),
        ([5, 32, 3], HiddenActivation.relu),
        ([7, 14], HiddenActivation.tanh),  // multi-linear
    ])
    func floatKernelsFollowTheDoubleReference(sizes: [Int], activation: HiddenActivation) throws {
        // 1000 cells: not a multiple of the work-group size (64), more tiles than groups.
        let b = try batch(sizes, activation, cells: 1000, seed: 50)
        let gpu = try OpenCLPerceptron<Float>(device: device, network: b.network, workGroupSize: 64, maxWorkGroups: 5)
        let outputs = try gpu.forward(b.inputs, cells: b.cells)
        let reference: [Double] = try b.network.forward(b.inputs.map(Double.init), cells: b.cells)
        // Relative per component above a noise floor of 10 % of the largest output: a Float
        // dot product of n terms of size ~1 carries ~sqrt(n) * 6e-8 absolute error, so an
        // output near zero (cancellation) has no meaningful relative error in Float.
        let forwardError = maxRelativeError(outputs, reference, floor: 0.1 * maxAbs(reference))
        #expect(forwardError < 1e-5, "forward \(sizes) \(activation): \(forwardError)")

        let gradient = try gpu.backward(b.inputs, cells: b.cells, outputGradient: b.adjoint, inputGradient: true)
        let expected: PerceptronGradient<Double> = try b.network.backward(b.inputs.map(Double.init), cells: b.cells, outputGradient: b.adjoint.map(Double.init), inputGradient: true)
        let weightError = maxRelativeError(gradient.weights, expected.weights, floor: 1e-2 * maxAbs(expected.weights))
        #expect(weightError < 1e-4, "weights \(sizes) \(activation): \(weightError)")
        let inputError = maxRelativeError(gradient.inputs!, expected.inputs!, floor: 1e-2 * maxAbs(expected.inputs!))
        #expect(inputError < 1e-4, "inputs \(sizes) \(activation): \(inputError)")
    }

    @Test(.enabled(if: TestDevice.shared?.info.supportsFloat64 == true, "needs cl_khr_fp64"))
    func doubleKernelsMatchTheReferenceClosely() throws {
        let network = try PerceptronTestData.network([4, 12, 9, 5], .tanh, seed: 60)
        let cells = 333
        let x = PerceptronTestData.uniform(cells * 4, seed: 61), g = PerceptronTestData.uniform(cells * 5, seed: 62)
        let gpu = try OpenCLPerceptron<Double>(device: device, network: network, workGroupSize: 32)
        let reference: [Double] = try network.forward(x, cells: cells)
        #expect(maxRelativeError(try gpu.forward(x, cells: cells), reference, floor: 0.1 * maxAbs(reference)) < 1e-12)
        let expected: PerceptronGradient<Double> = try network.backward(x, cells: cells, outputGradient: g)
        let got = try gpu.backward(x, cells: cells, outputGradient: g)
        #expect(maxRelativeError(got.weights, expected.weights, floor: 1e-2 * maxAbs(expected.weights)) < 1e-12)
    }

    @Test(arguments: [(1000, 64, 3), (1000, 64, 1000), (37, 16, 4), (64, 64, 8), (1, 64, 8)])
    func reductionRepeatsBitForBit(cells: Int, groupSize: Int, maxGroups: Int) throws {
        let b = try batch([6, 16, 16, 14], .tanh, cells: cells, seed: 70)
        let gpu = try OpenCLPerceptron<Float>(device: device, network: b.network, workGroupSize: groupSize, maxWorkGroups: maxGroups)
        let first = try gpu.backward(b.inputs, cells: cells, outputGradient: b.adjoint).weights
        for _ in 0..<3 {
            let again = try gpu.backward(b.inputs, cells: cells, outputGradient: b.adjoint).weights
            #expect(again.map(\.bitPattern) == first.map(\.bitPattern))
        }
        // A second network object (fresh buffers, same options) gives the same bits too.
        let other = try OpenCLPerceptron<Float>(device: device, network: b.network, workGroupSize: groupSize, maxWorkGroups: maxGroups)
        #expect(try other.backward(b.inputs, cells: cells, outputGradient: b.adjoint).weights.map(\.bitPattern) == first.map(\.bitPattern))
        let expected: PerceptronGradient<Double> = try b.network.backward(b.inputs.map(Double.init), cells: cells, outputGradient: b.adjoint.map(Double.init))
        #expect(maxRelativeError(first, expected.weights, floor: 1e-2 * maxAbs(expected.weights)) < 1e-4)
    }

    @Test func deviceResidentForwardThenBackward() throws {
        // The training path: descriptors, outputs and adjoints stay in device buffers.
        let b = try batch([5, 8, 8, 4], .tanh, cells: 200, seed: 80)
        let gpu = try OpenCLPerceptron<Float>(device: device, network: b.network)
        let inputs = try DeviceBuffer(device: device, values: b.inputs, shape: [b.cells, 5])
        let outputs = try DeviceBuffer<Float>(device: device, shape: [b.cells, 4])
        try gpu.forward(inputs: inputs, outputs: outputs, cells: b.cells)
        // dL/dy = y, i.e. L = sum y^2 / 2, formed on the device side by a copy.
        let adjoint = try DeviceBuffer<Float>(device: device, shape: [b.cells, 4])
        try adjoint.copy(from: outputs)
        try gpu.backward(inputs: inputs, outputGradient: adjoint, cells: b.cells)
        let y: [Double] = try b.network.forward(b.inputs.map(Double.init), cells: b.cells)
        let expected: PerceptronGradient<Double> = try b.network.backward(b.inputs.map(Double.init), cells: b.cells, outputGradient: y)
        let got = try gpu.weightGradient.download()
        #expect(maxRelativeError(got, expected.weights, floor: 1e-2 * maxAbs(expected.weights)) < 1e-4)

        // New weights (an optimiser step on the host vector) reach the device.
        var stepped = b.network
        for k in stepped.weights.indices { stepped.weights[k] *= 0.5 }
        try gpu.setWeights(stepped.weights)
        try gpu.forward(inputs: inputs, outputs: outputs, cells: b.cells)
        let reference: [Double] = try stepped.forward(b.inputs.map(Double.init), cells: b.cells)
        #expect(maxRelativeError(try outputs.download(), reference, floor: 0.1 * maxAbs(reference)) < 1e-5)
    }

    @Test func shortBuffersAreErrors() throws {
        let network = try MultilayerPerceptron(layerSizes: [3, 4, 2], seed: 1)
        let gpu = try OpenCLPerceptron<Float>(device: device, network: network)
        let inputs = try DeviceBuffer<Float>(device: device, shape: [10, 3])
        let outputs = try DeviceBuffer<Float>(device: device, shape: [9, 2])
        #expect(throws: PerceptronError.self) { try gpu.forward(inputs: inputs, outputs: outputs, cells: 10) }
        #expect(throws: PerceptronError.self) { try gpu.setWeights([1, 2]) }
    }
}
