/// The regionalisation network: a fully connected multilayer perceptron that maps each cell's
/// normalised descriptors to raw HBV parameters (MODEL.md 5).
///
/// `layerSizes` is `[inputs, hidden..., outputs]`; `[inputs, outputs]` (no hidden layer) is the
/// multi-linear mapping. Hidden layers use `activation`; the output layer is the identity,
/// since its values are raw parameters that `ParameterTransform` maps into bounds.
///
/// ## Weight layout
/// One flat `[Double]`, layer after layer (layer `l` maps `n = layerSizes[l]` inputs to
/// `m = layerSizes[l + 1]` outputs). Each layer stores its weight matrix row-major
/// `[m][n]` (row = output unit) followed by its `m` biases: PyTorch `nn.Linear` order, so a
/// `state_dict` flattened layer by layer reads in directly. `weightIndex(layer:output:input:)`
/// and `biasIndex(layer:output:)` give positions. The optimisers in Training/ update the
/// vector in place; gradients come back in the same layout.
///
/// The batch is `[cells][inputs]`, cell-major, and outputs are `[cells][outputs]` (the
/// `networkRaw` layout of `ParameterSpace`). Nothing is catchment-specific: several
/// catchments train one network by concatenating their cells.
public struct MultilayerPerceptron: Sendable, Codable, Equatable {
    public let layerSizes: [Int]
    public let activation: HiddenActivation
    /// All weights and biases in the layout above. Its length must stay
    /// `weightCount(layerSizes:)`; the passes check it.
    public var weights: [Double]

    /// A network with given weights.
    public init(layerSizes: [Int], activation: HiddenActivation = .tanh, weights: [Double]) throws(PerceptronError) {
        try Self.validate(layerSizes, activation)
        let count = Self.weightCount(layerSizes: layerSizes)
        guard weights.count == count else {
            throw PerceptronError("layer sizes \(layerSizes) need \(count) weights, got \(weights.count)")
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite }) {
            throw PerceptronError("weight \(bad) is \(weights[bad])")
        }
        self.layerSizes = layerSizes
        self.activation = activation
        self.weights = weights
    }

    /// A network with Xavier/Glorot-uniform weights, `U(-a, a)` with `a = sqrt(6 / (n + m))`
    /// per layer, and zero biases, drawn from `SeededGenerator(seed:)` in weight-vector order.
    /// The same seed gives the same weights on every platform and run.
    ///
    /// Zero output biases mean every raw parameter starts at 0 plus a small descriptor-driven
    /// spread, i.e. physical values near the middle of their bounds.
    public init(layerSizes: [Int], activation: HiddenActivation = .tanh, seed: UInt64) throws(PerceptronError) {
        try Self.validate(layerSizes, activation)
        var generator = SeededGenerator(seed: seed)
        var weights: [Double] = []
        weights.reserveCapacity(Self.weightCount(layerSizes: layerSizes))
        for l in 0..<(layerSizes.count - 1) {
            let n = layerSizes[l], m = layerSizes[l + 1]
            let limit = (6 / Double(n + m)).squareRoot()
            for _ in 0..<(m * n) { weights.append(generator.uniform(-limit, limit)) }
            weights.append(contentsOf: repeatElement(0, count: m))
        }
        self.layerSizes = layerSizes
        self.activation = activation
        self.weights = weights
    }

    /// Weights and biases of a network with `layerSizes`.
    public static func weightCount(layerSizes: [Int]) -> Int {
        zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.1 * ($1.0 + 1) }
    }

    public var inputCount: Int { layerSizes[0] }
    public var outputCount: Int { layerSizes[layerSizes.count - 1] }
    /// Number of affine layers (hidden layers + 1).
    public var layerCount: Int { layerSizes.count - 1 }
    public var weightCount: Int { Self.weightCount(layerSizes: layerSizes) }

    /// Offset of layer `layer`'s block (matrix then biases) in the weight vector.
    public func layerOffset(_ layer: Int) -> Int {
        Self.weightCount(layerSizes: Array(layerSizes[0...layer]))
    }

    /// Position of the weight from input unit `input` to output unit `output` of `layer`.
    public func weightIndex(layer: Int, output: Int, input: Int) -> Int {
        layerOffset(layer) + output * layerSizes[layer] + input
    }

    /// Position of the bias of output unit `output` of `layer`.
    public func biasIndex(layer: Int, output: Int) -> Int {
        layerOffset(layer) + layerSizes[layer + 1] * layerSizes[layer] + output
    }

    private static func validate(_ layerSizes: [Int], _ activation: HiddenActivation) throws(PerceptronError) {
        guard layerSizes.count >= 2 else {
            throw PerceptronError("layer sizes \(layerSizes) need at least an input and an output size")
        }
        if let bad = layerSizes.firstIndex(where: { $0 < 1 }) {
            throw PerceptronError("layer \(bad) has size \(layerSizes[bad]); every layer needs at least one unit")
        }
        if case .leakyReLU(let slope) = activation, !(slope > 0 && slope.isFinite) {
            throw PerceptronError("leaky ReLU slope must be positive and finite, got \(slope)")
        }
    }

    func checkWeights() throws(PerceptronError) {
        guard weights.count == weightCount else {
            throw PerceptronError("layer sizes \(layerSizes) need \(weightCount) weights, the vector has \(weights.count)")
        }
    }

    func checkBatch(_ count: Int, cells: Int, width: Int, _ what: String) throws(PerceptronError) {
        guard cells >= 0, count == cells * width else {
            throw PerceptronError("\(what) has \(count) values; \(cells) cells x \(width) needs \(cells * width)")
        }
    }
}

/// dL/d(weights) (the weight-vector layout) and, when asked for, dL/d(inputs) `[cells][inputs]`.
public struct PerceptronGradient<Real: BinaryFloatingPoint & Sendable>: Sendable {
    public var weights: [Real]
    public var inputs: [Real]?

    public init(weights: [Real], inputs: [Real]?) {
        self.weights = weights
        self.inputs = inputs
    }
}

/// A network that cannot be built or a batch of the wrong shape.
public struct PerceptronError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "perceptron: \(message)" }
}
