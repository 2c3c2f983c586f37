import ArgumentParser
import Foundation
import HydroGPU

/// `hydrogpu network CONFIG`: the case's D8 network as GeoTIFF maps (upstream area, levels,
/// basins, flow distance, gauges), without reading forcing or observations.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Write a gridded case's D8 network products as GeoTIFF: upstream cells and area, topological level, basins, flow distance, gauges and their sub-basins.")

    @Argument(help: "Case config (YAML) with domain.flow_direction.")
    var config: String
    @Option(help: "Folder for the files (default: the config's output.folder + /network).")
    var output: String?

    func run() throws {
        let domain: CaseDomain
        do { domain = try CaseDomain.load(URL(fileURLWithPath: config)) } catch {
            printToStandardError("error: \(error.description)")
            throw ExitCode(1)
        }
        let folder = output.map { URL(fileURLWithPath: $0) } ?? domain.config.output.folder.appending(path: "network")
        do {
            for line in try NetworkOutputs.write(domain, to: folder) { print(line) }
        } catch {
            printToStandardError("error: \(error.description)")
            throw ExitCode(1)
        }
        print("files      \(NetworkOutputs.rasterNames.map { "\($0).tif" }.joined(separator: ", ")), outlets.csv, gauges.csv")
        print("results: \(folder.path)")
    }
}
