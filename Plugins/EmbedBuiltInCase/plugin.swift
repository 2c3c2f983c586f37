import Foundation
import PackagePlugin

/// Embeds the built-in Lez case (`configs/lez.yaml` and every file under `data/lez/`) into the
/// `BuiltInCaseData` target, so `hydrogpu train` runs it with the binary alone and
/// `hydrogpu init` writes it out. The file list is re-planned on every build, so the embedded
/// copy cannot drift from the repository's files.
@main
struct EmbedBuiltInCase: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var files = [root.appending(path: "configs/lez.yaml")]
        let data = root.appending(path: "data/lez")
        if let walker = FileManager.default.enumerator(at: data, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                files.append(url)
            }
        }
        files.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedBuiltInCaseFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding the built-in case (\(files.count) files from configs/ and data/lez/)",
                executable: try context.tool(named: "CaseEmbedder").url,
                arguments: [output.path, root.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
