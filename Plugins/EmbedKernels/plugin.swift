import Foundation
import PackagePlugin

/// Compiles the OpenCL C sources in the package's top-level `kernels/` folder into the
/// `Kernels` target, so the shipped binary carries its kernels and runs from any directory.
/// Every build re-plans this command with the current file list, so the embedded text
/// cannot drift from the `.cl` files. The model table (model/hbv.table) becomes the header
/// `hbv_model.h` the kernels include.
@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let kernelsFolder = context.package.directoryURL.appending(path: "kernels")
        // kernels/*.cl and *.h, and the process operators' headers in kernels/processes/.
        let fileManager = FileManager.default
        let folders = [kernelsFolder, kernelsFolder.appending(path: "processes")]
        let sources = try folders.filter { fileManager.fileExists(atPath: $0.path) }
            .flatMap { try fileManager.contentsOfDirectory(at: $0, includingPropertiesForKeys: nil) }
            .filter { ["cl", "h"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
        let table = context.package.directoryURL.appending(path: "model/hbv.table")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernelSources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sources.count) OpenCL sources from kernels/",
                executable: try context.tool(named: "KernelEmbedder").url,
                arguments: ["kernels", output.path, table.path] + sources.map(\.path),
                inputFiles: [table] + sources,
                outputFiles: [output]
            )
        ]
    }
}
