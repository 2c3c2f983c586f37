import Foundation
import Testing

/// `validate` runs every input check `train` runs: what it accepts, `train` does not refuse
/// later for an input reason; what `train` refuses, `validate` reports, with the same words.
@Suite("validate and train agree (binary)")
struct ValidateTrainAgreementTests {
    static func expectBothRefuse(_ lez: LezRunFixture, _ fragments: [String]) throws {
        let config = try lez.write()
        try NothingToFitTests.bothRefuse(config, fragments)
    }

    /// K0 up to 2/day on daily steps drains more than the store in one step.
    @Test func boundsBeyondOnePerStepAreReportedByValidate() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        lez.text += "parameters:\n  K0: {bounds: [0.05, 2]}\n"
        try Self.expectBothRefuse(lez, ["line \(lez.line(of: "K0: {bounds")), parameters.K0.bounds", "at most 1.0/day"])
    }

    @Test func negativeFieldCapacityBoundsAreReportedByValidate() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        lez.text += "parameters:\n  FC: {bounds: [-10, 300]}\n"
        try Self.expectBothRefuse(lez, ["parameters.FC.bounds"])
    }

    @Test func initialValueOutsideBoundsIsReportedByValidate() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        lez.text += "parameters:\n  FC: {initial: 5000}\n"
        try Self.expectBothRefuse(lez, ["parameters.FC", "5000"])
    }

    /// The results folder would have to be created inside a file.
    @Test func uncreatableOutputFolderIsReportedByValidate() throws {
        var lez = try LezRunFixture()
        defer { lez.remove() }
        let blocker = lez.folder.appending(path: "blocker")
        try "not a folder".write(to: blocker, atomically: true, encoding: .utf8)
        lez.replace("folder: results", with: "folder: blocker/results")
        try Self.expectBothRefuse(lez, ["key 'output.folder'", "cannot be created: \(blocker.path) is a file, not a folder"])
    }

    /// The shipped case: validate's report now includes what train will fit and where it writes.
    @Test func validateReportsTheTrainingSetupOfTheShippedCase() throws {
        let result = try ExecutableTests.run(["validate", LezRunFixture.repository.appending(path: "configs/lez.yaml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("training   "), "\(result.stdout)")
        #expect(result.stdout.contains("calibration steps 61..<243"), "\(result.stdout)")
        #expect(!result.stdout.contains("warning"))
    }
}
