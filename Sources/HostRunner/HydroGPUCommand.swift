import ArgumentParser
import HydroGPU

/// The `hydrogpu` command line.
struct HydroGPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hydrogpu",
        abstract: "Differentiable distributed HBV hydrology on GPUs (OpenCL) and CPUs.",
        version: HydroGPUVersion.string,
        subcommands: [
            InitCommand.self, TrainCommand.self, SimulateCommand.self, EvaluateCommand.self, ValidateCommand.self,
            NetworkCommand.self, CheckGradientCommand.self, BenchCommand.self, SynthCommand.self, TwinCommand.self,
            DevicesCommand.self, KernelsCommand.self,
        ]
    )
}
