import DeviceTensor
import HydroModel

/// The implicit solver behind `OpenCLRunoffModel`'s host-array API.
extension OpenCLRunoffModel {
    /// The device-resident implicit solver for `problem` (inputs uploaded).
    public func makeImplicitSolver(_ problem: RunoffProblem<Float>) throws(OpenCLRunoffError) -> ImplicitRunoffSolver {
        guard problem.configuration.solver == .implicit else { throw .invalidProblem("makeImplicitSolver needs an implicit problem") }
        let data = try RunoffDeviceData(device: device, problem: problem)
        return try ImplicitRunoffSolver(data: data, tolerance: newtonTolerance, maxIterations: newtonMaxIterations,
                                        polishingSteps: newtonPolishingSteps,
                                        vectorWidth: vectorWidth, memoryBudgetBytes: memoryBudgetBytes,
                                        checkpointInterval: checkpointInterval)
    }
}
