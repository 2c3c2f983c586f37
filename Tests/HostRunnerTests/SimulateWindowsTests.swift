import Foundation
import Testing

/// `hydrogpu simulate --memory-budget`: the chosen windows are printed, a small budget (many
/// windows) writes the discharge of a large one (one window), and a budget too small for one
/// step is refused with the sizes, before any result is written.
@Suite("Simulate in time windows (binary)")
struct SimulateWindowsTests {
    @Test func budgetSetsTheWindowsNotTheResults() throws {
        let folder = try TrainCommandTests.temporaryFolder()
        let config = try TrainCommandTests.lezConfig(in: folder, iterations: 1)
        var r = try ExecutableTests.run(["simulate", config.path, "--device", "reference", "--memory-budget", "4GB", "--output", folder.appending(path: "one").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("time windows: 1 of 364 steps"), "\(r.stderr)")
        // The Lez grid's active cells at 128 bytes per cell-step: 2 MB holds a few dozen steps.
        r = try ExecutableTests.run(["simulate", config.path, "--device", "reference", "--memory-budget", "2MB", "--output", folder.appending(path: "many").path])
        #expect(r.status == 0, "\(r.stderr)")
        let windows = r.stderr.split(separator: "\n").first { $0.hasPrefix("time windows: ") }.map(String.init) ?? ""
        let count = Int(windows.dropFirst("time windows: ".count).prefix { $0.isNumber }) ?? 0
        #expect(count > 1, "\(r.stderr)")
        let one = try SimulateUngaugedTests.column("Y3204040_simulated", of: folder.appending(path: "one"))
        #expect(one.count == 364)
        #expect(try SimulateUngaugedTests.column("Y3204040_simulated", of: folder.appending(path: "many")) == one)
        // Too small for one step.
        r = try ExecutableTests.run(["simulate", config.path, "--device", "reference", "--memory-budget", "1KB", "--output", folder.appending(path: "tiny").path])
        #expect(r.status != 0 && r.stderr.contains("is too small for one step of") && r.stderr.contains("--memory-budget"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "tiny/discharge.csv").path))
        // Not a size.
        r = try ExecutableTests.run(["simulate", config.path, "--memory-budget", "lots"])
        #expect(r.status != 0 && r.stderr.contains("is not a memory size"), "\(r.stderr)")
    }

    @Test func configKeyIsReadAndChecked() throws {
        let folder = try TrainCommandTests.temporaryFolder()
        let config = try TrainCommandTests.lezConfig(in: folder, iterations: 1)
        let text = try String(contentsOf: config, encoding: .utf8)
        #expect(text.contains("model:\n"))
        let budgeted = folder.appending(path: "budget.yaml")
        try text.replacingOccurrences(of: "model:\n", with: "model:\n  memory_budget: 2MB\n")
            .write(to: budgeted, atomically: true, encoding: .utf8)
        var r = try ExecutableTests.run(["simulate", budgeted.path, "--device", "reference", "--output", folder.appending(path: "b").path])
        #expect(r.status == 0 && r.stderr.contains("model.memory_budget"), "\(r.stderr)")
        let bad = folder.appending(path: "bad.yaml")
        try text.replacingOccurrences(of: "model:\n", with: "model:\n  memory_budget: plenty\n")
            .write(to: bad, atomically: true, encoding: .utf8)
        r = try ExecutableTests.run(["simulate", bad.path, "--device", "reference", "--output", folder.appending(path: "c").path])
        #expect(r.status != 0 && r.stderr.contains("memory_budget") && r.stderr.contains("'plenty' is not a memory size"), "\(r.stderr)")
    }
}
