import DeviceTensor

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

    func implicitForward(_ problem: RunoffProblem<Float>) throws -> RunoffResult<Float> {
        let solver = try makeImplicitSolver(problem)
        try solver.forward(recordForAdjoint: false)
        return try Self.result(of: solver)
    }

    func implicitGradient(_ problem: RunoffProblem<Float>, runoffAdjoint: [Float]) throws
        -> (result: RunoffResult<Float>, gradient: RunoffGradient<Float>)
    {
        let expected = problem.forcing.steps * problem.forcing.cells
        guard runoffAdjoint.count == expected else {
            throw OpenCLRunoffError.invalidProblem("runoff adjoint has \(runoffAdjoint.count) values; expected steps x cells = \(expected)")
        }
        let solver = try makeImplicitSolver(problem)
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

    static func result(of solver: ImplicitRunoffSolver) throws(OpenCLRunoffError) -> RunoffResult<Float> {
        let audit = try solver.audit()
        let (runoff, finalStates) = try onDevice { () throws(OpenCLError) in
            (try solver.cellRunoff.download(), try solver.finalStates.download())
        }
        return RunoffResult(runoff: runoff, finalStates: finalStates, audit: audit,
                            nonConvergedSteps: try solver.nonConvergedSteps())
    }
}
