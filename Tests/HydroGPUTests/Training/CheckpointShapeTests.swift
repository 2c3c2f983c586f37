import Foundation
import Testing
import HydroGPU

/// A checkpoint whose arrays do not fit the case is refused before the optimiser touches it
/// (before: an index out of range, SIGILL, inside BoundedLBFGS).
@Suite("Checkpoint shapes")
struct CheckpointShapeTests {
    /// A trained checkpoint of a small Lez sub-basin (20 days), two L-BFGS iterations.
    static func trained() throws -> (Trainer<CalibrationObjective>, TrainingCheckpoint) {
        let (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 20)
        let setup = try TrainingSetup.from(config: config, data: data)
        let objective = CalibrationObjective(data: data, setup: setup, loss: .oneMinusNSE, backend: .reference)
        var training = TrainingConfig()
        training.iterations = 2
        let trainer = Trainer(objective: objective, config: training, folder: nil)
        return (trainer, try trainer.run())
    }

    @Test func lbfgsStateOfTheWrongLengthIsRefusedByTheTrainer() throws {
        let (trainer, checkpoint) = try Self.trained()
        guard case .lbfgs(var state)? = checkpoint.optimizer else { Issue.record("no L-BFGS state"); return }
        var longer = trainer.config
        longer.iterations = 3
        var resumed = trainer
        resumed.config = longer

        var broken = checkpoint
        state.gradient.removeLast()
        broken.optimizer = .lbfgs(state)
        #expect { _ = try resumed.run(resume: broken) } throws: { error in
            "\(error)".contains("L-BFGS state has x of \(checkpoint.free.count) and gradient of \(checkpoint.free.count - 1) values")
        }

        var shortFree = checkpoint
        shortFree.free.removeLast()
        #expect { _ = try resumed.run(resume: shortFree) } throws: { error in "\(error)".contains("free values") }

        var nonFinite = checkpoint
        nonFinite.free[0] = .nan
        if case .lbfgs(var s)? = nonFinite.optimizer { s.x[0] = .nan; nonFinite.optimizer = .lbfgs(s) }
        #expect { _ = try resumed.run(resume: nonFinite) } throws: { error in "\(error)".contains("free[0] is nan") }

        // The intact checkpoint continues.
        #expect(try resumed.run(resume: checkpoint).iteration == 3)
    }

    /// Written and read back: identical; one digit changed in the file: refused by the checksum.
    @Test func checksumRoundTripsAndCatchesAnEdit() throws {
        let (_, checkpoint) = try Self.trained()
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try checkpoint.write(to: folder)
        let back = try TrainingCheckpoint.read(from: folder)
        #expect(back.free == checkpoint.free)
        #expect(back.version == TrainingCheckpoint.formatVersion)
        #expect(back.checksum != nil)
        let file = folder.appending(path: TrainingCheckpoint.fileName)
        var text = try String(contentsOf: file, encoding: .utf8)
        let range = text.range(of: "\"iteration\":2")!
        text.replaceSubrange(range, with: "\"iteration\":1")
        try text.write(to: file, atomically: true, encoding: .utf8)
        #expect { _ = try TrainingCheckpoint.read(from: folder) } throws: { error in "\(error)".contains("was edited or is corrupt") }
    }

    /// The fingerprint names what differs: layout, optimiser, config, inputs.
    @Test func fingerprintNamesTheDifference() throws {
        let (trainer, trained) = try Self.trained()
        let data = trainer.objective.data
        let file = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-fp-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "name: a\n".write(to: file, atomically: true, encoding: .utf8)
        let layout = (0..<trained.free.count).map { "value \($0)" }
        let base = try CheckpointFingerprint.make(configFiles: [file], data: [data], layout: layout, optimizer: .lbfgs)
        var checkpoint = trained
        checkpoint.version = TrainingCheckpoint.formatVersion
        checkpoint.fingerprint = base
        try checkpoint.verify(against: base, file: "c")
        func refusal(_ other: CheckpointFingerprint) -> String {
            do { try checkpoint.verify(against: other, file: "c"); return "" } catch { return "\(error)" }
        }
        var shuffled = layout
        shuffled.swapAt(0, 1)
        #expect(refusal(try CheckpointFingerprint.make(configFiles: [file], data: [data], layout: shuffled, optimizer: .lbfgs)).contains("laid out differently"))
        #expect(refusal(try CheckpointFingerprint.make(configFiles: [file], data: [data], layout: layout + ["extra"], optimizer: .lbfgs)).contains("it has \(layout.count) free values, this case's parameters need \(layout.count + 1)"))
        #expect(refusal(try CheckpointFingerprint.make(configFiles: [file], data: [data], layout: layout, optimizer: .adam)).contains("holds lbfgs state, this run uses adam"))
        var changed = data
        changed.forcing.precipitation[3] += 1
        #expect(refusal(try CheckpointFingerprint.make(configFiles: [file], data: [changed], layout: layout, optimizer: .lbfgs)).contains("the input data changed"))
        try "name: b\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(refusal(try CheckpointFingerprint.make(configFiles: [file], data: [data], layout: layout, optimizer: .lbfgs)).contains("the config changed"))
    }
}
