import DeviceTensor

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
        let f = problem.forcing
        precondition(steps >= 1 && steps <= f.steps, "session steps \(steps) outside 1...\(f.steps)")
        let n = steps * f.cells
        let forcing = HBVForcing<Float>(steps: steps, cells: f.cells, precipitation: f.precipitation[..<n].map(Float.init),
                                        temperature: f.temperature[..<n].map(Float.init), pet: f.pet[..<n].map(Float.init))
        let single = RunoffProblem(configuration: problem.configuration, forcing: forcing,
                                   parameters: Self.single(problem.parameters, steps: steps),
                                   initialStates: problem.initialStates.map(Float.init))
        solver = try model.deviceSolver(single)
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
        try solver.data.upload(parameters: Self.single(parameters, steps: steps))
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

    /// Parameter series in Float over their first `steps` steps.
    static func single(_ parameters: [HBVParameter: ParameterSeries<Double>], steps: Int) -> [HBVParameter: ParameterSeries<Float>] {
        parameters.mapValues {
            ParameterSeries<Float>(slots: $0.slots, units: $0.units, values: $0.values.map(Float.init), slotOfStep: Array($0.slotOfStep.prefix(steps)))
        }
    }
}
