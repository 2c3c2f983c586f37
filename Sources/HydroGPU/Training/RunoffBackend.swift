import DeviceTensor

/// Which runoff model a calibration runs: the plain-Swift reference in Double, or the OpenCL
/// kernels (Float; parameters, forcing and results are converted at the boundary). Routing,
/// loss and the parameter chain always run on the host in Double.
public enum RunoffBackend {
    case reference
    case openCL(OpenCLRunoffModel)

    public var name: String {
        switch self {
        case .reference: "reference"
        case .openCL(let model): "OpenCL \(model.device.info.name)"
        }
    }

    /// Runoff `[steps][cells]` in mm per step.
    func forward(_ problem: RunoffProblem<Double>) throws -> [Double] {
        switch self {
        case .reference:
            switch problem.configuration.solver {
            case .sequential: return try SequentialReferenceModel<Double>().forward(problem).runoff
            case .implicit: return try ImplicitReferenceModel<Double>().forward(problem).runoff
            }
        case .openCL(let model):
            return try model.forward(Self.single(problem)).runoff.map(Double.init)
        }
    }

    /// dL/d(physical parameter series) given dL/d(runoff).
    func gradient(_ problem: RunoffProblem<Double>, runoffAdjoint: [Double]) throws -> [HBVParameter: [Double]] {
        switch self {
        case .reference:
            switch problem.configuration.solver {
            case .sequential: return try SequentialReferenceModel<Double>().gradient(problem, runoffAdjoint: runoffAdjoint).gradient.parameters
            case .implicit: return try ImplicitReferenceModel<Double>().gradient(problem, runoffAdjoint: runoffAdjoint).gradient.parameters
            }
        case .openCL(let model):
            let g = try model.gradient(Self.single(problem), runoffAdjoint: runoffAdjoint.map(Float.init)).gradient.parameters
            return g.mapValues { $0.map(Double.init) }
        }
    }

    static func single(_ problem: RunoffProblem<Double>) -> RunoffProblem<Float> {
        let f = problem.forcing
        let forcing = HBVForcing<Float>(steps: f.steps, cells: f.cells, precipitation: f.precipitation.map(Float.init),
                                        temperature: f.temperature.map(Float.init), pet: f.pet.map(Float.init))
        let parameters = problem.parameters.mapValues {
            ParameterSeries<Float>(slots: $0.slots, units: $0.units, values: $0.values.map(Float.init), slotOfStep: $0.slotOfStep)
        }
        return RunoffProblem(configuration: problem.configuration, forcing: forcing, parameters: parameters, initialStates: problem.initialStates.map(Float.init))
    }
}
