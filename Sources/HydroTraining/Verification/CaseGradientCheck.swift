import Foundation
import DeviceTensor
import HydroDomain
import HydroIO
import HydroModel
import HydroObjectives
import HydroRegionalisation
import HydroRouting
import OpenCLBackend
import ReferenceBackend

/// One free value of a case's gradient check.
public struct CaseGradientCheckRow: Sendable, Codable {
    public var index: Int
    public var name: String
    /// dL/dx from the Double reference adjoint.
    public var adjoint: Double
    /// Central difference of the reference loss.
    public var finiteDifference: Double
    /// |adjoint - FD| / max(|FD|, |adjoint|, floor).
    public var relativeError: Double
    /// dL/dx from the OpenCL (Float) evaluation, and its relative difference from the reference adjoint.
    public var openCL: Double?
    public var openCLRelativeDifference: Double?
}

/// `hydrogpu check-gradient CONFIG`: a real case's training gradient (the whole chain:
/// expansion, runoff with its exchange, routing, loss with pseudo-observations and
/// regularisation), or a multi-case config's joint one (every case plus the shared network),
/// against central finite differences on the Double reference, and the Float (OpenCL) loss and
/// gradient against the Double ones.
public struct CaseGradientCheckReport: Sendable, Codable {
    public var caseName: String
    public var freeValues: Int
    /// Central-difference step on the raw (unbounded) free values.
    public var step: Double
    public var referenceLoss: Double
    public var openCLLoss: Double?
    /// |L_cl - L_ref| / |L_ref|.
    public var lossDrift: Double?
    /// |g_cl - g_ref| / |g_ref| over every free value (not only the rows).
    public var gradientDrift: Double?
    public var rows: [CaseGradientCheckRow]
    public var worstRelativeError: Double { rows.map(\.relativeError).max() ?? 0 }
}

public enum CaseGradientCheck {
    /// Checks free values `indices` (all by default) at `x` (the objective's initial values by
    /// default). `openCL`, when given, is the same objective on an OpenCL backend.
    public static func run<Objective: TrainableObjective>(reference: Objective, openCL: Objective?, at point: [Double]? = nil,
                                                         indices: [Int]? = nil, step: Double = 1e-6) throws -> CaseGradientCheckReport {
        let x = point ?? reference.initialFreeValues()
        let e = try reference.trainingEvaluation(x)
        let g = e.gradient!
        let scale = g.map(abs).max() ?? 0
        var rows: [CaseGradientCheckRow] = []
        let clEvaluation = try openCL?.trainingEvaluation(x)
        for i in indices ?? Array(x.indices) {
            var plus = x, minus = x
            plus[i] += step
            minus[i] -= step
            let fd = (try reference.lossEvaluation(plus).loss - reference.lossEvaluation(minus).loss) / (2 * step)
            // A floor of 1e-8 of the largest component: values below it are FD noise either way.
            let denominator = max(abs(fd), abs(g[i]), 1e-8 * scale, .leastNormalMagnitude)
            let cl = clEvaluation?.gradient?[i]
            rows.append(CaseGradientCheckRow(index: i, name: reference.describe(index: i), adjoint: g[i], finiteDifference: fd,
                                             relativeError: abs(g[i] - fd) / denominator, openCL: cl,
                                             openCLRelativeDifference: cl.map { abs($0 - g[i]) / max(abs(g[i]), 1e-3 * scale, .leastNormalMagnitude) }))
        }
        var report = CaseGradientCheckReport(caseName: reference.runName, freeValues: x.count, step: step, referenceLoss: e.loss, rows: rows)
        if let c = clEvaluation {
            report.openCLLoss = c.loss
            report.lossDrift = abs(c.loss - e.loss) / max(abs(e.loss), .leastNormalMagnitude)
            let cg = c.gradient!
            let difference = zip(cg, g).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            report.gradientDrift = difference / max(g.reduce(0.0) { $0 + $1 * $1 }.squareRoot(), .leastNormalMagnitude)
        }
        return report
    }
}
