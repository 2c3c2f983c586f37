import DeviceTensor
import Kernels

/// The regionalisation network on an OpenCL device (kernels/mlp.cl).
///
/// Device-resident: the weights and the weight gradient live in `DeviceBuffer`s, and
/// `forward`/`backward` read descriptors and write outputs in buffers the caller owns, so a
/// training iteration moves nothing to the host. The array methods are conveniences for tests
/// and small runs. `Real` is `Float`, or `Double` on devices with `cl_khr_fp64`.
///
/// The weight gradient is reduced without atomics in two stages with a fixed order (see
/// kernels/mlp.cl), so the same inputs give bit-identical gradients on the same device.
/// Not `Sendable`: kernel objects are not thread-safe.
public final class OpenCLPerceptron<Real: DeviceScalar & BinaryFloatingPoint & Sendable> {
    public let device: ComputeDevice
    public let layerSizes: [Int]
    public let activation: HiddenActivation
    /// The weight vector (layout of `MultilayerPerceptron`).
    public let weights: DeviceBuffer<Real>
    /// dL/d(weights) from the last `backward`.
    public let weightGradient: DeviceBuffer<Real>
    /// Cells per work-group of the backward pass (one tile).
    public let workGroupSize: Int
    /// Most work-groups a backward pass launches (rows of the partial-sums table).
    public let maxWorkGroups: Int

    public var inputCount: Int { layerSizes[0] }
    public var outputCount: Int { layerSizes[layerSizes.count - 1] }
    public var weightCount: Int { weights.count }

    private let geometry: PerceptronGeometry
    private let sizes: DeviceBuffer<UInt32>
    private let partials: DeviceBuffer<Real>
    private let noInputGradient: DeviceBuffer<Real>
    private let forwardKernel: DeviceKernel
    private let partialKernel: DeviceKernel
    private let sumKernel: DeviceKernel

    /// Uploads `network` to `device`. `workGroupSize` (default 64, reduced to what the
    /// device's work-group and local-memory limits allow) and `maxWorkGroups` (default four per
    /// compute unit) fix the reduction order; the same values give the same sums.
    public init(device: ComputeDevice, network: MultilayerPerceptron, workGroupSize: Int? = nil, maxWorkGroups: Int? = nil) throws {
        guard Real.self == Float.self || Real.self == Double.self else {
            throw PerceptronError("OpenCLPerceptron runs in Float or Double, not \(Real.self)")
        }
        try network.checkWeights()
        self.device = device
        layerSizes = network.layerSizes
        activation = network.activation
        geometry = PerceptronGeometry(network.layerSizes)
        let bytesPerCell = 2 * geometry.totalUnits * MemoryLayout<Real>.stride
        let localLimit = max(1, Int(device.info.localMemoryBytes) / bytesPerCell)
        let size = min(workGroupSize ?? 64, device.info.maxWorkGroupSize, localLimit)
        guard size >= 1 else { throw PerceptronError("work-group size must be at least 1") }
        self.workGroupSize = size
        self.maxWorkGroups = max(1, maxWorkGroups ?? 4 * device.info.computeUnits)

        weights = try DeviceBuffer(device: device, values: network.weights.map { Real($0) })
        weightGradient = try DeviceBuffer(device: device, shape: [network.weightCount])
        sizes = try DeviceBuffer(device: device, values: network.layerSizes.map { UInt32($0) })
        partials = try DeviceBuffer(device: device, shape: [self.maxWorkGroups, network.weightCount])
        noInputGradient = try DeviceBuffer(device: device, shape: [1])

        var options = "-DMLP_MAX_WIDTH=\(network.layerSizes.max()!)"
        if Real.self == Double.self { options += " -DHYDRO_REAL=double" }
        let program = try device.program(source: KernelSources.source(of: .mlp), options: options)
        forwardKernel = try program.kernel("mlp_forward")
        partialKernel = try program.kernel("mlp_backward_partial")
        sumKernel = try program.kernel("mlp_sum_partials")
    }

    /// Replaces the device weights (after an optimiser step on the host vector).
    public func setWeights(_ values: [Double]) throws {
        guard values.count == weightCount else { throw PerceptronError("weight vector has \(values.count) values, the network \(weightCount)") }
        try weights.upload(values.map { Real($0) })
    }

    /// Raw outputs `[cells][outputs]` into `outputs` from `inputs` `[cells][inputs]`.
    public func forward(inputs: DeviceBuffer<Real>, outputs: DeviceBuffer<Real>, cells: Int) throws {
        try check(inputs, cells * inputCount, "input batch")
        try check(outputs, cells * outputCount, "output buffer")
        guard cells > 0 else { return }
        try forwardKernel.launch(global: [cells], local: nil, MLPForward(
            cells: UInt32(cells), layers: UInt32(layerSizes.count - 1), sizes: sizes, weights: weights,
            inputs: inputs, outputs: outputs, activation: activation.kernelCode, slope: Real(activation.slope)))
    }

    /// dL/d(weights) into `weightGradient` from dL/d(outputs) `outputGradient`
    /// `[cells][outputs]`; with `inputGradient`, also dL/d(inputs) `[cells][inputs]` there.
    public func backward(inputs: DeviceBuffer<Real>, outputGradient: DeviceBuffer<Real>, cells: Int, inputGradient: DeviceBuffer<Real>? = nil) throws {
        try check(inputs, cells * inputCount, "input batch")
        try check(outputGradient, cells * outputCount, "output gradient")
        if let inputGradient { try check(inputGradient, cells * inputCount, "input gradient buffer") }
        guard cells > 0 else {
            try weightGradient.fill(0)
            return
        }
        let tiles = (cells + workGroupSize - 1) / workGroupSize
        // At most one group per tile: each group's first tile initialises its partials row.
        let groups = min(tiles, maxWorkGroups)
        let localBytes = workGroupSize * 2 * geometry.totalUnits * MemoryLayout<Real>.stride
        try partialKernel.launch(global: [groups * workGroupSize], local: [workGroupSize], MLPBackwardPartial(
            cells: UInt32(cells), layers: UInt32(layerSizes.count - 1), sizes: sizes, totalUnits: UInt32(geometry.totalUnits),
            weightCount: UInt32(weightCount), weights: weights, inputs: inputs, outputGradient: outputGradient, partials: partials,
            inputGradient: inputGradient ?? noInputGradient, writeInputGradient: inputGradient == nil ? 0 : 1,
            activation: activation.kernelCode, slope: Real(activation.slope), scratch: LocalMemory(bytes: localBytes)))
        try sumKernel.launch(global: [weightCount], local: nil, MLPSumPartials(
            groups: UInt32(groups), weightCount: UInt32(weightCount), partials: partials, gradient: weightGradient))
    }

    /// Host-array convenience: uploads `inputs`, runs `forward`, downloads the outputs.
    public func forward(_ inputs: [Real], cells: Int) throws -> [Real] {
        guard cells > 0 else { return [] }
        let inputBuffer = try DeviceBuffer(device: device, values: inputs)
        let outputBuffer = try DeviceBuffer<Real>(device: device, shape: [cells, outputCount])
        try forward(inputs: inputBuffer, outputs: outputBuffer, cells: cells)
        return try outputBuffer.download()
    }

    /// Host-array convenience for `backward`: returns dL/d(weights) and, when asked,
    /// dL/d(inputs).
    public func backward(_ inputs: [Real], cells: Int, outputGradient: [Real], inputGradient: Bool = false) throws -> PerceptronGradient<Real> {
        guard cells > 0 else { return PerceptronGradient(weights: [Real](repeating: 0, count: weightCount), inputs: inputGradient ? [] : nil) }
        let inputBuffer = try DeviceBuffer(device: device, values: inputs)
        let gradientBuffer = try DeviceBuffer(device: device, values: outputGradient)
        let inputGradientBuffer: DeviceBuffer<Real>? = try inputGradient ? DeviceBuffer(device: device, shape: [cells, inputCount]) : nil
        try backward(inputs: inputBuffer, outputGradient: gradientBuffer, cells: cells, inputGradient: inputGradientBuffer)
        return PerceptronGradient(weights: try weightGradient.download(), inputs: try inputGradientBuffer?.download())
    }

    private func check(_ buffer: DeviceBuffer<Real>, _ needed: Int, _ what: String) throws {
        guard buffer.count >= needed else {
            throw PerceptronError("\(what) holds \(buffer.count) values; the batch needs \(needed)")
        }
    }
}
