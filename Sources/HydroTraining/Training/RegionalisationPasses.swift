import DeviceTensor
import Foundation
import HydroRegionalisation

/// Runs the regionalisation network's forward and backward passes for a calibration, on the
/// backend the runoff model runs on: the reference `MultilayerPerceptron` in Double, or the
/// hand-written OpenCL kernels (`OpenCLPerceptron`, Float) on the runoff model's device.
///
/// On OpenCL the normalised descriptors are uploaded once (they never change while training);
/// each evaluation uploads the weights, runs the forward kernel, and later the backward
/// kernels, whose two-stage reduction over cells has a fixed order, so training still repeats
/// bit for bit. Shared by an objective's copies, like its `RunoffSessionCache`.
final class RegionalisationPasses: @unchecked Sendable {
    private let lock = NSLock()
    private let device: ComputeDevice?
    private var resident: (perceptron: OpenCLPerceptron<Float>, inputs: DeviceBuffer<Float>, cells: Int)?

    init(backend: RunoffBackend) {
        switch backend {
        case .reference: device = nil
        case .openCL(let model): device = model.device
        }
    }

    /// Where the passes run, for messages.
    var name: String { device.map { "OpenCL \($0.info.name)" } ?? "reference" }

    /// Raw network outputs `[cells][outputs]` for normalised descriptors `inputs` `[cells][descriptors]`.
    func forward(_ network: MultilayerPerceptron, inputs: [Double], cells: Int) throws -> [Double] {
        guard device != nil else { return try network.forward(inputs, cells: cells) }
        lock.lock()
        defer { lock.unlock() }
        let r = try residentPerceptron(network, inputs: inputs, cells: cells)
        let outputs = try DeviceBuffer<Float>(device: r.perceptron.device, shape: [cells, r.perceptron.outputCount])
        try r.perceptron.forward(inputs: r.inputs, outputs: outputs, cells: cells)
        return try outputs.download().map(Double.init)
    }

    /// dL/d(weights) for dL/d(raw outputs) `outputGradient` `[cells][outputs]`.
    func weightGradient(_ network: MultilayerPerceptron, inputs: [Double], cells: Int, outputGradient: [Double]) throws -> [Double] {
        guard device != nil else { return try network.backward(inputs, cells: cells, outputGradient: outputGradient).weights }
        lock.lock()
        defer { lock.unlock() }
        let r = try residentPerceptron(network, inputs: inputs, cells: cells)
        let seed = try DeviceBuffer(device: r.perceptron.device, values: outputGradient.map(Float.init))
        try r.perceptron.backward(inputs: r.inputs, outputGradient: seed, cells: cells)
        return try r.perceptron.weightGradient.download().map(Double.init)
    }

    /// The device perceptron with `network`'s weights, made (and the inputs uploaded) on first use.
    private func residentPerceptron(_ network: MultilayerPerceptron, inputs: [Double], cells: Int) throws
        -> (perceptron: OpenCLPerceptron<Float>, inputs: DeviceBuffer<Float>, cells: Int) {
        if let r = resident, r.cells == cells, r.perceptron.layerSizes == network.layerSizes {
            try r.perceptron.setWeights(network.weights)
            return r
        }
        let perceptron = try OpenCLPerceptron<Float>(device: device!, network: network)
        let r = (perceptron, try DeviceBuffer(device: device!, values: inputs.map(Float.init)), cells)
        resident = r
        return r
    }
}
