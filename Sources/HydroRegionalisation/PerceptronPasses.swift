import Dispatch
import HydroModel

// The reference forward and backward passes, generic over Float and Double.
//
// Cells are processed in fixed blocks of `cellsPerBlock`, in parallel; each block sums its
// cells' weight gradients in cell order into its own row of a partial-sums table, and the
// rows are added in block order. The result does not depend on the number of threads, so a
// training run repeats bit for bit. kernels/mlp.cl reduces in the same two stages.

extension MultilayerPerceptron {
    /// Cells per block of the reference passes (fixed, so sums do not depend on threading).
    static let cellsPerBlock = 256

    /// Raw outputs `[cells][outputs]` for descriptors `inputs` `[cells][inputs]`.
    // Specialised for the two reference types: unspecialised generic arithmetic through
    // witness tables was ~10x slower.
    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    public func forward<Real: Real_>(_ inputs: [Real], cells: Int) throws(PerceptronError) -> [Real] {
        try checkWeights()
        try checkBatch(inputs.count, cells: cells, width: inputCount, "input batch")
        var outputs = [Real](repeating: 0, count: cells * outputCount)
        guard cells > 0 else { return outputs }
        let geometry = PerceptronGeometry(layerSizes)
        let w = weights.map { Real($0) }
        let activation = self.activation
        let outputCount = self.outputCount, inputCount = self.inputCount
        w.withUnsafeBufferPointer { w in
            inputs.withUnsafeBufferPointer { x in
                outputs.withUnsafeMutableBufferPointer { y in
                    let shared = CellBlockPointers(weights: w.baseAddress!, inputs: x.baseAddress!, outputs: y.baseAddress!)
                    let blocks = (cells + Self.cellsPerBlock - 1) / Self.cellsPerBlock
                    DispatchQueue.concurrentPerform(iterations: blocks) { block in
                        var units = [Real](repeating: 0, count: geometry.totalUnits)
                        units.withUnsafeMutableBufferPointer { a in
                            for cell in (block * Self.cellsPerBlock)..<min(cells, (block + 1) * Self.cellsPerBlock) {
                                geometry.forwardCell(weights: shared.weights, input: shared.inputs + cell * inputCount, activations: a.baseAddress!, activation: activation)
                                (shared.outputs + cell * outputCount).update(from: a.baseAddress! + geometry.unitOffsets[geometry.layers], count: outputCount)
                            }
                        }
                    }
                }
            }
        }
        return outputs
    }

    /// dL/d(weights) (and dL/d(inputs) when `inputGradient`) from dL/d(outputs)
    /// `outputGradient` `[cells][outputs]`. The forward pass is recomputed per cell, so
    /// nothing from an earlier `forward` call is needed.
    @_specialize(where Real == Float)
    @_specialize(where Real == Double)
    public func backward<Real: Real_>(_ inputs: [Real], cells: Int, outputGradient: [Real], inputGradient: Bool = false) throws(PerceptronError) -> PerceptronGradient<Real> {
        try checkWeights()
        try checkBatch(inputs.count, cells: cells, width: inputCount, "input batch")
        try checkBatch(outputGradient.count, cells: cells, width: outputCount, "output gradient")
        let geometry = PerceptronGeometry(layerSizes)
        let weightCount = self.weightCount, inputCount = self.inputCount, outputCount = self.outputCount
        let activation = self.activation
        guard cells > 0 else {
            return PerceptronGradient(weights: [Real](repeating: 0, count: weightCount), inputs: inputGradient ? [] : nil)
        }
        let blocks = (cells + Self.cellsPerBlock - 1) / Self.cellsPerBlock
        var partials = [Real](repeating: 0, count: blocks * weightCount)
        var inputGradients = [Real](repeating: 0, count: inputGradient ? cells * inputCount : 0)
        let w = weights.map { Real($0) }
        w.withUnsafeBufferPointer { w in
            inputs.withUnsafeBufferPointer { x in
                outputGradient.withUnsafeBufferPointer { dy in
                    partials.withUnsafeMutableBufferPointer { partial in
                        inputGradients.withUnsafeMutableBufferPointer { dx in
                            let shared = CellBlockPointers(weights: w.baseAddress!, inputs: x.baseAddress!, outputs: partial.baseAddress!)
                            let outputGradients = UnsafeSendableBase(dy.baseAddress!)
                            // An empty array may still have a base address: go by the flag, not by nil.
                            let inputGradientBase = UnsafeSendableBase(inputGradient ? dx.baseAddress : nil)
                            DispatchQueue.concurrentPerform(iterations: blocks) { block in
                                var scratch = [Real](repeating: 0, count: 2 * geometry.totalUnits)
                                scratch.withUnsafeMutableBufferPointer { s in
                                    let a = s.baseAddress!, delta = a + geometry.totalUnits
                                    let gradient = shared.outputs + block * weightCount
                                    for cell in (block * Self.cellsPerBlock)..<min(cells, (block + 1) * Self.cellsPerBlock) {
                                        geometry.forwardCell(weights: shared.weights, input: shared.inputs + cell * inputCount, activations: a, activation: activation)
                                        (delta + geometry.unitOffsets[geometry.layers]).update(from: outputGradients.pointer! + cell * outputCount, count: outputCount)
                                        geometry.backwardCell(weights: shared.weights, activations: a, deltas: delta, gradient: gradient,
                                                              activation: activation, needsInputDelta: inputGradientBase.pointer != nil)
                                        if let dx = inputGradientBase.pointer {
                                            (dx + cell * inputCount).update(from: delta, count: inputCount)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Block rows in block order: the second, deterministic stage of the reduction.
        var total = [Real](repeating: 0, count: weightCount)
        for block in 0..<blocks {
            for k in 0..<weightCount { total[k] += partials[block * weightCount + k] }
        }
        return PerceptronGradient(weights: total, inputs: inputGradient ? inputGradients : nil)
    }
}

/// Unit offsets of a network: layer `k`'s activations (k = 0 the inputs, `layers` the
/// outputs) start at `unitOffsets[k]` in a per-cell array of `totalUnits` values.
struct PerceptronGeometry: Sendable {
    let sizes: [Int]
    let layers: Int
    let unitOffsets: [Int]
    let weightOffsets: [Int]
    let totalUnits: Int

    init(_ sizes: [Int]) {
        self.sizes = sizes
        layers = sizes.count - 1
        var units = [0], weightOffsets = [0]
        for l in 0..<layers {
            units.append(units[l] + sizes[l])
            weightOffsets.append(weightOffsets[l] + sizes[l + 1] * (sizes[l] + 1))
        }
        unitOffsets = units
        self.weightOffsets = weightOffsets
        totalUnits = units[layers] + sizes[layers]
    }

    /// Fills `activations` (all layers) for one cell: z = b_j + sum_i W_ji a_i, summed in
    /// input order; hidden units apply the activation, outputs stay z.
    func forwardCell<Real: Real_>(weights: UnsafePointer<Real>, input: UnsafePointer<Real>, activations a: UnsafeMutablePointer<Real>, activation: HiddenActivation) {
        a.update(from: input, count: sizes[0])
        for l in 0..<layers {
            let n = sizes[l], m = sizes[l + 1]
            let matrix = weights + weightOffsets[l], bias = matrix + m * n
            let inputs = a + unitOffsets[l], outputs = a + unitOffsets[l + 1]
            let hidden = l < layers - 1
            for j in 0..<m {
                var z = bias[j]
                let row = matrix + j * n
                for i in 0..<n { z += row[i] * inputs[i] }
                outputs[j] = hidden ? activation.value(z) : z
            }
        }
    }

    /// Given the output deltas in `deltas` (at the output layer's offset), propagates them
    /// back through every layer, adding this cell's dL/dW and dL/db to `gradient`. The input
    /// layer's deltas (dL/d(inputs)) are formed only when `needsInputDelta`.
    func backwardCell<Real: Real_>(weights: UnsafePointer<Real>, activations a: UnsafePointer<Real>, deltas: UnsafeMutablePointer<Real>, gradient: UnsafeMutablePointer<Real>, activation: HiddenActivation, needsInputDelta: Bool) {
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let n = sizes[l], m = sizes[l + 1]
            let matrix = weights + weightOffsets[l]
            let gMatrix = gradient + weightOffsets[l], gBias = gMatrix + m * n
            let inputs = a + unitOffsets[l]
            let outputDelta = deltas + unitOffsets[l + 1], inputDelta = deltas + unitOffsets[l]
            for j in 0..<m {
                let d = outputDelta[j]
                let row = gMatrix + j * n
                for i in 0..<n { row[i] += d * inputs[i] }
                gBias[j] += d
            }
            guard l > 0 || needsInputDelta else { continue }
            for i in 0..<n {
                var s: Real = 0
                for j in 0..<m { s += matrix[j * n + i] * outputDelta[j] }
                inputDelta[i] = l > 0 ? s * activation.derivative(output: inputs[i]) : s
            }
        }
    }
}

/// Base pointers that cross into `concurrentPerform`'s `@Sendable` closure. Each block
/// writes only its own cells' rows (or its own partial-sums row), so sharing is race-free.
private struct CellBlockPointers<Real>: @unchecked Sendable {
    let weights: UnsafePointer<Real>
    let inputs: UnsafePointer<Real>
    let outputs: UnsafeMutablePointer<Real>
}

private struct UnsafeSendableBase<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>?
    init(_ pointer: UnsafeMutablePointer<Pointee>?) { self.pointer = pointer }
    init(_ pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}
