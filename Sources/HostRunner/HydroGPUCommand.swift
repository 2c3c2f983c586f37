import ArgumentParser
import HydroGPU

/// The `hydrogpu` command line.
struct HydroGPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hydrogpu",
        abstract: "Differentiable distributed HBV hydrology on GPUs (OpenCL) and CPUs.",
        version: HydroGPUVersion.string,
        subcommands: [DevicesCommand.self, KernelsCommand.self, ValidateCommand.self, TrainCommand.self, SimulateCommand.self, EvaluateCommand.self,
                      BenchCommand.self, SynthCommand.self, TwinCommand.self]
    )
}
