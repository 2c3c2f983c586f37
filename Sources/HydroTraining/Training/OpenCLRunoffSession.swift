import DeviceTensor
import HydroModel
import OpenCLBackend

/// The OpenCL runoff backend (Float) as a `RunoffSession`, resident on the device: the forcing
/// is converted to Float and uploaded once, at creation (it never changes while training); each
/// forward rewrites only the parameter values, and the gradient's reverse sweep reads the step
/// records (trajectory or checkpoints, `CheckpointPlan`) that the recording forward left on the
/// device. What crosses to the host per evaluation: parameter values up, runoff down, runoff
/// adjoint up, parameter gradient down.
public final class OpenCLRunoffSession: RunoffSession {
    public let steps: Int
    /// The device-resident solver of the problem's kind.
    public let solver: any RunoffDeviceSolver
    /// Each given parameter's slot count and slot-of-step table (first `steps`), as uploaded.
    private let layouts: [HBVParameter: (slots: Int, slotOfStep: ArraySlice<Int32>)]
    private var recorded = false

    /// Uploads steps `0..<steps` of `problem` (forcing, parameters, initial storages) to
    /// `model.device`, converting to Float row by row from the Double arrays (no Double copy).
    public init(model: OpenCLRunoffModel, problem: RunoffProblem<Double>, steps: Int) throws {
        precondition(steps >= 1 && steps <= problem.forcing.steps, "session steps \(steps) outside 1...\(problem.forcing.steps)")
        solver = try model.deviceSolver(problem.converted(to: Float.self, steps: steps))
        layouts = problem.parameters.mapValues { ($0.slots, $0.slotOfStep[..<steps]) }
        self.steps = steps
    }

    public func forward(_ parameters: [HBVParameter: ParameterSeries<Double>], recording: Bool) throws -> [Double] {
        recorded = false
        for (parameter, series) in parameters {
            guard let layout = layouts[parameter], layout.slots == series.slots, series.slotOfStep.count >= steps,
                  layout.slotOfStep == series.slotOfStep[..<steps] else { throw RunoffSessionError.layoutChanged(parameter) }
        }
        guard parameters.count == layouts.count else { throw RunoffSessionError.layoutChanged(layouts.keys.first { parameters[$0] == nil }!) }
        try solver.data.upload(parameters: parameters.mapValues { $0.converted(to: Float.self, steps: steps) })
        try solver.forward(recordForAdjoint: recording)
        recorded = recording
        let solver = solver
        return try onDevice { () throws(OpenCLError) in try solver.cellRunoff.download() }.map(Double.init)
    }

    public func gradient(runoffAdjoint: [Double]) throws -> [HBVParameter: [Double]] {
        guard recorded else { throw RunoffSessionError.gradientWithoutRecording }
        let expected = steps * solver.data.cells
        guard runoffAdjoint.count == expected else {
            throw OpenCLRunoffError.problem(.arrayLength(name: "runoff adjoint", expected: expected, found: runoffAdjoint.count))
        }
        let reverse = try solver.reverse()
        try onDevice { () throws(OpenCLError) in try reverse.runoffAdjoint.upload(runoffAdjoint.map(Float.init)) }
        try solver.adjoint()
        let flat = try onDevice { () throws(OpenCLError) in try reverse.parameterGradient.download() }
        return solver.data.split(flat).mapValues { $0.map(Double.init) }
    }
}
