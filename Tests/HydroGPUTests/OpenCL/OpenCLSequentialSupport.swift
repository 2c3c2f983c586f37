import DeviceTensor
import Foundation
import HydroGPU

/// Helpers to compare the OpenCL backend (Float) with the Double reference.
enum Compare {
    /// The same problem in Double (every Float converts exactly).
    static func double(_ p: RunoffProblem<Float>) -> RunoffProblem<Double> { p.converted(to: Double.self) }

    /// A loss adjoint dL/d(runoff) with weights in [0.5, 1.5) (a weighted-sum loss).
    static func runoffAdjoint(steps: Int, cells: Int) -> [Float] {
        (0..<(steps * cells)).map { i in 0.5 + Float((i &* 2_654_435_761) % 1000) / 1000 }
    }

    /// Largest |a - b| / max(|b|, floor).
    static func maxRelative(_ a: [Float], _ b: [Double], floor: Double) -> Double {
        precondition(a.count == b.count)
        var worst = 0.0
        for i in a.indices { worst = max(worst, abs(Double(a[i]) - b[i]) / max(abs(b[i]), floor)) }
        return worst
    }

    static func maxRelative(_ a: [Float], _ b: [Float], floor: Double) -> Double {
        maxRelative(a, b.map(Double.init), floor: floor)
    }

    /// ||a - b|| / ||b||.
    static func normRelative(_ a: [Float], _ b: [Double]) -> Double {
        var diff = 0.0, norm = 0.0
        for i in a.indices {
            diff += (Double(a[i]) - b[i]) * (Double(a[i]) - b[i])
            norm += b[i] * b[i]
        }
        return norm > 0 ? (diff / norm).squareRoot() : diff.squareRoot()
    }

    /// Gradient agreement: the whole vector's relative error, and the worst relative error
    /// among components above `noiseFloor` times the largest |component|.
    static func gradient(_ a: [Float], _ b: [Double], noiseFloor: Double = 1e-3) -> (norm: Double, worstComponent: Double, index: Int) {
        let scale = b.map(abs).max() ?? 0
        var worst = 0.0, index = -1
        for i in a.indices where abs(b[i]) > noiseFloor * scale {
            let e = abs(Double(a[i]) - b[i]) / abs(b[i])
            if e > worst { (worst, index) = (e, i) }
        }
        return (normRelative(a, b), worst, index)
    }
}
