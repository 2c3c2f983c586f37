import DeviceTensor
import Foundation
import HydroGPU

/// Seeded test batches: descriptor-like inputs and loss adjoints.
enum PerceptronTestData {
    static func uniform(_ count: Int, seed: UInt64, in range: ClosedRange<Double> = -1.5...1.5) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.uniform(range.lowerBound, range.upperBound) }
    }

    /// A network whose biases are nonzero too (Glorot init leaves them at 0, which would hide
    /// bias mistakes in the forward pass).
    static func network(_ sizes: [Int], _ activation: HiddenActivation, seed: UInt64) throws -> MultilayerPerceptron {
        var network = try MultilayerPerceptron(layerSizes: sizes, activation: activation, seed: seed)
        let jitter = uniform(network.weightCount, seed: seed &+ 1, in: -0.3...0.3)
        for l in 0..<network.layerCount {
            for j in 0..<sizes[l + 1] {
                let k = network.biasIndex(layer: l, output: j)
                network.weights[k] = jitter[k]
            }
        }
        return network
    }

    /// L = sum over cells and outputs of g * y: its dL/dy is g.
    static func linearLoss(_ network: MultilayerPerceptron, _ inputs: [Double], cells: Int, adjoint: [Double]) throws -> Double {
        let y: [Double] = try network.forward(inputs, cells: cells)
        return zip(y, adjoint).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

/// Largest |a - b| / max(|b|, floor) over components.
func maxRelativeError<T: BinaryFloatingPoint>(_ a: [T], _ b: [Double], floor: Double) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs(Double($1.0) - $1.1) / max(abs($1.1), floor)) }
}

func maxAbs(_ values: [Double]) -> Double { values.reduce(0) { max($0, abs($1)) } }
