import ArgumentParser
import Foundation
import HydroGPU

/// `hydrogpu validate CONFIG`: reads a case (or every case of a multi-case config) and
/// everything it names, and prints what it found.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a case config (or a multi-case config and its cases) and its inputs; print grid, cells, gauges, periods and forcing statistics."
    )

    @Argument(help: "The case's YAML config, or a multi-case config (top-level cases:).")
    var config: String

    func run() throws {
        let url = URL(fileURLWithPath: config)
        let result: Result<[String], InputError> = MultiCaseConfig.declaresCases(url)
            ? CaseValidation.validateMultiCase(url).map(\.lines)
            : CaseValidation.validate(url).map(\.lines)
        switch result {
        case .success(let lines):
            for line in lines { print(line) }
            print("ok")
        case .failure(let error):
            printToStandardError("error: \(error.description)")
            throw ExitCode(1)
        }
    }
}
