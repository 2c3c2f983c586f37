import Foundation
import PackagePlugin

/// Generates the Swift declarations of the HBV model (HBVProcess, HBVStorage, HBVParameter:
/// order, names, bounds, units, rates, absence rules) from model/hbv.table, the model's one
/// description; the kernels get the same table as `hbv_model.h` (plugin EmbedKernels).
@main
struct GenerateModel: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let table = context.package.directoryURL.appending(path: "model/hbv.table")
        let output = context.pluginWorkDirectoryURL.appending(path: "HBVModelTable.swift")
        return [
            .buildCommand(
                displayName: "Generating the HBV model declarations from model/hbv.table",
                executable: try context.tool(named: "KernelEmbedder").url,
                arguments: ["model", output.path, table.path],
                inputFiles: [table],
                outputFiles: [output]
            )
        ]
    }
}
