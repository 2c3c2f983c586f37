import Foundation
import Testing

/// `hydrogpu synth` then `hydrogpu validate` and `hydrogpu train` on what it wrote, as a user would.
struct SynthCommandTests {
    @Test func synthWritesACaseThatValidatesAndTrainsToTheTruth() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-synth-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let synth = try ExecutableTests.run(["synth", "--rows", "8", "--cols", "8", "--days", "365", "--gauges", "3", "--seed", "2",
                                             "--truth", "uniform", "--output", folder.path])
        #expect(synth.status == 0, "\(synth.stderr)")
        #expect(synth.stdout.contains("G1 (row 7, col 4, 64 km²)"), "the outlet drains all 64 cells: \(synth.stdout)")
        let config = folder.appending(path: "case.yaml").path
        let validate = try ExecutableTests.run(["validate", config])
        #expect(validate.status == 0 && validate.stdout.hasSuffix("ok\n"), "\(validate.stdout)\(validate.stderr)")
        // A twin calibration from mid-bounds with the reference backend fits the true discharge.
        let train = try ExecutableTests.run(["train", config, "--device", "reference", "--iterations", "50"])
        #expect(train.status == 0, "\(train.stderr)")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appending(path: "results/metrics.json")))
        let text = String(describing: metrics)
        #expect(!text.isEmpty)
        let nseLines = train.stdout.split(separator: "\n").filter { $0.hasPrefix("calibration") }
        #expect(nseLines.count == 3)
        for line in nseLines {
            let nse = Double(line.split(separator: " ", omittingEmptySubsequences: true)[2])!
            #expect(nse >= 0.99, "\(line)")
        }
    }
}
