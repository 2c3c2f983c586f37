import Foundation
import Testing

/// Runs whose loss would have nothing to compare with are refused, by `validate` and by
/// `train` alike, with the reason (before: "loss 0.00000 (converged)" and exit 0).
@Suite("Nothing to fit (binary)")
struct NothingToFitTests {
    /// `validate` and `train` both fail, both naming `expected`; returns train's stderr.
    @discardableResult
    static func bothRefuse(_ config: URL, _ expected: [String]) throws -> String {
        let validate = try ExecutableTests.run(["validate", config.path])
        #expect(validate.status == 1, "validate accepted it: \(validate.stdout)")
        let train = try ExecutableTests.run(["train", config.path, "--device", "reference"])
        #expect(train.status != 0, "train accepted it: \(train.stdout)")
        for fragment in expected {
            #expect(validate.stderr.contains(fragment), "validate: \(validate.stderr)")
            #expect(train.stderr.contains(fragment), "train: \(train.stderr)")
        }
        #expect(!train.stderr.contains("loss 0.00000"))
        return train.stderr
    }

    /// Observations all dated before the run (2000), at every gauge.
    @Test func noObservationOverlappingTheRunIsRefused() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        let csv = lez.folder.appending(path: "old.csv")
        try "date,Y3204040,Y3204030,Y3204010\n2000-01-02 00:00,1.0,1.0,1.0\n2000-01-03 00:00,1.1,1.1,1.1\n".write(to: csv, atomically: true, encoding: .utf8)
        lez.replace(LezRunFixture.repository.appending(path: "data/lez/discharge.csv").path, with: csv.path)
        try Self.bothRefuse(try lez.write(), ["no observation overlaps the run", "gauge Y3204040", "nothing to fit"])
    }

    /// Observations only in the validation period (April to July 2013).
    @Test func noObservationInTheCalibrationWindowIsRefused() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        let source = try String(contentsOf: LezRunFixture.repository.appending(path: "data/lez/discharge.csv"), encoding: .utf8)
        let kept = source.split(separator: "\n").filter { $0.hasPrefix("date") || $0 >= "2013-04-02" }
        let csv = lez.folder.appending(path: "late.csv")
        try (kept.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        lez.replace(LezRunFixture.repository.appending(path: "data/lez/discharge.csv").path, with: csv.path)
        let config = try lez.write()
        try Self.bothRefuse(config, ["\(config.path), line \(lez.line(of: "calibration:")), key 'periods.calibration'", "no observation in the calibration window",
                                     "gauge Y3204040 has values from 2013-04-01"])
    }

    @Test func allGaugeWeightsZeroIsRefused() throws {
        let lez = try LezRunFixture(training: "iterations: 1, gauge_weights: {Y3204040: 0, Y3204030: 0, Y3204010: 0}")
        defer { lez.remove() }
        try Self.bothRefuse(try lez.write(), ["key 'training.gauge_weights'", "(Y3204040, Y3204030, Y3204010) has weight 0: nothing to fit"])
    }

    @Test func unknownGaugeIdInGaugeWeightsIsRefused() throws {
        let lez = try LezRunFixture(training: "iterations: 1, gauge_weights: {Y3204040: 2, Y9999999: 1}")
        defer { lez.remove() }
        let config = try lez.write()
        try Self.bothRefuse(config, ["\(config.path), line \(lez.line(of: "gauge_weights")), key 'training.gauge_weights.Y9999999': no gauge 'Y9999999' in this case (gauges: Y3204040, Y3204030, Y3204010)"])
    }

    /// Validation from 1 March, inside the calibration period (to 31 March): 31 shared days.
    @Test func calibrationOverlappingValidationIsRefused() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        lez.replace("validation: [2013-04-01,", with: "validation: [2013-03-01,")
        let config = try lez.write()
        try Self.bothRefuse(config, ["line \(lez.line(of: "validation:")), key 'periods.validation': shares 31 steps", "with the calibration period"])
    }

    /// No calibration period: a warning on both, and the run goes on.
    @Test func missingCalibrationPeriodIsAnExplicitWarning() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        lez.replace("  calibration: [2012-10-01, 2013-03-31]\n", with: "")
        lez.replace("  validation: [2013-04-01, 2013-07-31 00:00]\n", with: "")
        let config = try lez.write()
        let validate = try ExecutableTests.run(["validate", config.path])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("warning    \(config.path): no periods.calibration: the loss counts every step after the warm-up (steps 61..<364"), "\(validate.stdout)")
        let train = try ExecutableTests.run(["train", config.path, "--device", "reference"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("warning: \(config.path): no periods.calibration"), "\(train.stderr)")
    }
}
