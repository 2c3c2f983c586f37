import ArgumentParser

/// `hydrogpu bench`: measured throughput of the model's parts on the chosen backend.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of the model's parts (synthetic inputs; see BENCHMARKS.md).",
        subcommands: [BenchRunoffCommand.self]
    )
}
