import Foundation
import Testing

/// `--resume` adopts only a checkpoint of this case, layout and optimiser, unedited; anything
/// else is a named error (before: adopted silently, or SIGILL inside L-BFGS).
@Suite("Checkpoint integrity (binary)")
struct CheckpointIntegrityTests {
    /// Trains `iterations` into the fixture's results folder and returns the config.
    static func trained(_ lez: LezRunFixture, iterations: Int = 2) throws -> URL {
        let config = try lez.write()
        let run = try ExecutableTests.run(["train", config.path, "--device", "reference", "--iterations", "\(iterations)"])
        #expect(run.status == 0, "\(run.stderr)")
        return config
    }

    static var checkpointFile: (LezRunFixture) -> URL { { $0.results.appending(path: "checkpoint.json") } }

    static func json(_ lez: LezRunFixture) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: checkpointFile(lez))) as! [String: Any]
    }

    static func rewrite(_ lez: LezRunFixture, _ change: (inout [String: Any]) -> Void) throws {
        var object = try json(lez)
        change(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: checkpointFile(lez))
    }

    static func resume(_ config: URL, _ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try ExecutableTests.run(["train", config.path, "--device", "reference", "--iterations", "3", "--resume"] + extra)
    }

    @Test func checkpointIsVersionedFingerprintedAndChecksummed() throws {
        let lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try Self.trained(lez)
        let c = try Self.json(lez)
        #expect(c["version"] as? Int == 2)
        let fingerprint = c["fingerprint"] as? [String: Any]
        #expect(fingerprint?["optimizer"] as? String == "lbfgs")
        #expect(fingerprint?["freeCount"] as? Int == (c["free"] as? [Double])?.count)
        #expect((c["checksum"] as? String)?.count == 16)
        // The untouched checkpoint resumes.
        let resumed = try Self.resume(config)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming from iteration 2"))
    }

    /// One value of the free vector changed by hand: the checksum no longer matches.
    @Test func editedValueIsRefused() throws {
        let lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try Self.trained(lez)
        try Self.rewrite(lez) { c in
            var free = c["free"] as! [Double]
            free[0] += 0.5
            c["free"] = free
        }
        let result = try Self.resume(config)
        #expect(result.status != 0)
        #expect(result.stderr.contains("checkpoint.json: was edited or is corrupt"), "\(result.stderr)")
    }

    /// The L-BFGS memory cut by one value (the crash of the issue), checksum removed so only the
    /// length check stands between the file and the optimiser: refused, without a signal.
    @Test func wrongLengthWithoutChecksumIsRefusedNotACrash() throws {
        let lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try Self.trained(lez)
        try Self.rewrite(lez) { c in
            c["checksum"] = nil
            var optimizer = c["optimizer"] as! [String: Any]
            var lbfgs = optimizer["lbfgs"] as! [String: Any]
            var state = lbfgs["_0"] as! [String: Any]
            var gradient = state["gradient"] as! [Double]
            gradient.removeLast()
            state["gradient"] = gradient
            lbfgs["_0"] = state
            optimizer["lbfgs"] = lbfgs
            c["optimizer"] = optimizer
        }
        let result = try Self.resume(config)
        #expect(result.status == 1 || result.status == 64, "status \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("has no checksum") || result.stderr.contains("L-BFGS state has"), "\(result.stderr)")
    }

    /// A checkpoint of another case (FC fixed: one free value fewer).
    @Test func anotherCasesCheckpointIsRefused() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try Self.trained(lez)
        lez.text += "parameters:\n  FC: 250\n"
        let other = try lez.write("other.yaml")
        _ = config
        let result = try Self.resume(other, ["--output", lez.results.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("written for another case or run: it has 10 free values, this case's parameters need 9"), "\(result.stderr)")
    }

    /// The same config text and layout, but an observation edited in the data file after the
    /// checkpoint was written: the input hash differs.
    @Test func checkpointOfOtherInputsIsRefused() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        let csv = lez.folder.appending(path: "discharge.csv")
        try FileManager.default.copyItem(at: LezRunFixture.repository.appending(path: "data/lez/discharge.csv"), to: csv)
        lez.replace(LezRunFixture.repository.appending(path: "data/lez/discharge.csv").path, with: csv.path)
        let config = try Self.trained(lez)
        let source = try String(contentsOf: csv, encoding: .utf8)
        try source.replacingOccurrences(of: "2012-10-02 00:00,", with: "2012-10-02 00:00,9").write(to: csv, atomically: true, encoding: .utf8)
        let result = try Self.resume(config)
        #expect(result.status != 0)
        #expect(result.stderr.contains("written for another case or run: the input data changed since it was written"), "\(result.stderr)")
    }

    @Test func anotherOptimisersStateIsRefused() throws {
        let lez = try LezRunFixture(training: "optimizer: adam, iterations: 2, checkpoint_interval: 1, loss: nse")
        defer { lez.remove() }
        let config = try Self.trained(lez)
        let result = try Self.resume(config, ["--optimizer", "lbfgs"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("it holds adam state, this run uses lbfgs"), "\(result.stderr)")
    }

    /// A checkpoint of an older build (no version, fingerprint or checksum) cannot be tied to the case.
    @Test func unversionedCheckpointIsRefused() throws {
        let lez = try LezRunFixture()
        defer { lez.remove() }
        let config = try Self.trained(lez)
        try Self.rewrite(lez) { c in
            c["checksum"] = nil
            c["version"] = nil
            c["fingerprint"] = nil
        }
        let result = try Self.resume(config)
        #expect(result.status != 0)
        #expect(result.stderr.contains("without version or fingerprint"), "\(result.stderr)")
    }
}
