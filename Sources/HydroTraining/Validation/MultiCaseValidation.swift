import Foundation
import HydroDomain
import HydroIO

/// What `hydrogpu validate` reports about a multi-case config (`cases:`): each case's own
/// summary, then the joint setup (shared network, its descriptors over all cases, weights).
public struct MultiCaseSummary: Sendable {
    public var name: String
    public var cases: [CaseSummary]
    public var joint: [String]

    public var lines: [String] {
        var out = ["multi-case \(name): \(cases.count) cases"]
        for c in cases { out += c.lines.map { "  " + $0 } }
        return out + joint
    }
}

extension CaseValidation {
    /// Reads a multi-case config, every case and everything they name, and builds the joint
    /// objective (without running it), so a descriptor missing from one case, cases feeding
    /// different parameters from the network, or a broken case input is reported as `train`
    /// would report it, naming the file and the place.
    public static func validateMultiCase(_ url: URL) -> Result<MultiCaseSummary, InputError> {
        do {
            let multi = try MultiCaseConfig.load(url)
            var summaries: [CaseSummary] = []
            var loaded: [(config: CaseConfig, data: CalibrationData)] = []
            for config in multi.cases {
                let c = try HydroCase.load(config)
                var summary = CaseSummary(c)
                let data = try CalibrationData.from(c)
                // What train checks per case: something to fit, periods.
                summary.notes += try CalibrationTargets.check(data, config: c.config).map { "warning    \($0)" }
                summaries.append(summary)
                loaded.append((c.config, data))
            }
            let objective = try JointCalibrationObjective.from(config: multi, cases: loaded)
            try OutputFolderCheck.check(multi.outputFolder, configFile: multi.file.path)
            let network = objective.cases[0].setup.network!
            var joint = ["network    \(network.layerSizes) over \(objective.normalisation.names.joined(separator: ", ")) (\(network.weightCount) weights), fitted on \(loaded.reduce(0) { $0 + $1.data.cells }) cells of all cases"]
            for (k, c) in objective.cases.enumerated() {
                joint.append("case       \(c.data.caseName): \(String(format: "%.3f", objective.caseWeights[k])) of the cost, \(objective.ownCounts[k]) own free values")
            }
            joint.append("training   \(multi.training.optimizer.rawValue), \(multi.training.iterations) iterations, loss \(multi.training.loss.rawValue); results in \(multi.outputFolder.path)")
            return .success(MultiCaseSummary(name: multi.name, cases: summaries, joint: joint))
        } catch {
            return .failure(error)
        }
    }
}
