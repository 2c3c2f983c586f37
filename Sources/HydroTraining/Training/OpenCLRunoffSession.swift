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
/// cross, and with `forwardOnDevice(_:keeping:recording:)` and `adjointOnDevice()` the free
/// parameters' series and gradients stay there too (`DeviceParameterExpansion`).
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
        try forwardOnDevice(parameters, keeping: [], recording: recording)
    }

    /// The forward run with `parameters` uploaded and the blocks of `keeping` read as the device
    /// holds them: written there by a `DeviceParameterExpansion` since, or fixed since the
    /// session's creation (the problem's upload). Together the two name every parameter the
    /// session's problem gave, once.
    public func forwardOnDevice(_ parameters: [HBVParameter: ParameterSeries<Double>], keeping: Set<HBVParameter>,
                                recording: Bool) throws -> DeviceBuffer<Float> {
        recorded = false
        for (parameter, series) in parameters {
            guard let layout = layouts[parameter], !keeping.contains(parameter), layout.slots == series.slots, series.slotOfStep.count >= steps,
                  layout.slotOfStep == series.slotOfStep[..<steps] else { throw RunoffSessionError.layoutChanged(parameter) }
        }
        if let extra = keeping.first(where: { layouts[$0] == nil }) { throw RunoffSessionError.layoutChanged(extra) }
        if let missing = layouts.keys.first(where: { parameters[$0] == nil && !keeping.contains($0) }) {
            throw RunoffSessionError.layoutChanged(missing)
        }
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
        let gradient = try adjointOnDevice()
        // Only the given parameters' blocks: the others have no gradient to pull back.
        return try download(gradient, of: solver.data.givenParameters)
    }

    /// Runs the reverse sweep from the dL/d(runoff) in `runoffAdjointBuffer()` and returns the
    /// device buffer of dL/d(physical parameter values), laid out like the solver's
    /// `data.parameterValues` (every parameter's `[slots][units]` block), valid until the next
    /// adjoint: a `DeviceParameterExpansion` pulls it back on the device.
    public func adjointOnDevice() throws -> DeviceBuffer<Float> {
        guard recorded else { throw RunoffSessionError.gradientWithoutRecording }
        let reverse = try solver.reverse()
        try solver.adjoint()
        return reverse.parameterGradient
    }

    /// The blocks of `parameters` (given ones) of a gradient from `adjointOnDevice()`.
    public func download(_ gradient: DeviceBuffer<Float>, of parameters: some Sequence<HBVParameter>) throws -> [HBVParameter: [Double]] {
        let data = solver.data
        var out: [HBVParameter: [Double]] = [:]
        for parameter in parameters {
            let i = parameter.rawValue, start = data.offsets[i]
            let block = try onDevice { () throws(OpenCLError) in try gradient.download(start ..< start + data.slotCounts[i] * data.units) }
            out[parameter] = block.map(Double.init)
        }
        return out
    }
}
