import Foundation
import Testing
import HydroGPU

/// Parsing of multi-case configs: what is read, and errors naming the file, line and key.
@Suite("Multi-case config")
struct MultiCaseConfigTests {
    /// Parsed as if the file were configs/joint-test.yaml, so case paths resolve to configs/.
    static let file = CalibrationPipelineTests.repository.appending(path: "configs/joint-test.yaml")

    static func parse(_ text: String) throws(InputError) -> MultiCaseConfig {
        try MultiCaseConfig.parse(text, file: file)
    }

    static let valid = """
    name: two
    cases: [lez-regionalised.yaml, lez.yaml]
    case_weights: {lez: 2}
    regionalisation: {descriptors: [slope, karst], hidden: [8], seed: 4}
    training: {optimizer: adam, iterations: 7, loss: kge}
    output: {folder: ../results/two}
    """

    @Test func sectionsAreRead() throws {
        let config = try Self.parse(Self.valid)
        #expect(config.name == "two")
        #expect(config.cases.map(\.name) == ["lez-regionalised", "lez"])
        #expect(config.caseLines == [2, 2])
        #expect(config.caseWeights == [1, 2])
        #expect(config.regionalisation.descriptors == ["slope", "karst"] && config.regionalisation.hidden == [8] && config.regionalisation.seed == 4)
        #expect(config.descriptorsLine == 4)
        #expect(config.training.optimizer == .adam && config.training.iterations == 7 && config.training.loss == .oneMinusKGE)
        #expect(config.outputFolder.path == CalibrationPipelineTests.repository.appending(path: "results/two").standardized.path)
        #expect(MultiCaseConfig.declaresCases(CalibrationPipelineTests.repository.appending(path: "configs/lez-cance-regionalised.yaml")))
        #expect(!MultiCaseConfig.declaresCases(CalibrationPipelineTests.repository.appending(path: "configs/lez.yaml")))
    }

    @Test(arguments: [
        ("name: x\nregionalisation: {hidden: [4]}\n", "line 1", "key 'cases': is required"),
        ("cases:\n  - lez.yaml\n  - nowhere.yaml\nregionalisation: {}\n", "line 3", "nowhere.yaml does not exist"),
        ("cases: []\nregionalisation: {}\n", "line 1", "at least one case"),
        ("cases: [lez.yaml, lez.yaml]\nregionalisation: {}\n", "line 1", "case name 'lez'"),
        ("cases: [lez.yaml]\ncase_weights:\n  cance: 1\nregionalisation: {}\n", "line 3", "no case named 'cance'"),
        ("cases: [lez.yaml]\ncase_weights: {lez: -1}\nregionalisation: {}\n", "line 2", "non-negative"),
        ("cases: [lez.yaml]\ncase_weights: {lez: 0}\nregionalisation: {}\n", "line 2", "positive weight"),
        ("cases: [lez.yaml]\n", "line 1", "key 'regionalisation': is required"),
        ("cases: [lez.yaml]\nregionalisation:\n  activation: sigmoid\n", "line 3", "activation 'sigmoid'"),
        ("cases: [lez.yaml]\nregionalisation: {}\ntraining:\n  prior_weight: 1\n", "line 4", "prior_weight belongs to each case's cost"),
        ("cases: [lez.yaml]\nregionalisation: {}\ntraining: {iterations: many}\n", "line 3", "expected a whole number"),
        ("cases: [lez.yaml]\nregionalisation: {}\nparameters: {FC: 3}\n", "line 3", "unknown key 'parameters'"),
        ("cases: [lez.yaml]\nregionalisation: {}\noutput: {fields: [runoff]}\n", "line 3", "unknown key 'fields'"),
    ])
    func badValuesNameTheLine(text: String, line: String, message: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".hasPrefix(Self.file.path + ", " + line), "\(error)")
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    /// A case config with its own error is reported at its own file and line.
    @Test func errorsInsideACaseNameTheCaseFile() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-multicase-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "name: broken\ndomain: {lumped: {area_km2: 5}}\ntime: {step: fortnightly}\n".write(to: folder.appending(path: "broken.yaml"), atomically: true, encoding: .utf8)
        let joint = folder.appending(path: "joint.yaml")
        try "cases: [broken.yaml]\nregionalisation: {}\n".write(to: joint, atomically: true, encoding: .utf8)
        #expect {
            _ = try MultiCaseConfig.load(joint)
        } throws: { error in
            "\(error)".hasPrefix(folder.appending(path: "broken.yaml").path + ", line 3") && "\(error)".contains("fortnightly")
        }
    }
}
