import DeviceTensor
import HydroModel
import HydroRegionalisation
import OpenCLBackend
import ReferenceBackend

/// One row of a gradient check: the derivative of the check's loss along one input direction
/// (every value of one parameter, or one initial storage in every unit).
public struct GradientCheckRow: Sendable, Codable, Equatable {
    public var name: String
    /// "parameter" or "initial state".
    public var kind: String
    /// Hand-written adjoint, reference backend in Double.
    public var adjoint: Double
    /// Central finite difference, reference backend in Double.
    public var finiteDifference: Double
    public var relativeError: Double
    /// False when the finite differences at steps h and h/2 disagree: a min/max/clamp switches
    /// branch within the step, so the function is not smooth at this point and the row does
    /// not count against the tolerance.
    public var smooth: Bool
    /// The OpenCL backend's (Float) adjoint, when a device was used.
    public var openCL: Double?
    public var openCLRelativeError: Double?
    public var passed: Bool
}

/// The outcome of `hydrogpu check-gradient`.
public struct GradientCheckReport: Sendable, Codable {
    public var solver: HBVSolver
    public var layout: String
    public var cells: Int
    public var steps: Int
    public var device: String
    public var rows: [GradientCheckRow]
    /// Largest relative difference of OpenCL runoff from the reference (floor: 1e-3 of the largest runoff).
    public var openCLForwardError: Double?
    /// |g_cl - g_ref| / |g_ref| over all rows.
    public var openCLGradientNormError: Double?
    public var tolerances: Tolerances
    public var passed: Bool

    /// MODEL.md section 7.
    public struct Tolerances: Sendable, Codable {
        public var adjointVersusFiniteDifference = 1e-6
        public var openCLForward = 1e-4
        public var openCLGradient = 1e-3
        /// Rows smaller than this fraction of the largest are below the noise floor for the
        /// per-component OpenCL comparison (the norm still covers them).
        public var openCLNoiseFloor = 1e-3
    }
}

/// Checks the hand-written adjoints on a small built-in problem: against central finite
/// differences on the Double reference, and the OpenCL (Float) backend against the reference.
///
/// The loss is a fixed, seeded weighting of every runoff value, L = Σ w[t,c] q[t,c] (smooth
/// in the runoff, so every kink seen comes from the model itself).
public enum GradientCheck {
    public static func run(solver: HBVSolver, layout: SyntheticRunoff.TemporalLayout = .constant, cells: Int = 6, steps: Int = 120,
                           device: ComputeDevice?, seed: UInt64 = 11) throws -> GradientCheckReport {
        let layouts = Dictionary(uniqueKeysWithValues: HBVParameter.allCases.map { ($0, layout) })
        let problem: RunoffProblem<Double> = SyntheticRunoff.problem(cells: cells, steps: steps, layouts: layouts,
                                                                   configuration: HBVConfiguration(solver: solver), seed: seed)
        var generator = SeededGenerator(seed: seed &+ 99)
        let weights = (0..<(steps * cells)).map { _ in generator.uniform(0.5, 1.5) }
        func loss(_ p: RunoffProblem<Double>) throws -> Double {
            let runoff = try model(solver).forward(p).runoff
            return zip(runoff, weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let (_, gradient) = try model(solver).gradient(problem, runoffAdjoint: weights)
        var rows: [GradientCheckRow] = []
        let tolerances = GradientCheckReport.Tolerances()

        // Directional derivative along "every value of this input", by central differences at
        // steps h and h/2 (their agreement shows the function is smooth there).
        func centralDifference(_ h: Double, _ perturb: (inout RunoffProblem<Double>, Double) -> Void) throws -> Double {
            var plus = problem, minus = problem
            perturb(&plus, h)
            perturb(&minus, -h)
            return (try loss(plus) - loss(minus)) / (2 * h)
        }
        func row(_ name: String, _ kind: String, adjoint: Double, step: Double, _ perturb: (inout RunoffProblem<Double>, Double) -> Void) throws {
            let fd = try centralDifference(step, perturb), fdHalf = try centralDifference(step / 2, perturb)
            let scale = max(abs(adjoint), abs(fd), 1e-12)
            let smooth = abs(fd - fdHalf) <= 1e-7 * max(abs(fd), 1e-12) + 1e-9
            let error = abs(adjoint - fd) / scale
            rows.append(GradientCheckRow(name: name, kind: kind, adjoint: adjoint, finiteDifference: fd, relativeError: error,
                                         smooth: smooth, openCL: nil, openCLRelativeError: nil,
                                         passed: !smooth || error <= tolerances.adjointVersusFiniteDifference))
        }
        for p in HBVParameter.allCases where problem.parameters[p] != nil {
            let (lo, hi) = p.bounds
            let adjoint = gradient.parameters[p]?.reduce(0, +) ?? 0
            try row(p.name, "parameter", adjoint: adjoint, step: 1e-6 * (hi - lo)) { problem, h in
                problem.parameters[p]!.values = problem.parameters[p]!.values.map { $0 + h }
            }
        }
        let units = problem.units
        for s in checkedStorages(problem) {
            let adjoint = gradient.initialStates[(s.rawValue * units)..<((s.rawValue + 1) * units)].reduce(0, +)
            try row(s.name + "(0)", "initial state", adjoint: adjoint, step: 1e-6) { problem, h in
                for u in 0..<units { problem.initialStates[s.rawValue * units + u] += h }
            }
        }

        var report = GradientCheckReport(solver: solver, layout: "\(layout)", cells: cells, steps: steps,
                                         device: device?.info.name ?? "none (reference only)", rows: rows,
                                         openCLForwardError: nil, openCLGradientNormError: nil, tolerances: tolerances, passed: true)
        if let device {
            try compareOpenCL(&report, problem: problem, weights: weights, device: device)
        }
        report.passed = report.rows.allSatisfy(\.passed)
            && (report.openCLForwardError ?? 0) <= tolerances.openCLForward
            && (report.openCLGradientNormError ?? 0) <= tolerances.openCLGradient
        return report
    }

    /// The storages whose initial values the check perturbs: those of the processes the problem
    /// runs (a glacier's ice store only with the glacier on; the snow's always, since its null
    /// operator drains them).
    private static func checkedStorages(_ problem: RunoffProblem<Double>) -> [HBVStorage] {
        let active = ActiveProcesses(given: Set(problem.parameters.keys))
        return HBVStorage.allCases.filter { $0.process == .snow || active.contains($0.process) }
    }

    private static func model(_ solver: HBVSolver) -> any RunoffModel<Double> {
        switch solver {
        case .sequential: SequentialReferenceModel<Double>()
        case .implicit: ImplicitReferenceModel<Double>()
        }
    }

    private static func compareOpenCL(_ report: inout GradientCheckReport, problem: RunoffProblem<Double>, weights: [Double], device: ComputeDevice) throws {
        let floatProblem = problem.converted(to: Float.self)
        let openCL = OpenCLRunoffModel(device: device)
        let reference = try model(problem.configuration.solver).forward(problem)
        let (result, gradient) = try openCL.gradient(floatProblem, runoffAdjoint: weights.map(Float.init))
        let runoffScale = reference.runoff.map(abs).max() ?? 1
        report.openCLForwardError = zip(result.runoff, reference.runoff).reduce(0) { worst, pair in
            max(worst, abs(Double(pair.0) - pair.1) / max(abs(pair.1), 1e-3 * runoffScale))
        }
        let units = problem.units
        var openCLRows: [Double] = HBVParameter.allCases.filter { problem.parameters[$0] != nil }.map { p in (gradient.parameters[p] ?? []).reduce(0) { $0 + Double($1) } }
        openCLRows += checkedStorages(problem).map { s in
            gradient.initialStates[(s.rawValue * units)..<((s.rawValue + 1) * units)].reduce(0) { $0 + Double($1) }
        }
        let largest = report.rows.map { abs($0.adjoint) }.max() ?? 1
        var differenceSquared = 0.0, normSquared = 0.0
        for i in report.rows.indices {
            let reference = report.rows[i].adjoint, value = openCLRows[i]
            differenceSquared += (value - reference) * (value - reference)
            normSquared += reference * reference
            let floor = report.tolerances.openCLNoiseFloor * largest
            let error = abs(value - reference) / max(abs(reference), floor)
            report.rows[i].openCL = value
            report.rows[i].openCLRelativeError = error
            if error > report.tolerances.openCLGradient { report.rows[i].passed = false }
        }
        report.openCLGradientNormError = (differenceSquared / max(normSquared, 1e-300)).squareRoot()
    }
}
