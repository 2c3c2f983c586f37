import DeviceTensor
import HydroModel
import OpenCLBackend

/// Which runoff model a calibration runs: the plain-Swift reference in Double, or the OpenCL
/// kernels (Float; parameters, forcing and results are converted at the boundary). The loss
/// and the parameter chain always run on the host in Double; the routing does too except with
/// OpenCL on a D8 case, where `CalibrationObjective` routes on the device (`DeviceRoutedRunoff`).
public enum RunoffBackend {
    case reference
    case openCL(OpenCLRunoffModel)

    public var name: String {
        switch self {
        case .reference: "reference"
        case .openCL(let model): "OpenCL \(model.device.info.name)"
        }
    }

    /// A session over steps `0..<steps` of `problem` (its forcing, initial storages and
    /// parameter layout), for repeated forward + gradient runs at new parameter values.
    public func makeSession(_ problem: RunoffProblem<Double>, steps: Int) throws -> any RunoffSession {
        switch self {
        case .reference: ReferenceRunoffSession(problem, steps: steps)
        case .openCL(let model): try OpenCLRunoffSession(model: model, problem: problem, steps: steps)
        }
    }
}
