import DeviceTensor
import HydroModel
import OpenCLBackend

/// The OpenCL runoff backend (Float) as a `RunoffSession`, resident on the device: the forcing
/// is converted to Float and uploaded once, at creation (it never changes while training); each
/// forward rewrites only the parameter values, and the gradient's reverse sweep reads the step
/// records (trajectory or checkpoints, `CheckpointPlan`) that the recording forward left on the
/// device. What crosses to the host per evaluation through `forward`/`gradient`: parameter
/// values up, runoff down, runoff adjoint up, parameter gradient down. `forwardOnDevice` and
/// `runoffAdjointBuffer()` leave the runoff and its adjoint on the device, for a
/// routing that runs there too (`DeviceRoutedRunoff`): then only parameters and their gradient
/// cross.
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
        let runoff = try forwardOnDevice(parameters, recording: recording)
        return try onDevice { () throws(OpenCLError) in try runoff.download() }.map(Double.init)
    }

    /// The forward run, its runoff `[steps][cells]` (mm per step) left on the device: the
    /// solver's `cellRunoff`, valid until the next forward. Returns once the kernels are enqueued.
    public func forwardOnDevice(_ parameters: [HBVParameter: ParameterSeries<Double>], recording: Bool) throws -> DeviceBuffer<Float> {
        recorded = false
        for (parameter, series) in parameters {
            guard let layout = layouts[parameter], layout.slots == series.slots, series.slotOfStep.count >= steps,
                  layout.slotOfStep == series.slotOfStep[..<steps] else { throw RunoffSessionError.layoutChanged(parameter) }
        }
        guard parameters.count == layouts.count else { throw RunoffSessionError.layoutChanged(layouts.keys.first { parameters[$0] == nil }!) }
        try solver.data.upload(parameters: parameters.mapValues { $0.converted(to: Float.self, steps: steps) })
        try solver.forward(recordForAdjoint: recording)
        recorded = recording
        return solver.cellRunoff
    }

    public func gradient(runoffAdjoint: [Double]) throws -> [HBVParameter: [Double]] {
        guard recorded else { throw RunoffSessionError.gradientWithoutRecording }
        let expected = steps * solver.data.cells
        guard runoffAdjoint.count == expected else {
            throw OpenCLRunoffError.problem(.arrayLength(name: "runoff adjoint", expected: expected, found: runoffAdjoint.count))
        }
        let buffer = try runoffAdjointBuffer()
        try onDevice { () throws(OpenCLError) in try buffer.upload(runoffAdjoint.map(Float.init)) }
        return try gradientOfDeviceRunoffAdjoint()
    }

    /// The device buffer, `[steps][cells]`, the reverse sweep reads dL/d(runoff) from: a routing
    /// adjoint on the device writes it, then `gradientOfDeviceRunoffAdjoint()` runs the sweep.
    public func runoffAdjointBuffer() throws -> DeviceBuffer<Float> {
        guard recorded else { throw RunoffSessionError.gradientWithoutRecording }
        return try solver.reverse().runoffAdjoint
    }

    /// dL/d(physical parameter series) of the last recording forward, from the dL/d(runoff)
    /// that was written into `runoffAdjointBuffer()` on the device.
    public func gradientOfDeviceRunoffAdjoint() throws -> [HBVParameter: [Double]] {
        guard recorded else { throw RunoffSessionError.gradientWithoutRecording }
        let reverse = try solver.reverse()
        try solver.adjoint()
        // Only the given parameters' blocks: the others have no gradient to pull back.
        let data = solver.data
        var gradient: [HBVParameter: [Double]] = [:]
        for parameter in data.givenParameters {
            let i = parameter.rawValue, start = data.offsets[i]
            let block = try onDevice { () throws(OpenCLError) in try reverse.parameterGradient.download(start ..< start + data.slotCounts[i] * data.units) }
            gradient[parameter] = block.map(Double.init)
        }
        return gradient
    }
}
