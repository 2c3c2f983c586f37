import DeviceTensor
import HydroModel

/// The OpenCL runoff backend behind the host-array `RunoffModel` API (tests, the CLI).
///
/// Each call uploads the problem, runs on the device and downloads the results; training
/// keeps one `OpenCLRunoffSession` (forcing uploaded once) over the device solvers instead.
public struct OpenCLRunoffModel: RunoffModel {
    public typealias Real = Float

    public let device: ComputeDevice
    /// Units per work-item; `nil` picks `RunoffVectorWidth.preferred(for:)`.
    public var vectorWidth: Int?
    /// Bytes the reverse sweep may keep for storages; chooses the checkpoint interval.
    public var memoryBudgetBytes: Int
    /// A fixed checkpoint interval instead of the budget's choice (1 = whole trajectory).
    public var checkpointInterval: Int?
    /// Newton tolerance |F|_inf (mm) and iteration cap of the implicit solver.
    public var newtonTolerance: Float = 1e-4
    public var newtonMaxIterations: Int = 50
    public var newtonPolishingSteps: Int = 1

    public init(device: ComputeDevice, vectorWidth: Int? = nil, memoryBudgetBytes: Int = 1 << 30, checkpointInterval: Int? = nil) {
        self.device = device
        self.vectorWidth = vectorWidth
        self.memoryBudgetBytes = memoryBudgetBytes
        self.checkpointInterval = checkpointInterval
    }

    /// The device-resident solver for `problem` (inputs uploaded).
    public func makeSolver(_ problem: RunoffProblem<Float>) throws(OpenCLRunoffError) -> SequentialRunoffSolver {
        guard problem.configuration.solver == .sequential else { throw .solverNotBuilt(problem.configuration.solver) }
        let data = try RunoffDeviceData(device: device, problem: problem)
        return try SequentialRunoffSolver(data: data, vectorWidth: vectorWidth, memoryBudgetBytes: memoryBudgetBytes, checkpointInterval: checkpointInterval)
    }

    /// The device-resident solver of `problem`'s kind (inputs uploaded).
    public func deviceSolver(_ problem: RunoffProblem<Float>) throws(OpenCLRunoffError) -> any RunoffDeviceSolver {
        switch problem.configuration.solver {
        case .sequential: try makeSolver(problem)
        case .implicit: try makeImplicitSolver(problem)
        }
    }

    public func forward(_ problem: RunoffProblem<Float>) throws -> RunoffResult<Float> {
        let solver = try deviceSolver(problem)
        try solver.forward(recordForAdjoint: false)
        return try Self.result(of: solver)
    }

    public func gradient(_ problem: RunoffProblem<Float>, runoffAdjoint: [Float]) throws -> (result: RunoffResult<Float>, gradient: RunoffGradient<Float>) {
        let expected = problem.forcing.steps * problem.forcing.cells
        guard runoffAdjoint.count == expected else {
            throw OpenCLRunoffError.problem(.arrayLength(name: "runoff adjoint", expected: expected, found: runoffAdjoint.count))
        }
        let solver = try deviceSolver(problem)
        try solver.forward(recordForAdjoint: true)
        let result = try Self.result(of: solver)
        let reverse = try solver.reverse()
        try onDevice { () throws(OpenCLError) in try reverse.runoffAdjoint.upload(runoffAdjoint) }
        try solver.adjoint()
        let (parameters, initial) = try onDevice { () throws(OpenCLError) in
            (try reverse.parameterGradient.download(), try reverse.initialStateGradient.download())
        }
        return (result, RunoffGradient(parameters: solver.data.split(parameters), initialStates: initial))
    }

    static func result(of solver: any RunoffDeviceSolver) throws(OpenCLRunoffError) -> RunoffResult<Float> {
        let audit = try solver.audit()
        let (runoff, finalStates) = try onDevice { () throws(OpenCLError) in
            (try solver.cellRunoff.download(), try solver.finalStates.download())
        }
        return RunoffResult(runoff: runoff, finalStates: finalStates, audit: audit, nonConvergedSteps: try solver.nonConvergedSteps())
    }
}
