import DeviceTensor
import HydroModel

/// The inputs of a runoff run, resident on one OpenCL device in the kernels' layout
/// (kernels/hbv_sequential.cl, "Argument layout"): forcing `[steps][cells]`, every parameter's
/// `[slots][units]` block concatenated with an offset table and a slot-of-step table, and the
/// initial storages `[storages][units]`. Solvers read these buffers across calls; a training loop
/// rewrites `parameterValues` or `initialStates` on the device without a host round trip.
public final class RunoffDeviceData {
    public let device: ComputeDevice
    public let configuration: HBVConfiguration
    public let cells: Int
    public let steps: Int
    public var components: Int { configuration.components }
    public var units: Int { cells * configuration.components }

    public let precipitation: DeviceBuffer<Float>
    public let temperature: DeviceBuffer<Float>
    public let pet: DeviceBuffer<Float>
    /// Each parameter's `[slots][units]` values, concatenated in `HBVParameter` order.
    public let parameterValues: DeviceBuffer<Float>
    /// Element offset of each parameter's block in `parameterValues`, `[parameters]`.
    public let parameterOffsets: DeviceBuffer<Int32>
    /// `[parameters][steps]`: the slot each parameter reads at each step.
    public let slotOfStep: DeviceBuffer<Int32>
    /// Initial storages `[storages][units]`.
    public let initialStates: DeviceBuffer<Float>

    /// Slots per parameter, in `HBVParameter` order.
    public let slotCounts: [Int]
    /// Host copy of the element offsets (for splitting gradients).
    public let offsets: [Int]
    /// Parameters the problem gave (the others have their δHBV 1.0 defaults and no gradient).
    public let givenParameters: Set<HBVParameter>
    /// The storages the solvers' step records keep (`StateLayout`); `initialStates` keeps every storage.
    public var stateLayout: StateLayout {
        StateLayout(ActiveProcesses(given: givenParameters, limitsIceMelt: configuration.limitsIceMelt), solver: configuration.solver)
    }

    /// Uploads `problem`, checking every shape.
    public init(device: ComputeDevice, problem: RunoffProblem<Float>) throws(OpenCLRunoffError) {
        let cells = problem.forcing.cells, steps = problem.forcing.steps
        let units = problem.units
        guard cells > 0, steps > 0, problem.configuration.components > 0 else {
            throw .invalidProblem("needs at least one cell, step and component (got \(cells) cells, \(steps) steps, \(problem.configuration.components) components)")
        }
        guard problem.configuration.stepDays > 0 else { throw .problem(.configuration("stepDays must be > 0, got \(problem.configuration.stepDays)")) }
        guard problem.initialStates.count == HBVStorage.count * units else {
            throw .problem(.initialStates(expected: HBVStorage.count * units, found: problem.initialStates.count))
        }
        let series = try Self.completeParameters(problem)
        var values: [Float] = []
        var offsets: [Int] = []
        var slots: [Int32] = []
        slots.reserveCapacity(HBVParameter.count * steps)
        for parameter in HBVParameter.allCases {
            let s = series[parameter]!
            offsets.append(values.count)
            values.append(contentsOf: s.values)
            slots.append(contentsOf: s.slotOfStep)
        }
        guard values.count <= Int(Int32.max) else {
            throw .invalidProblem("\(values.count) parameter values exceed the kernels' 32-bit offsets")
        }
        self.device = device
        self.configuration = problem.configuration
        self.cells = cells
        self.steps = steps
        self.slotCounts = HBVParameter.allCases.map { series[$0]!.slots }
        self.offsets = offsets
        self.givenParameters = Set(problem.parameters.keys)
        (precipitation, temperature, pet, parameterValues, parameterOffsets, slotOfStep, initialStates) = try onDevice { () throws(OpenCLError) in
            let shape = [steps, cells]
            return (try DeviceBuffer(device: device, values: problem.forcing.precipitation, shape: shape),
                    try DeviceBuffer(device: device, values: problem.forcing.temperature, shape: shape),
                    try DeviceBuffer(device: device, values: problem.forcing.pet, shape: shape),
                    try DeviceBuffer(device: device, values: values),
                    try DeviceBuffer(device: device, values: offsets.map { Int32($0) }),
                    try DeviceBuffer(device: device, values: slots, shape: [HBVParameter.count, steps]),
                    try DeviceBuffer(device: device, values: problem.initialStates, shape: [HBVStorage.count, units]))
        }
    }

    /// Replaces the parameter values (same slots as at creation) of parameters the problem
    /// gave: the sequential kernels are built for those (an absent one is a constant there).
    public func upload(parameters: [HBVParameter: ParameterSeries<Float>]) throws(OpenCLRunoffError) {
        for (parameter, series) in parameters {
            guard givenParameters.contains(parameter) else {
                throw .invalidProblem("parameter \(parameter.name) was not given when the problem was uploaded; the solvers are built without it")
            }
            let index = parameter.rawValue
            guard series.slots == slotCounts[index], series.units == units, series.values.count == series.slots * units else {
                throw .problem(.parameterUnits(parameter, expected: slotCounts[index] * units, found: series.values.count))
            }
            try onDevice { () throws(OpenCLError) in try parameterValues.upload(series.values, at: offsets[index]) }
        }
    }

    /// Splits a `[sum of slots][units]` array laid out like `parameterValues` (e.g. the
    /// downloaded parameter gradient) into one `[slots][units]` array per given parameter.
    public func split(_ flat: [Float]) -> [HBVParameter: [Float]] {
        var out: [HBVParameter: [Float]] = [:]
        for parameter in givenParameters {
            let i = parameter.rawValue
            out[parameter] = Array(flat[offsets[i] ..< offsets[i] + slotCounts[i] * units])
        }
        return out
    }

    /// Every parameter's series, checked as the reference backend checks them, absent ones
    /// completed by the model table's absence rule (`HBVParameter.absenceRule(for:)`).
    static func completeParameters(_ problem: RunoffProblem<Float>) throws(OpenCLRunoffError) -> [HBVParameter: ParameterSeries<Float>] {
        let steps = problem.forcing.steps, units = problem.units
        do { try problem.checkSolverHasProcesses() } catch { throw .problem(error) }
        let rule = HBVParameter.absenceRule(for: problem.configuration)
        var series = problem.parameters
        for parameter in HBVParameter.allCases {
            guard let s = series[parameter] else {
                guard let value = rule.defaults[parameter] else { throw .problem(.missingParameter(parameter)) }
                series[parameter] = .uniform(Float(value), units: units, steps: steps)
                continue
            }
            guard s.units == units else { throw .problem(.parameterUnits(parameter, expected: units, found: s.units)) }
            guard s.values.count == s.slots * units, s.slots > 0 else {
                throw .problem(.parameterUnits(parameter, expected: max(s.slots, 1) * units, found: s.values.count))
            }
            guard s.slotOfStep.count == steps else { throw .problem(.parameterSteps(parameter, expected: steps, found: s.slotOfStep.count)) }
            if let t = s.slotOfStep.firstIndex(where: { $0 < 0 || Int($0) >= s.slots }) {
                throw .problem(.slotOutOfRange(parameter, step: t, slot: Int(s.slotOfStep[t]), slots: s.slots))
            }
        }
        return series
    }
}
