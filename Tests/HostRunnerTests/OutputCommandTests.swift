import Foundation
import Testing

/// `network`, `train --starts`, the end-of-training report and the terminal progress line, as a
/// user runs them.
@Suite("Output commands (binary)")
struct OutputCommandTests {
    static let repository = TrainCommandTests.repository
    static let shared = repository.deletingLastPathComponent().appending(path: "shared/data")

    /// Reads an ESRI ASCII grid's values (row-major) with a few lines of code of its own.
    static func ascii(_ url: URL) throws -> (columns: Int, values: [Double]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let columns = Int(lines[0].split(separator: " ").last!)!
        return (columns, lines.dropFirst(6).flatMap { $0.split(separator: " ").map { Double($0)! } })
    }

    @Test func networkWritesGeoTIFFsWhoseGaugeAreasMatchSmash() throws {
        let folder = try TrainCommandTests.temporaryFolder()
        let result = try ExecutableTests.run(["network", Self.repository.appending(path: "configs/lez.yaml").path, "--output", folder.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("gauge 1    Y3204040 at row 26, column 12"))
        for name in ["upstream_cells", "upstream_area_km2", "level", "basin", "flow_distance_m", "gauges", "gauge_basins"] {
            #expect(FileManager.default.fileExists(atPath: folder.appending(path: "\(name).tif").path), "\(name).tif")
        }
        let gauges = try String(contentsOf: folder.appending(path: "gauges.csv"), encoding: .utf8).split(separator: "\n")
        #expect(gauges.count == 4 && gauges[1].hasPrefix("1,Y3204040,26,12,"))
        // The D8 area at each gauge against smash's upstream area raster for the Lez.
        let smash = Self.shared.appending(path: "lez/upstream_area_smash_km2.asc")
        guard FileManager.default.fileExists(atPath: smash.path) else { print("skipped the smash comparison: \(smash.path) not found"); return }
        let reference = try Self.ascii(smash)
        for line in gauges.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let area = Double(f[8])!, expected = reference.values[Int(f[2])! * reference.columns + Int(f[3])!]
            #expect(abs(area - expected) <= 1e-3 * expected, "gauge \(f[1]): \(area) km², smash \(expected)")
        }
    }

    @Test func networkOnALumpedCaseNamesTheDomainKey() throws {
        let config = Self.repository.appending(path: "configs/camels-01022500.yaml")
        let result = try ExecutableTests.run(["network", config.path, "--output", try TrainCommandTests.temporaryFolder().path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(config.path), key 'domain': a lumped case has no D8 network"), "\(result.stderr)")
    }

    /// Three starts of two iterations: the first is the plain run, the kept one has the lowest
    /// final loss, and its checkpoint is the results folder's.
    @Test func startsKeepTheLowestLossAndSummariseAll() throws {
        let folder = try TrainCommandTests.temporaryFolder()
        let config = try TrainCommandTests.lezConfig(in: folder, iterations: 2)
        let plain = try ExecutableTests.run(["train", config.path, "--device", "reference", "--output", folder.appending(path: "plain").path])
        #expect(plain.status == 0, "\(plain.stderr)")
        let multi = folder.appending(path: "multi")
        let result = try ExecutableTests.run(["train", config.path, "--device", "reference", "--starts", "3", "--output", multi.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("start 3/3  iter 2/2  loss"))
        #expect(result.stderr.contains("starts (lowest final loss kept):"))
        let rows = try String(contentsOf: multi.appending(path: "starts.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 4 && rows[0].prefix(5) == ["start", "seed", "iterations", "final_loss", "kept"])
        let losses = rows.dropFirst().map { Double($0[3])! }
        let kept = rows.dropFirst().firstIndex { $0[4] == "yes" }! - 1
        #expect(losses[kept] == losses.min())
        let first = try TrainCommandTests.checkpoint(multi.appending(path: "starts/start-1"))
        let alone = try TrainCommandTests.checkpoint(folder.appending(path: "plain"))
        #expect(first["free"] as? [Double] == alone["free"] as? [Double])
        let best = try TrainCommandTests.checkpoint(multi.appending(path: "starts/start-\(kept + 1)"))
        #expect(try TrainCommandTests.checkpoint(multi)["free"] as? [Double] == best["free"] as? [Double])
        #expect(Set(losses).count == 3)   // the random starts differ
    }

    /// On a terminal the progress is one line rewritten with \r; piped, one line per iteration.
    @Test func progressIsOneUpdatingLineOnATerminal() throws {
        let folder = try TrainCommandTests.temporaryFolder()
        let config = try TrainCommandTests.lezConfig(in: folder, iterations: 3, optimizer: "adam")
        let command = "\(ExecutableTests.binary.path) train \(config.path) --device reference --output \(folder.appending(path: "r").path) 2>&1 >/dev/null"
        let result = try ExecutableTests.run(["--version"])   // the binary runs at all
        #expect(result.status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("\riter 1/3  loss") && text.contains("\riter 3/3  loss"), "\(text)")
        #expect(!text.contains("\niter 2/3"))
        let piped = try ExecutableTests.run(["train", config.path, "--device", "reference", "--output", folder.appending(path: "p").path])
        #expect(piped.stderr.contains("\niter 2/3  loss") && !piped.stderr.contains("\r"))
    }
}
