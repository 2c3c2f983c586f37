import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The results folder under faults: a lock against a second run, what a killed run left
/// removed, no mix of two runs' files, `evaluate` refusing a mixed folder, and a full or
/// read-only disk ending in a named error with the previous results intact.
@Suite("Results folder (binary)", .serialized)
struct ResultsFolderTests {
    static func simulate(_ config: URL, output: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        try ExecutableTests.run(["simulate", config.path, "--device", "reference", "--output", output.path])
    }

    /// The bytes of every non-hidden file below `folder`, by relative path.
    static func snapshot(_ folder: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let prefix = folder.standardizedFileURL.path + "/"
        if let e = FileManager.default.enumerator(atPath: folder.path) {
            for case let relative as String in e where !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                let url = folder.appending(path: relative)
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                    out[String(url.standardizedFileURL.path.dropFirst(prefix.count))] = FileManager.default.contents(atPath: url.path)
                }
            }
        }
        return out
    }

    @Test func secondRunOnALockedFolderIsRefusedNamingTheHolder() throws {
        let lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try lez.write()
        try FileManager.default.createDirectory(at: lez.results, withIntermediateDirectories: true)
        // Hold the folder's lock as a running train would, with a pid in the file.
        let fd = open(lez.results.appending(path: ".lock").path, O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("424242\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        let train = try ExecutableTests.run(["train", config.path, "--device", "reference"])
        #expect(train.status != 0)
        #expect(train.stderr.contains("\(lez.results.path): the results folder is in use by another run (pid 424242)"), "\(train.stderr)")
        #expect(!FileManager.default.fileExists(atPath: lez.results.appending(path: "checkpoint.json").path))
        let simulate = try Self.simulate(config, output: lez.results)
        #expect(simulate.status != 0)
        #expect(simulate.stderr.contains("in use by another run (pid 424242)"), "\(simulate.stderr)")
        // Released: the run goes through.
        flock(fd, LOCK_UN)
        #expect(try ExecutableTests.run(["train", config.path, "--device", "reference"]).status == 0)
    }

    /// Temp files and a staging folder as a SIGKILL leaves them: removed by the next run
    /// (here a --resume), which says so.
    @Test func resumeRemovesWhatAKilledRunLeft() throws {
        let lez = try LezRunFixture(training: "optimizer: adam, iterations: 2, checkpoint_interval: 1, loss: nse")
        defer { lez.remove() }
        let config = try lez.write()
        #expect(try ExecutableTests.run(["train", config.path, "--device", "reference"]).status == 0)
        let stale = [".checkpoint.json.tmp-99999", ".fields.nc.tmp-99999-123", ".staging-old"]
        try Data("x".utf8).write(to: lez.results.appending(path: stale[0]))
        try Data("x".utf8).write(to: lez.results.appending(path: stale[1]))
        try FileManager.default.createDirectory(at: lez.results.appending(path: ".staging-old/maps"), withIntermediateDirectories: true)
        let resumed = try ExecutableTests.run(["train", config.path, "--device", "reference", "--iterations", "3", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("removed what an interrupted run left"), "\(resumed.stderr)")
        for name in stale { #expect(!FileManager.default.fileExists(atPath: lez.results.appending(path: name).path), "\(name)") }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: lez.results.path).filter { $0.hasPrefix(".") }
        #expect(hidden == [".lock"], "\(hidden)")
    }

    /// A run with three gauges, then one with the outlet only, into the same folder: the
    /// second leaves no hydrograph of the first's other gauges, and run.json lists its files.
    @Test func rerunOverAnOldFolderLeavesOnlyItsOwnFiles() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try lez.write()
        #expect(try Self.simulate(config, output: lez.results).status == 0)
        #expect(FileManager.default.fileExists(atPath: lez.results.appending(path: "hydrograph_Y3204010.svg").path))
        let firstRun = try JSONSerialization.jsonObject(with: Data(contentsOf: lez.results.appending(path: "run.json"))) as! [String: Any]
        lez.replace("  - {id: Y3204030", with: "#  - {id: Y3204030")
        lez.replace("  - {id: Y3204010", with: "#  - {id: Y3204010")
        lez.replace("  fields: [runoff, soil_moisture]\n", with: "")
        let outletOnly = try lez.write("outlet.yaml")
        let second = try Self.simulate(outletOnly, output: lez.results)
        #expect(second.status == 0, "\(second.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: lez.results.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == ["discharge.csv", "fdc_Y3204040.svg", "hydrograph_Y3204040.svg", "metrics.json", "parameters.json", "regime_Y3204040.svg", "run.json"], "\(files)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: lez.results.appending(path: "run.json"))) as! [String: Any]
        #expect((manifest["files"] as! [String: Any]).keys.sorted() == ["discharge.csv", "fdc_Y3204040.svg", "hydrograph_Y3204040.svg", "metrics.json", "parameters.json", "regime_Y3204040.svg"])
        #expect(manifest["runID"] as? String != firstRun["runID"] as? String)
        let evaluate = try ExecutableTests.run(["evaluate", lez.results.path])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("run: \(manifest["runID"] as! String) (simulate"), "\(evaluate.stdout)")
    }

    /// A hydrograph of another run copied in, or a metrics file rewritten: evaluate refuses.
    @Test func evaluateRefusesAMixedFolder() throws {
        let lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try lez.write()
        let a = lez.folder.appending(path: "a"), b = lez.folder.appending(path: "b")
        #expect(try Self.simulate(config, output: a).status == 0)
        #expect(try ExecutableTests.run(["evaluate", a.path]).status == 0)
        // The NetCDF results carry the run id (global attribute run_id, stored as text in the header).
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: a.appending(path: "run.json"))) as! [String: Any]
        let runID = Data((manifest["runID"] as! String).utf8)
        #expect(try Data(contentsOf: a.appending(path: "fields.nc")).range(of: runID) != nil)
        #expect(try ExecutableTests.run(["train", config.path, "--device", "reference", "--output", b.path]).status == 0)
        // b's hydrograph (trained parameters) over a's (defaults).
        try FileManager.default.removeItem(at: a.appending(path: "hydrograph_Y3204040.svg"))
        try FileManager.default.copyItem(at: b.appending(path: "hydrograph_Y3204040.svg"), to: a.appending(path: "hydrograph_Y3204040.svg"))
        let mixed = try ExecutableTests.run(["evaluate", a.path])
        #expect(mixed.status != 0)
        #expect(mixed.stderr.contains("\(a.appending(path: "hydrograph_Y3204040.svg").path): differs from what run"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("the folder mixes the files of two runs"))
        // A result file no run.json lists.
        try FileManager.default.copyItem(at: a.appending(path: "discharge.csv"), to: b.appending(path: "discharge.nc"))
        let extra = try ExecutableTests.run(["evaluate", b.path])
        #expect(extra.status != 0)
        #expect(extra.stderr.contains("discharge.nc: not written by run"), "\(extra.stderr)")
    }

    /// A small tmpfs filled until fields.nc cannot be written: simulate ends with a named error
    /// (no signal), the previous results byte for byte as they were, no temp file left. Needs
    /// root to mount; skipped otherwise.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a tmpfs"))
    func diskFullEndsInANamedErrorAndKeepsThePreviousResults() throws {
        let lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try lez.write()
        let mount = lez.folder.appending(path: "small")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        guard Self.shell("mount -t tmpfs -o size=4m tmpfs '\(mount.path)'") == 0 else { return }
        defer { _ = Self.shell("umount '\(mount.path)'") }
        let results = mount.appending(path: "results")
        let first = try Self.simulate(config, output: results)
        #expect(first.status == 0, "\(first.stderr)")
        let before = Self.snapshot(results)
        #expect(before["fields.nc"] != nil)
        // Leave room for every result written before fields.nc (their sizes, rounded up to
        // pages, plus 64 KiB), not for fields.nc (256 KiB): the write that fails is the NetCDF
        // file's (before: SIGSEGV inside HDF5 at exit).
        let others = before.filter { $0.key != "fields.nc" && $0.key != "run.json" }.values.reduce(0) { $0 + ($1.count + 4095) / 4096 * 4096 }
        var stats = statvfs()
        statvfs(mount.path, &stats)
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        try Data(count: max(free - others - 64 * 1024, 0)).write(to: mount.appending(path: "filler"))
        let second = try Self.simulate(config, output: results)
        #expect(second.status == 1 || second.status == 64, "status \(second.status): \(second.stderr)")
        #expect(second.stderr.contains("\(results.path)/fields.nc: cannot write: The operation could not be completed. There isn’t enough space. (the results in \(results.path) were left as they were)"), "\(second.stderr)")
        #expect(Self.snapshot(results) == before)
        let hidden = try FileManager.default.contentsOfDirectory(atPath: results.path).filter { $0.hasPrefix(".") && $0 != ".lock" }
        #expect(hidden.isEmpty, "\(hidden)")
        // Read-only: validate and simulate refuse before running, naming the folder.
        try FileManager.default.removeItem(at: mount.appending(path: "filler"))
        #expect(Self.shell("mount -o remount,ro '\(mount.path)'") == 0)
        let readOnly = try Self.simulate(config, output: results)
        #expect(readOnly.status != 0)
        #expect(readOnly.stderr.contains(results.path), "\(readOnly.stderr)")
        #expect(Self.snapshot(results) == before)
    }

    static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
