import Foundation
import Testing

/// The built-in case travels inside the binary: `train` runs it from an empty folder holding
/// only a copy of the binary, and `init` writes the repository's own files out.
@Suite("Built-in case (binary alone)")
struct BuiltInCaseTests {
    static let repository = TrainCommandTests.repository

    /// The repository's files of the built-in case, relative to its root.
    static func repositoryFiles() throws -> [String] {
        var files = ["configs/lez.yaml"]
        let data = repository.appending(path: "data/lez")
        let walker = FileManager.default.enumerator(atPath: data.path)!
        for case let path as String in walker {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: data.appending(path: path).path, isDirectory: &isFolder)
            if !isFolder.boolValue { files.append("data/lez/\(path)") }
        }
        return files.sorted()
    }

    @Test func trainRunsFromAnEmptyFolderWithOnlyTheBinary() throws {
        let folder = try TrainCommandTests.temporaryFolder()
        let binary = folder.appending(path: "hydrogpu")
        try FileManager.default.copyItem(at: ExecutableTests.binary, to: binary)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["train", "--device", "reference", "--iterations", "2"]
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("the built-in case carried by the binary"))
        #expect(stderr.contains("iter 2/2  loss"))
        #expect(stdout.contains("calibration  Y3204040"))
        let results = folder.appending(path: "results/lez")
        for file in ["metrics.json", "discharge.csv", "parameters.json", "checkpoint.json", "hydrograph_Y3204040.svg"] {
            #expect(FileManager.default.fileExists(atPath: results.appending(path: file).path), "\(file)")
        }
        // Nothing but the binary and the results is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["hydrogpu", "results"])
    }

    @Test func initWritesTheRepositorysFilesByteForByte() throws {
        let folder = try TrainCommandTests.temporaryFolder().appending(path: "case")
        let result = try ExecutableTests.run(["init", folder.path])
        #expect(result.status == 0, "\(result.stderr)")
        for path in try Self.repositoryFiles() {
            let written = try Data(contentsOf: folder.appending(path: path))
            #expect(written == (try Data(contentsOf: Self.repository.appending(path: path))), "\(path)")
        }
        let validated = try ExecutableTests.run(["validate", folder.appending(path: "configs/lez.yaml").path])
        #expect(validated.status == 0, "\(validated.stderr)")
        // A second init into the same folder replaces nothing and names the clash.
        let again = try ExecutableTests.run(["init", folder.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
    }
}
