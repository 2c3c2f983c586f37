import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// The state layout (`StateLayout`): which storages a run's step records keep for each set of
/// processes and each solver, its indexing and its compaction, and the solvers' records and
/// checkpoints sized by it.
@Suite("State layout")
struct StateLayoutTests {
    static func processes(_ off: Set<HBVProcess>, limitsIceMelt: Bool = false) -> ActiveProcesses {
        ActiveProcesses(HBVProcess.allCases.filter { !off.contains($0) }, limitsIceMelt: limitsIceMelt)
    }

    @Test func layoutOfEachProcessSet() {
        // The table's `absent` = `null` column, generated: the snow and the runoff exchange (which
        // owns no storage) have a null operator.
        #expect(HBVProcess.allCases.filter(\.hasNullOperator) == [.snow, .runoffExchange])
        #expect(!HBVStorage.allCases.contains { $0.process == .runoffExchange })
        // Snow on, no glacier: the five storages of δHBV, both solvers.
        for solver in HBVSolver.allCases {
            #expect(StateLayout(Self.processes([.glacier]), solver: solver).storages
                    == [.snowpack, .meltwater, .soilMoisture, .upperZone, .lowerZone])
        }
        // Snow off: the sequential null operator empties the snow storages in the first step,
        // the implicit one drains them over many steps (kept).
        #expect(StateLayout(Self.processes([.snow, .glacier]), solver: .sequential).storages == [.soilMoisture, .upperZone, .lowerZone])
        #expect(StateLayout(Self.processes([.snow, .glacier]), solver: .implicit).storages
                == [.snowpack, .meltwater, .soilMoisture, .upperZone, .lowerZone])
        // Glacier: the ice store only when the ice limits the melt.
        for solver in HBVSolver.allCases {
            #expect(!StateLayout(Self.processes([]), solver: solver).contains(.ice))
            #expect(StateLayout(Self.processes([], limitsIceMelt: true), solver: solver) == .full)
            #expect(StateLayout(Self.processes([.snow], limitsIceMelt: true), solver: .sequential).storages
                    == [.soilMoisture, .upperZone, .lowerZone, .ice])
        }
        // Processes without storages (capillary rise, exchange) do not change it.
        #expect(StateLayout(Self.processes([.capillaryRise, .groundwaterExchange, .glacier]), solver: .sequential)
                == StateLayout(Self.processes([.glacier]), solver: .sequential))
        // A problem's layout follows its given parameters (switched by presence).
        var problem: RunoffProblem<Double> = SyntheticRunoff.problem(cells: 3, steps: 5)
        #expect(problem.stateLayout.storages == [.snowpack, .meltwater, .soilMoisture, .upperZone, .lowerZone])
        for p in HBVParameter.allCases where p.process == .snow { problem.parameters[p] = nil }
        #expect(problem.stateLayout.count == 3)
        problem.configuration.solver = .implicit
        #expect(problem.stateLayout.count == 5)
    }

    @Test func indexingAndCompaction() {
        let layout = StateLayout(Self.processes([.snow], limitsIceMelt: true), solver: .sequential)
        #expect(layout.count == 4)
        #expect(layout.index(of: .snowpack) == nil && layout.index(of: .meltwater) == nil)
        #expect(layout.index(of: .soilMoisture) == 0 && layout.index(of: .upperZone) == 1)
        #expect(layout.index(of: .lowerZone) == 2 && layout.index(of: .ice) == 3)
        #expect(!layout.isLeadingBlock)
        #expect(StateLayout(Self.processes([.glacier]), solver: .implicit).isLeadingBlock)
        #expect(StateLayout.full.count == HBVStorage.count && StateLayout.full.isLeadingBlock)
        #expect(layout.openCLDefine == " -DHBV_STATE_LAYOUT=\(layout.mask)")
        let units = 3
        let full = (0..<(HBVStorage.count * units)).map { Double($0 + 1) }
        let compact = layout.compact(full, units: units)
        #expect(compact.count == layout.count * units)
        for (row, storage) in layout.storages.enumerated() {
            #expect(Array(compact[(row * units)..<((row + 1) * units)]) == Array(full[(storage.rawValue * units)..<((storage.rawValue + 1) * units)]))
        }
        // Absent storages expand to 0, or to the given full array's values (the initial states).
        let zeros = layout.expand(compact, units: units)
        #expect(zeros[0..<(2 * units)].allSatisfy { $0 == 0 })
        #expect(Array(zeros[(2 * units)...]) == Array(full[(2 * units)...]))
        #expect(layout.expand(compact, units: units, absent: full) == full)
    }

    /// The implicit reference's recorded trajectory keeps the layout's storages: a glacier that
    /// is off leaves the ice store out (5 of 6 rows), and the replayed gradient is bit for bit
    /// the one that solves the steps again.
    @Test func implicitReferenceTrajectoryUsesTheLayout() throws {
        var problem: RunoffProblem<Double> = SyntheticRunoff.problem(cells: 4, steps: 40)
        problem.configuration.solver = .implicit
        #expect(problem.stateLayout.count == HBVStorage.count - 1)
        let model = ImplicitReferenceModel<Double>()
        let adjoint = (0..<(40 * 4)).map { 0.1 + 0.01 * Double($0 % 13) }
        let recorded = try model.record(problem)
        #expect(recorded.isTaped)
        let replayed = try model.gradient(of: recorded, runoffAdjoint: adjoint)
        let (result, solved) = try model.gradient(problem, runoffAdjoint: adjoint)
        #expect(recorded.result.runoff == result.runoff && recorded.result.finalStates == result.finalStates)
        #expect(replayed.parameters == solved.parameters)
        #expect(replayed.initialStates == solved.initialStates)
        // The ice keeps its start value at the solver boundary.
        let units = problem.units, ice = HBVStorage.ice.rawValue
        #expect(Array(result.finalStates[(ice * units)..<((ice + 1) * units)]) == Array(problem.initialStates[(ice * units)..<((ice + 1) * units)]))
    }
}

/// The device solvers' step records and checkpoints sized by the state layout, and a problem
/// without snow (compact records: SM, SUZ, SLZ) against the same forcing with the snow on far
/// above its threshold (full records): the same bits forward and backward, through checkpoints.
@Suite(.enabled(if: TestDevice.available, "needs an OpenCL device"))
struct OpenCLStateLayoutTests {
    let device = TestDevice.shared!

    @Test func checkpointsUseTheLayoutCount() throws {
        let problem = OpenCLSnowAbsentTests.problem(cells: 9, steps: 50, components: 1)
        #expect(problem.stateLayout.count == 3)
        let data = try RunoffDeviceData(device: device, problem: problem)
        let sequential = try SequentialRunoffSolver(data: data, checkpointInterval: 1)
        #expect(sequential.plan.recordValues == 3 + 2)
        #expect(sequential.plan.bytes == 50 * (3 + 2) * 9 * MemoryLayout<Float>.stride)

        var implicit = problem
        implicit.configuration.solver = .implicit
        let implicitSolver = try ImplicitRunoffSolver(data: try RunoffDeviceData(device: device, problem: implicit), checkpointInterval: 5)
        #expect(implicitSolver.plan.recordValues == implicit.stateLayout.count)
        #expect(implicit.stateLayout.count == HBVStorage.count - 1)

        let glacier = OpenCLGlacierTests.problem(cells: 9, steps: 50, components: 1, limited: true)
        let glacierSolver = try SequentialRunoffSolver(data: try RunoffDeviceData(device: device, problem: glacier), checkpointInterval: 1)
        #expect(glacierSolver.plan.recordValues == HBVStorage.count + 2)
    }

    @Test(arguments: [1, 7])
    func snowFreeCompactEqualsWarmSnowFull(checkpointInterval: Int) throws {
        let problem = OpenCLSnowAbsentTests.problem(cells: 21, steps: 200, components: 2)
        let warm = SnowAbsentTests.warm(problem)
        #expect(problem.stateLayout.count == 3 && warm.stateLayout.count == 5)
        let adjoint = Compare.runoffAdjoint(steps: 200, cells: 21)
        let model = OpenCLRunoffModel(device: device, checkpointInterval: checkpointInterval)
        let (a, ga) = try model.gradient(problem, runoffAdjoint: adjoint)
        let (w, gw) = try model.gradient(warm, runoffAdjoint: adjoint)
        #expect(a.runoff == w.runoff)
        #expect(a.finalStates == w.finalStates)
        for p in HBVParameter.allCases where p.process != .snow && ga.parameters[p] != nil {
            #expect(ga.parameters[p] == gw.parameters[p], "\(p.name)")
        }
        // The soil's and zones' initial gradients are the same bits; the snow's (12-16 mm of
        // initial snow drain to the soil in the first step: the records leave the snow out,
        // the adjoint reads it back from the initial states) are the soil inflow's, which the
        // warm snow's reverse reaches through its melt (within 1 ulp here).
        let units = problem.units, soil = HBVStorage.soilMoisture.rawValue * units
        #expect(Array(ga.initialStates[soil...]) == Array(gw.initialStates[soil...]))
        #expect(Compare.maxRelative(Array(ga.initialStates[..<soil]), Array(gw.initialStates[..<soil]), floor: 1e-6) <= 1e-6)
        #expect(ga.initialStates[0..<units].contains { $0 != 0 })
        // Checkpoints (the first segment recomputed from the initial snow) or the trajectory: same bits.
        let (_, trajectory) = try OpenCLRunoffModel(device: device, checkpointInterval: 1).gradient(problem, runoffAdjoint: adjoint)
        #expect(ga.initialStates == trajectory.initialStates)
        #expect(ga.parameters == trajectory.parameters)
    }
}
