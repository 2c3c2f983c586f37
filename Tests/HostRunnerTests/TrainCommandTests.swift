import Foundation
import Testing

/// `hydrogpu train`, `simulate` and `evaluate` as a user runs them.
@Suite("Train command (binary)")
struct TrainCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The lez config with absolute data paths, a checkpoint every iteration and `iterations`.
    static func lezConfig(in folder: URL, iterations: Int, optimizer: String = "lbfgs") throws -> URL {
        let data = repository.appending(path: "data/lez").path
        var text = try String(contentsOf: repository.appending(path: "configs/lez.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../data/lez", with: data)
        if let cut = text.range(of: "# Calibration (hydrogpu train") { text = String(text[..<cut.lowerBound]) }
        text += "training: {optimizer: \(optimizer), iterations: \(iterations), checkpoint_interval: 1, loss: nse}\n"
        let url = folder.appending(path: "lez.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func checkpoint(_ folder: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appending(path: "checkpoint.json"))) as! [String: Any]
    }

    @Test func builtInCaseFromTheRepositoryRoot() throws {
        let folder = try Self.temporaryFolder()
        let result = try ExecutableTests.run(["train", "--device", "reference", "--iterations", "1", "--output", folder.path], in: Self.repository.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("configs/lez.yaml"))
        #expect(result.stderr.contains("iter 1/1  loss"))
        #expect(result.stdout.contains("calibration  Y3204040"))
        #expect(result.stdout.contains("validation   Y3204010"))
        for file in ["metrics.json", "discharge.csv", "hydrograph_Y3204040.svg", "parameters.json", "checkpoint.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appending(path: file).path), "\(file)")
        }
        let evaluate = try ExecutableTests.run(["evaluate", folder.path])
        #expect(evaluate.status == 0)
        #expect(evaluate.stdout.contains("calibration  Y3204040"))
        #expect(evaluate.stdout.contains("iterations: 1"))
        // simulate with the trained parameters (the same built-in config) reproduces the training run's metrics.
        let simulated = try ExecutableTests.run(["simulate", "configs/lez.yaml", "--device", "reference", "--parameters", folder.path, "--output", folder.appending(path: "sim").path],
                                                in: Self.repository.path)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let a = try String(contentsOf: folder.appending(path: "metrics.json"), encoding: .utf8)
        let b = try String(contentsOf: folder.appending(path: "sim/metrics.json"), encoding: .utf8)
        #expect(a == b)
    }

    /// From another directory, the built-in case is found next to the repository the binary was built in.
    @Test func builtInCaseFromElsewhereIsFoundThroughTheBinary() throws {
        let folder = try Self.temporaryFolder()
        let result = try ExecutableTests.run(["train", "--device", "reference", "--iterations", "1", "--output", folder.path], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("case: \(Self.repository.appending(path: "configs/lez.yaml").standardized.path)"))
        #expect(result.stdout.contains("calibration  Y3204040"))
    }

    /// A run killed with SIGKILL after a checkpoint and resumed ends where an uninterrupted run ends.
    @Test func killedAndResumedRunEqualsUninterruptedRun() throws {
        let folder = try Self.temporaryFolder()
        // Adam runs every iteration (no convergence stop) and 40 of them last long enough, even
        // in a release build, for the poll below to kill the run part-way.
        let iterations = 40
        let config = try Self.lezConfig(in: folder, iterations: iterations, optimizer: "adam")
        let whole = folder.appending(path: "whole"), killed = folder.appending(path: "killed")
        let first = try ExecutableTests.run(["train", config.path, "--device", "reference", "--output", whole.path])
        #expect(first.status == 0, "\(first.stderr)")

        let process = Process()
        process.executableURL = ExecutableTests.binary
        process.arguments = ["train", config.path, "--device", "reference", "--output", killed.path]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var waited = 0.0
        while waited < 60 {
            if let c = try? Self.checkpoint(killed), (c["iteration"] as? Int ?? 0) >= 2 { break }
            Thread.sleep(forTimeInterval: 0.005)
            waited += 0.005
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let at = try Self.checkpoint(killed)["iteration"] as! Int
        #expect(at >= 2 && at < iterations)
        let resumed = try ExecutableTests.run(["train", config.path, "--device", "reference", "--output", killed.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming from iteration \(at)"))
        let a = try Self.checkpoint(whole), b = try Self.checkpoint(killed)
        #expect(a["iteration"] as? Int == iterations)
        #expect(a["free"] as! [Double] == b["free"] as! [Double])
    }

    @Test func nanStopsTheRunNamingWhereAndKeepsTheCheckpoint() throws {
        let folder = try Self.temporaryFolder()
        let config = try Self.lezConfig(in: folder, iterations: 4)
        let process = Process()
        process.executableURL = ExecutableTests.binary
        process.arguments = ["train", config.path, "--device", "reference", "--output", folder.appending(path: "run").path]
        process.environment = ProcessInfo.processInfo.environment.merging(["HYDROGPU_TEST_NAN_AT_ITERATION": "2"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("training diverged at iteration 3"), "\(stderr)")
        #expect(stderr.contains("precipitation is nan at step 1"))
        #expect(try Self.checkpoint(folder.appending(path: "run"))["iteration"] as? Int == 2)
    }

    @Test func unknownTrainingKeyNamesKeyAndLine() throws {
        let folder = try Self.temporaryFolder()
        let config = try Self.lezConfig(in: folder, iterations: 1)
        try (String(contentsOf: config, encoding: .utf8) + "parameters:\n  FC: {spatial: distributed, inital: 200}\n").write(to: config, atomically: true, encoding: .utf8)
        let result = try ExecutableTests.run(["train", config.path, "--device", "reference"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("line 42"), "\(result.stderr)")
        #expect(result.stderr.contains("inital"))
    }

    /// A multi-case config: two copies of the regionalised Lez (renamed) share one network; one
    /// results subfolder per case, network.json, per-case tables on standard output.
    @Test func multiCaseConfigTrainsOneNetworkForBothCases() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: Self.repository.appending(path: "configs/lez-regionalised.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../data/lez", with: Self.repository.appending(path: "data/lez").path)
        for name in ["lez-a", "lez-b"] {
            try text.replacingOccurrences(of: "name: lez-regionalised", with: "name: \(name)").write(to: folder.appending(path: "\(name).yaml"), atomically: true, encoding: .utf8)
        }
        let joint = folder.appending(path: "joint.yaml")
        try """
        name: joint
        cases: [lez-a.yaml, lez-b.yaml]
        regionalisation: {descriptors: [slope, drainage_density], hidden: [3]}
        training: {iterations: 1}
        output: {folder: run}
        """.write(to: joint, atomically: true, encoding: .utf8)
        let result = try ExecutableTests.run(["train", joint.path, "--device", "reference"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("shared network [2, 3, 9] over slope, drainage_density"), "\(result.stderr)")
        #expect(result.stderr.contains("iter 1/1  loss") && result.stderr.contains("lez-b/Y3204010"), "\(result.stderr)")
        #expect(result.stdout.contains("lez-a:\nperiod") && result.stdout.contains("lez-b:\nperiod"), "\(result.stdout)")
        let run = folder.appending(path: "run")
        for file in ["checkpoint.json", "network.json", "lez-a/metrics.json", "lez-b/metrics.json", "lez-b/maps/FC.tif"] {
            #expect(FileManager.default.fileExists(atPath: run.appending(path: file).path), "\(file)")
        }
        // Identical cases, equal weights, one network: identical own values, identical discharge.
        #expect(result.stderr.contains("lez-b (weight 0.5)"))
        let a = try String(contentsOf: run.appending(path: "lez-a/discharge.csv"), encoding: .utf8)
        let b = try String(contentsOf: run.appending(path: "lez-b/discharge.csv"), encoding: .utf8)
        #expect(a == b)
        // --initial by case name: lez-a starts from lez-b's results (a wrong name is refused).
        let refused = try ExecutableTests.run(["train", joint.path, "--device", "reference", "--initial", "lez-c=\(run.path)/lez-b"])
        #expect(refused.status != 0 && refused.stderr.contains("CASE one of lez-a, lez-b"), "\(refused.stderr)")
        let restarted = try ExecutableTests.run(["train", joint.path, "--device", "reference", "--iterations", "0", "--output", folder.appending(path: "again").path,
                                                 "--initial", "lez-a=\(run.path)/lez-b"])
        #expect(restarted.status == 0, "\(restarted.stderr)")
        let before = try String(contentsOf: folder.appending(path: "again/lez-b/parameters.json"), encoding: .utf8)
        let after = try String(contentsOf: folder.appending(path: "again/lez-a/parameters.json"), encoding: .utf8)
        #expect(before != after, "lez-a should start from lez-b's trained velocity")
        let simulate = try ExecutableTests.run(["simulate", joint.path, "--device", "reference"])
        #expect(simulate.status != 0 && simulate.stderr.contains("is a multi-case config"), "\(simulate.stderr)")
    }
}
