import ArgumentParser
import Foundation
import HydroGPU

/// `hydrogpu validate CONFIG`: reads a case and everything it names, and prints what it found.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a case config and its inputs; print grid, cells, gauges, periods and forcing statistics."
    )

    @Argument(help: "The case's YAML config.")
    var config: String

    func validate() throws { try InputPath.checkFile(config, what: "CONFIG") }

    func run() throws {
        let url = URL(fileURLWithPath: config)
        switch CaseValidation.validate(url) {
        case .success(let summary):
            for line in summary.lines { print(line) }
            print("ok")
        case .failure(let error):
            printToStandardError("error: \(error.description)")
            throw ExitCode(1)
        }
    }
}
