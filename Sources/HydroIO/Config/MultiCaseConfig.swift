import Foundation
import HydroDomain

/// A run over several catchments sharing one regionalisation network, as a YAML file
/// describes it:
///
/// ```yaml
/// name: lez-cance-regionalised
/// cases: [lez-regionalised.yaml, cance-regionalised.yaml]   # case configs, relative to this file
/// case_weights: {lez-regionalised: 1, cance-regionalised: 1} # by case name; default 1 each
/// regionalisation: {descriptors: [slope, drainage_density], hidden: [16], seed: 1}
/// training: {optimizer: lbfgs, iterations: 200, loss: nse}
/// output: {folder: ../results/lez-cance-regionalised}
/// ```
///
/// Its `regionalisation:` and `training:` sections replace the cases' own (each case keeps its
/// `gauge_weights`, `prior_weight` and `smoothness_weight`, which belong to its cost). A file is
/// multi-case when its top level has `cases:` (`MultiCaseConfig.declaresCases`). Parsing is as
/// strict as `CaseConfig`'s: errors name the file, the line and the key.
public struct MultiCaseConfig: Sendable, Equatable {
    public var file: URL
    public var name: String
    /// The case configs, in the order of `cases:`.
    public var cases: [CaseConfig]
    /// Line of each case's entry in this file, for messages.
    public var caseLines: [Int?]
    /// One weight per case (same order), as given (the objective normalises them).
    public var caseWeights: [Double]
    public var regionalisation: RegionalisationConfig
    /// Line of `regionalisation.descriptors` (or of the section), for messages.
    public var descriptorsLine: Int?
    public var training: TrainingConfig
    public var outputFolder: URL

    /// A multi-case config built in code (tests, tools); `load` and `parse` read one from YAML.
    public init(file: URL, name: String, cases: [CaseConfig], caseLines: [Int?]? = nil, caseWeights: [Double]? = nil,
                regionalisation: RegionalisationConfig, descriptorsLine: Int? = nil, training: TrainingConfig = TrainingConfig(), outputFolder: URL) {
        self.file = file
        self.name = name
        self.cases = cases
        self.caseLines = caseLines ?? cases.map { _ in nil }
        self.caseWeights = caseWeights ?? cases.map { _ in 1 }
        self.regionalisation = regionalisation
        self.descriptorsLine = descriptorsLine
        self.training = training
        self.outputFolder = outputFolder
    }

    /// Reads the file at `url` and the case configs it names (their data files are not opened).
    public static func load(_ url: URL) throws(InputError) -> MultiCaseConfig {
        try parse(try CaseConfig.readText(url), file: url)
    }

    /// Parses `text` as if read from `file` (case paths resolve from its folder).
    public static func parse(_ text: String, file: URL) throws(InputError) -> MultiCaseConfig {
        try MultiCaseConfigParser(file: URL(fileURLWithPath: file.absoluteURL.path).standardizedFileURL).parse(text)
    }

    /// Whether the YAML file at `url` is a multi-case config (its top level has `cases:`).
    /// Unreadable or invalid files answer false, so the case-config parser reports them.
    public static func declaresCases(_ url: URL) -> Bool {
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let root = try? YAMLDocument.root(text, file: url.path), case .mapping(let m) = root.node else { return false }
        return m.contains { $0.key.string == "cases" || $0.key.string == "case" }
    }
}

/// Turns a multi-case YAML tree into a `MultiCaseConfig`.
struct MultiCaseConfigParser {
    let file: URL

    /// Training keys that belong to each case's cost, not to the joint run.
    static let perCaseTrainingKeys = ["gauge_weights", "prior_weight", "smoothness_weight"]

    func parse(_ text: String) throws(InputError) -> MultiCaseConfig {
        let root = try YAMLDocument.root(text, file: file.path)
        let top = try root.mapping(allowed: ["name", "description", "cases", "caravan", "case", "case_weights", "regionalisation", "training", "output"])
        let name = try top["name"]?.string() ?? file.deletingPathExtension().lastPathComponent
        let caseParser = CaseConfigParser(file: file)

        var cases: [CaseConfig] = []
        var items: [YAMLValue] = []
        if let c = top["caravan"] {
            cases = try CaravanCases.parse(c, template: try top.required("case"), parser: caseParser)
            items = cases.map { _ in c }
        } else {
            let list = try top.required("cases")
            items = try list.sequence()
            guard !items.isEmpty else { throw list.error("needs at least one case config") }
        }
        for item in items where top["caravan"] == nil {
            let url = try caseParser.path(item)
            guard FileManager.default.fileExists(atPath: url.path) else { throw item.error("case config \(url.path) does not exist") }
            let config = try CaseConfig.load(url)
            if let earlier = cases.first(where: { $0.name == config.name }) {
                throw item.error("case name '\(config.name)' (\(url.path)) is also the name of \(earlier.file.path): results go to one folder per name")
            }
            cases.append(config)
        }

        var weights = [Double](repeating: 1, count: cases.count)
        if let w = top["case_weights"] {
            for (caseName, v) in try w.freeMapping() {
                guard let k = cases.firstIndex(where: { $0.name == caseName }) else {
                    throw v.error("no case named '\(caseName)' (cases: \(cases.map(\.name).joined(separator: ", ")))")
                }
                let weight = try v.double()
                guard weight >= 0 else { throw v.error("case weight must be non-negative") }
                weights[k] = weight
            }
            guard weights.contains(where: { $0 > 0 }) else { throw w.error("at least one case needs a positive weight") }
        }

        let trainingParser = TrainingConfigParser(parent: caseParser)
        let regionalisationValue = try top.required("regionalisation")
        let regionalisation = try trainingParser.parseRegionalisation(regionalisationValue)!
        let descriptorsLine = try regionalisationValue.mapping(allowed: ["descriptors", "hidden", "activation", "seed", "normalisation"])["descriptors"]?.line
            ?? regionalisationValue.line

        if let t = top["training"], t.isMapping {
            for (key, v) in try t.freeMapping() where Self.perCaseTrainingKeys.contains(key) {
                throw v.error("\(key) belongs to each case's cost: set it in the case config's training section")
            }
        }
        let training = try trainingParser.parseTraining(top["training"])

        var folder = file.deletingLastPathComponent().appending(path: "results/\(name)").standardized
        if let o = top["output"] {
            let m = try o.mapping(allowed: ["folder"])
            if let f = m["folder"] { folder = try caseParser.path(f) }
        }
        return MultiCaseConfig(file: file, name: name, cases: cases, caseLines: items.map(\.line), caseWeights: weights,
                               regionalisation: regionalisation, descriptorsLine: descriptorsLine, training: training, outputFolder: folder)
    }
}
