import ArgumentParser
import BuiltInCaseData
import Foundation

/// `hydrogpu init [DIR]`: writes the built-in Lez case carried by the binary as a starting case.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the built-in Lez case (config and data, carried by the binary) into a folder, as a starting point for a case of your own.")

    @Argument(help: "Folder to write into (created if needed; existing files are never replaced).")
    var folder: String = "hydrogpu-lez"

    func run() throws {
        let url = URL(fileURLWithPath: folder)
        let config: URL
        do { config = try EmbeddedBuiltInCase.write(to: url) } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
        for f in EmbeddedBuiltInCase.files { print("wrote \(url.appending(path: f.path).path) (\(f.contents.count) bytes)") }
        print("next: hydrogpu validate \(config.path) && hydrogpu train \(config.path)")
    }
}
