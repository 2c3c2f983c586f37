import ArgumentParser

/// `hydrogpu bench`: timings of the model's parts on this machine.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of the model's parts.",
        subcommands: [BenchRunoffCommand.self, BenchRoutingCommand.self, BenchTrainingCommand.self]
    )
}
