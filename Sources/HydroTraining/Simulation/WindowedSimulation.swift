import Foundation
import HydroDomain
import HydroIO
import HydroModel
import HydroObjectives
import HydroRouting
import OpenCLBackend
import ReferenceBackend

/// A forward run of a whole case in windows of W steps (`SimulationWindowPlan`), so memory is
/// O(cells x W) whatever the record's length: each window reads its forcing
/// (`CalibrationData.forcing(steps:)`: from the files, `CaseForcingWindows`, or rows of the
/// forcing in memory), runs the runoff model (runoff exchange included) from the storages the previous window ended with,
/// routes the delivered runoff carrying channel storage or the unit
/// hydrograph's history (`CarriedRouting`), keeps the discharge at the gauges and writes the
/// window's slab of each `output.fields` field. Both backends take this path; the runs are the
/// ones an unwindowed run does, window after window, so results equal it (tested).
public struct WindowedSimulation {
    public let objective: CalibrationObjective
    public let plan: SimulationWindowPlan

    /// The run of `objective`'s case in windows chosen for `budgetBytes` (nil: the default
    /// budget, `SimulationWindowPlan.defaultBudgetBytes`), or in windows of `windowSteps` steps.
    public init(objective: CalibrationObjective, budgetBytes: Double? = nil, windowSteps: Int? = nil) throws(SimulationWindowError) {
        self.objective = objective
        let data = objective.data
        if let windowSteps {
            precondition(windowSteps >= 1, "windows need at least one step")
            let w = min(windowSteps, data.steps)
            plan = SimulationWindowPlan(windowSteps: w, steps: data.steps, budgetBytes: .nan, windowBytes: .nan)
        } else {
            // The series the solvers hold: absent parameters have none.
            let valuesPerCell = objective.setup.space.layouts.values.filter { !$0.isAbsent }.reduce(0) { $0 + ParameterSpace.slots($1.temporal, data.steps) }
            plan = try SimulationWindowPlan.choose(budgetBytes: budgetBytes ?? SimulationWindowPlan.defaultBudgetBytes, cells: data.cells,
                                                   gridCells: data.grid.rows * data.grid.columns, components: data.configuration.components,
                                                   steps: data.steps, fields: data.outputFields.count, parameterValuesPerCell: valuesPerCell)
        }
    }

    /// What a run gives back.
    public struct Output: Sendable {
        /// Discharge at every gauge, `[gauge][step]`, m³/s.
        public var discharge: [[Double]]
    }

    /// Runs the case at free vector `x`; with `fieldsURL`, writes the case's `output.fields` there.
    /// `onWindow(k, range)` hears each window as it ends (`k` counts from 1 to `plan.windows`).
    public func run(_ x: [Double], fieldsURL: URL? = nil, onWindow: (Int, Range<Int>) -> Void = { _, _ in }) throws -> Output {
        let data = objective.data, setup = objective.setup
        let n = data.cells
        let networkRaw = try objective.networkOutputs(x)
        let parameters = setup.space.expand(free: setup.parameterPart(x), networkRaw: networkRaw, as: Double.self)
        let initial: [Double] = data.initialStates()
        var states = initial
        var routing = CarriedRouting(data: data, setup: setup, x: x)
        var fields = try fieldsURL.map { url in try FieldRun(data: data, setup: setup, x: x, initialStates: initial, url: url) }
        var discharge = [[Double]](repeating: [Double](repeating: 0, count: data.steps), count: data.gauges.count)
        for (k, range) in plan.ranges.enumerated() {
            let forcing = try data.forcing(steps: range)
            var windowParameters = parameters
            for (p, s) in parameters { windowParameters[p]!.slotOfStep = Array(s.slotOfStep[range]) }
            let problem = RunoffProblem(configuration: data.configuration, forcing: forcing, parameters: windowParameters, initialStates: states)
            let result = try runoff(problem)
            states = result.finalStates
            let routed = try routing.route(result.runoff, steps: range.count)
            for (g, gauge) in data.gauges.enumerated() {
                for t in 0..<range.count { discharge[g][range.lowerBound + t] = routed[t * n + gauge.cell] }
            }
            try fields?.write(problem: problem, runoff: result.runoff, discharge: routed, steps: range)
            onWindow(k + 1, range)
        }
        try fields?.finish()
        return Output(discharge: discharge)
    }

    /// One window's runoff and final storages on the objective's backend, run as its
    /// training session runs them (reference: the recording run without a tape; OpenCL: the
    /// device solver in Float, storages carried in Float so windows chain exactly).
    private func runoff(_ problem: RunoffProblem<Double>) throws -> (runoff: [Double], finalStates: [Double]) {
        switch objective.backend {
        case .reference:
            let run = switch problem.configuration.solver {
            case .sequential: try SequentialReferenceModel<Double>().record(problem, tapeBudgetBytes: 0)
            case .implicit: try ImplicitReferenceModel<Double>().record(problem, tapeBudgetBytes: 0)
            }
            return (run.result.runoff, run.result.finalStates)
        case .openCL(let model):
            let result = try model.forward(problem.converted(to: Float.self))
            return (result.runoff.map(Double.init), result.finalStates.map(Double.init))
        }
    }
}

/// The `output.fields` of a windowed run (what a whole-record trace gave before windows):
/// with the sequential solver, storages and fluxes come from the Double reference's trace
/// (carrying its own storages and routing from window to window), and runoff and discharge
/// fields from that trace too; with the implicit solver only runoff and discharge exist, from
/// the run itself.
private struct FieldRun {
    let data: CalibrationData
    let writer: FieldSlabWriter
    var states: [Double]
    var routing: CarriedRouting

    static let catalogue: [String: (units: String, longName: String)] = [
        "snowpack": ("mm", "snow pack water equivalent at the end of the step"),
        "meltwater": ("mm", "liquid water in the snow pack at the end of the step"),
        "soil_moisture": ("mm", "soil moisture at the end of the step"),
        "upper_zone": ("mm", "upper zone storage at the end of the step"),
        "lower_zone": ("mm", "lower zone storage at the end of the step"),
        "evapotranspiration": ("mm", "actual evapotranspiration over the step"),
        "recharge": ("mm", "recharge from soil to the upper zone over the step"),
        "runoff": ("mm", "runoff the cell delivers to the channels over the step (after the runoff exchange EXCHANGE)"),
        "discharge": ("m3 s-1", "routed discharge leaving the cell"),
        "ice_melt": ("mm", "glacier ice melt over the step (over the cell's area)"),
        "ice": ("mm", "glacier ice store at the end of the step, water equivalent over the cell's area (unlimited ice: its start value)"),
        "glacier_snow": ("mm", "snow on the glacier part at the end of the step, water equivalent over the cell's area"),
    ]

    init(data: CalibrationData, setup: TrainingSetup, x: [Double], initialStates: [Double], url: URL) throws {
        self.data = data
        let available = data.configuration.solver == .sequential ? data.outputFields : data.outputFields.filter { $0 == "runoff" || $0 == "discharge" }
        writer = try FieldSlabWriter(available.map { FieldSlabWriter.Field(name: $0, units: Self.catalogue[$0]!.units, longName: Self.catalogue[$0]!.longName) },
                                     grid: data.grid, time: data.time, to: url)
        states = initialStates
        routing = CarriedRouting(data: data, setup: setup, x: x)
    }

    mutating func write(problem: RunoffProblem<Double>, runoff: [Double], discharge: [Double], steps range: Range<Int>) throws {
        let names = Set(writer.fields.map(\.name))
        guard data.configuration.solver == .sequential else {
            if names.contains("runoff") { try writer.write("runoff", runoff, steps: range) }
            if names.contains("discharge") { try writer.write("discharge", discharge, steps: range) }
            return
        }
        var traced = problem
        traced.initialStates = states
        let trace = try SequentialReferenceModel<Double>().trace(traced)
        states = trace.result.finalStates
        let n = data.cells, k = data.configuration.components, steps = range.count
        func cellMean(_ value: (Int) -> Double) -> [Double] {
            (0..<(steps * n)).map { i in
                let (t, c) = (i / n, i % n)
                return (0..<k).reduce(0.0) { $0 + value(t * trace.units + c * k + $1) } / Double(k)
            }
        }
        let storages: [(String, HBVStorage)] = [("snowpack", .snowpack), ("meltwater", .meltwater), ("soil_moisture", .soilMoisture),
                                                ("upper_zone", .upperZone), ("lower_zone", .lowerZone), ("ice", .ice)]
        for (name, storage) in storages where names.contains(name) { try writer.write(name, cellMean { trace.states[$0][storage] }, steps: range) }
        if names.contains("evapotranspiration") { try writer.write("evapotranspiration", cellMean { trace.fluxes[$0].evapotranspiration }, steps: range) }
        if names.contains("ice_melt") { try writer.write("ice_melt", cellMean { trace.fluxes[$0].iceMelt }, steps: range) }
        if names.contains("glacier_snow"), let fraction = data.glacier?.fraction {
            // One snow depth per cell (docs/GLACIER.md): the glacier part holds its fraction of it.
            try writer.write("glacier_snow", cellMean { fraction[($0 % trace.units) / k] * trace.states[$0].snowpack }, steps: range)
        }
        if names.contains("recharge") { try writer.write("recharge", cellMean { trace.fluxes[$0].recharge }, steps: range) }
        if names.contains("runoff") { try writer.write("runoff", trace.result.runoff, steps: range) }
        if names.contains("discharge") {
            // Every window routes (the field set is the same for all), so storage carries on.
            try writer.write("discharge", try routing.route(trace.result.runoff, steps: steps), steps: range)
        }
    }

    func finish() throws { try writer.finish() }
}
