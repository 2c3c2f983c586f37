import ArgumentParser
import DeviceTensor
import HydroGPU

// Every choice on the command line is an enum the parser checks before any command runs: an
// unknown value ends with the parser's "invalid value" message listing the valid ones, and no
// string reaches a `precondition` or a `rawValue` lookup inside a command.

extension HBVSolver: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension SyntheticCatchment.Truth: ExpressibleByArgument {}
extension FlowDirectionEncoding: ExpressibleByArgument {}

extension DeviceRequest: ExpressibleByArgument {
    /// Case-insensitive, as `HYDROGPU_DEVICE` is.
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `check-gradient --layout`: the temporal layout of every parameter of the synthetic case.
enum TemporalLayoutChoice: String, CaseIterable, ExpressibleByArgument {
    case constant, monthly, dynamic

    init?(argument: String) {
        // "static" was accepted before the choices became an enum.
        self.init(rawValue: argument == "static" ? "constant" : argument)
    }
}

/// `bench routing --precision`.
enum PrecisionChoice: String, CaseIterable, ExpressibleByArgument {
    case float, double
}
