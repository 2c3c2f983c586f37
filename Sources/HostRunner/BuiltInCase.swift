import ArgumentParser
import BuiltInCaseData
import Foundation

/// Finds the built-in lez case: `configs/lez.yaml` under the working directory, or next to
/// the repository the binary was built in (walking up from the executable), or else the copy
/// embedded in the binary, written to a temporary folder for the run.
enum BuiltInCase {
    /// Where the embedded copy was written in this process (removed by `removeExtracted`).
    nonisolated(unsafe) private static var extracted: URL?

    static func locate() throws -> URL {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appending(path: "configs/lez.yaml")]
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.appending(path: "configs/lez.yaml"))
            folder = folder.deletingLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found.standardized }
        let temporary = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-builtin-\(getpid())-\(UUID().uuidString.prefix(8))")
        do {
            let config = try EmbeddedBuiltInCase.write(to: temporary)
            extracted = temporary
            return config
        } catch {
            throw ValidationError("no CONFIG given, configs/lez.yaml is not in the working directory, and the built-in case could not be written to \(temporary.path): \(error)")
        }
    }

    /// Whether `config` is the embedded copy written by `locate`.
    static func isExtracted(_ config: URL) -> Bool {
        guard let extracted else { return false }
        return config.path.hasPrefix(extracted.path + "/")
    }

    /// Results of the embedded case go to `results/lez` in the working directory (its config's
    /// own folder lies in the temporary copy); nil for any other config.
    static func defaultOutput(for config: URL) -> URL? {
        isExtracted(config) ? URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appending(path: "results/lez") : nil
    }

    static func removeExtracted() {
        if let extracted { try? FileManager.default.removeItem(at: extracted) }
        extracted = nil
    }
}
