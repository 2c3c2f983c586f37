import Foundation
import HydroGPU
import Testing
import TestSupport

/// Windowed runs (`WindowedSimulation`): windows of a few steps, carrying runoff storages and
/// routing state across window ends, give the discharge of one window over the whole record
/// and of the unwindowed objective evaluation — on the reference backend, on OpenCL, with D8
/// and with the gamma unit hydrograph.
@Suite("Windowed simulation")
struct WindowedSimulationTests {
    /// The Lez sub-basin over 45 days with distributed FC, K1 and velocity, moved off its start
    /// so the parameters differ from cell to cell.
    static func lez(backend: RunoffBackend = .reference, solver: HBVSolver = .sequential) throws -> (CalibrationObjective, [Double]) {
        var (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 45)
        data.configuration.solver = solver
        let objective = try CalibrationPipelineTests.objective(config, data, backend: backend, distributedVelocity: true)
        var x = objective.setup.initialFreeValues()
        for i in x.indices { x[i] += 0.3 * sin(Double(i) * 1.7) }
        return (objective, x)
    }

    static func discharge(_ objective: CalibrationObjective, _ x: [Double], window: Int) throws -> [[Double]] {
        try WindowedSimulation(objective: objective, windowSteps: window).run(x).discharge
    }

    @Test(arguments: [HBVSolver.sequential, .implicit])
    func referenceWindowsEqualOneRun(solver: HBVSolver) throws {
        let (objective, x) = try Self.lez(solver: solver)
        let steps = objective.data.steps
        let whole = try objective.evaluate(x, gradient: false, steps: steps).discharge
        let one = try Self.discharge(objective, x, window: steps)
        #expect(one == whole)
        for w in [1, 7, 16] {
            #expect(try Self.discharge(objective, x, window: w) == whole, "windows of \(w) steps")
        }
        #expect(whole[0].contains { $0 > 0 })
    }

    /// The progress hook hears every window once, in order, and the windows tile the record.
    @Test func everyWindowIsReportedInOrder() throws {
        let (objective, x) = try Self.lez(solver: .sequential)
        var heard: [(Int, Range<Int>)] = []
        _ = try WindowedSimulation(objective: objective, windowSteps: 16).run(x) { heard.append(($0, $1)) }
        #expect(heard.map(\.0) == [1, 2, 3])
        #expect(heard.map(\.1) == [0..<16, 16..<32, 32..<45])
    }

    @Test(.enabled(if: TestDevice.available, "no OpenCL device"))
    func openCLWindowsEqualOneRun() throws {
        let model = OpenCLRunoffModel(device: TestDevice.shared!)
        var (objective, x) = try Self.lez(backend: .openCL(model))
        let steps = objective.data.steps
        // The training evaluation routes on the device in Float; windows route the device runoff
        // on the host in Double, as the objective does with `deviceRouting` off: those agree bit
        // for bit, the device routing within Float rounding.
        let deviceRouted = try objective.evaluate(x, gradient: false, steps: steps).discharge
        objective.deviceRouting = false
        let whole = try objective.evaluate(x, gradient: false, steps: steps).discharge
        #expect(try Self.discharge(objective, x, window: steps) == whole)
        #expect(try Self.discharge(objective, x, window: 6) == whole)
        let peak = whole[0].max()!
        #expect(zip(deviceRouted[0], whole[0]).allSatisfy { abs($0 - $1) <= 1e-5 * peak })
        // And the Float device run stays within MODEL.md's Float tolerance of the Double reference.
        let (reference, _) = try Self.lez()
        let double = try Self.discharge(reference, x, window: 6)
        for t in 0..<steps where double[0][t] > 1e-3 {
            #expect(abs(whole[0][t] - double[0][t]) <= 1e-3 * double[0][t] + 1e-6, "step \(t)")
        }
    }

    @Test func gammaRoutingWindowsEqualOneRun() throws {
        let url = try LumpedTrainingTests.syntheticBasin()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let prepared = try CalibrationPreparation.prepare(try HydroCase.load(url))
        let objective = CalibrationObjective(data: prepared.data, setup: prepared.setup)
        var x = objective.setup.initialFreeValues()
        for i in x.indices { x[i] += 0.2 * cos(Double(i)) }
        let steps = objective.data.steps
        let whole = try objective.evaluate(x, gradient: false, steps: steps).discharge
        #expect(objective.setup.gamma != nil)
        // Windows shorter than the unit hydrograph (15 steps) and longer.
        for w in [1, 4, 15, 40, steps] {
            #expect(try Self.discharge(objective, x, window: w) == whole, "windows of \(w) steps")
        }
    }

    @Test func fieldsWrittenByWindowsEqualOneWindow() throws {
        var (objective, x) = try Self.lez()
        objective.data.outputFields = ["runoff", "soil_moisture", "snowpack", "discharge"]
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-windowed-fields-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let steps = objective.data.steps
        _ = try WindowedSimulation(objective: objective, windowSteps: steps).run(x, fieldsURL: folder.appending(path: "one.nc"))
        _ = try WindowedSimulation(objective: objective, windowSteps: 4).run(x, fieldsURL: folder.appending(path: "windows.nc"))
        let one = try NetCDFFile(folder.appending(path: "one.nc")), windows = try NetCDFFile(folder.appending(path: "windows.nc"))
        for name in objective.data.outputFields {
            let a = try one.readValues(try one.variable(name)), b = try windows.readValues(try windows.variable(name))
            #expect(a.count == steps * objective.data.grid.rows * objective.data.grid.columns)
            #expect(zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "field \(name)")
        }
        // The unwindowed trace's soil moisture at the last step (independent of the writer).
        let trace = try SequentialReferenceModel<Double>().trace(objective.runoffProblem(x, steps: steps))
        let soil = try windows.readValues(try windows.variable("soil_moisture"))
        let perStep = objective.data.grid.rows * objective.data.grid.columns
        for (c, flat) in objective.data.grid.activeCells.enumerated() {
            let expected = trace.states[(steps - 1) * trace.units + c][.soilMoisture]
            #expect(abs(soil[(steps - 1) * perStep + flat] - expected) <= 1e-4 * max(1, expected))
        }
    }

    @Test func budgetChoosesTheWindow() throws {
        let (objective, x) = try Self.lez()
        let cells = objective.data.cells
        // Room for exactly 10 steps above the per-cell arrays.
        let fixed = try SimulationWindowPlan.choose(budgetBytes: 1e12, cells: cells, gridCells: cells, components: 1, steps: 45, fields: 0, parameterValuesPerCell: 3)
        #expect(fixed.windowSteps == 45)
        let oneStep = Double(cells) * SimulationWindowPlan.bytesPerCellStep
        let base = try SimulationWindowPlan.choose(budgetBytes: 1e12, cells: cells, gridCells: cells, components: 1, steps: 1_000_000, fields: 0, parameterValuesPerCell: 3)
        let perCell = base.windowBytes - oneStep * Double(base.windowSteps)
        let ten = try SimulationWindowPlan.choose(budgetBytes: perCell + 10.5 * oneStep, cells: cells, gridCells: cells, components: 1, steps: 45,
                                                  fields: 0, parameterValuesPerCell: 3)
        #expect(ten.windowSteps == 10)
        #expect(ten.ranges == [0..<10, 10..<20, 20..<30, 30..<40, 40..<45])
        #expect(throws: SimulationWindowError.self) {
            try SimulationWindowPlan.choose(budgetBytes: perCell + 0.5 * oneStep, cells: cells, gridCells: cells, components: 1, steps: 45, fields: 0, parameterValuesPerCell: 3)
        }
        // The simulation's own plan (its parameters hold more values per cell than 3: every
        // parameter the case gives, the exchange's held ones too) takes 8 to 10 steps from the same
        // budget, and gives the discharge of one window.
        let budgeted = try WindowedSimulation(objective: objective, budgetBytes: perCell + 10.5 * oneStep)
        #expect((8...10).contains(budgeted.plan.windowSteps))
        #expect(try budgeted.run(x).discharge == Self.discharge(objective, x, window: 45))
    }

    @Test func memorySizes() {
        #expect(MemorySize.parse("8GB") == 8.0 * 1_073_741_824)
        #expect(MemorySize.parse("512 MiB") == 512.0 * 1_048_576)
        #expect(MemorySize.parse("1.5gb") == 1.5 * 1_073_741_824)
        #expect(MemorySize.parse("4096") == 4096)
        #expect(MemorySize.parse("eight GB") == nil)
        #expect(MemorySize.parse("-1GB") == nil)
        #expect(MemorySize.parse("0") == nil)
    }
}
