import Foundation
import HydroIO
import HydroRegionalisation

/// The shared network of a multi-case run as `network.json` holds it: enough to apply it to new
/// (ungauged) cells, i.e. normalise their descriptors with `normalisation`, run `network`, and
/// map output `c` to parameter `parameters[c]` through that case's bounds.
public struct SharedNetworkRecord: Codable, Sendable, Equatable {
    public var cases: [String]
    public var parameters: [String]
    public var normalisation: DescriptorNormalisation
    public var network: MultilayerPerceptron

    public static let fileName = "network.json"
}

/// What a multi-case `train` leaves in its results folder: one subfolder per case with the
/// usual `RunResults` (metrics.json, discharge.csv, hydrographs, parameters, maps), and
/// `network.json` (`SharedNetworkRecord`) at the top.
public enum JointRunResults {
    /// Writes every case's results and the network for joint free vector `x`; returns each
    /// case's name and metrics.
    @discardableResult
    public static func write(objective: JointCalibrationObjective, free x: [Double], to folder: URL) throws -> [(name: String, metrics: [GaugePeriodMetrics])] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var out: [(String, [GaugePeriodMetrics])] = []
        for (k, c) in objective.cases.enumerated() {
            let metrics = try RunResults.write(objective: c, free: objective.caseFree(x, case: k), to: folder.appending(path: c.data.caseName))
            out.append((c.data.caseName, metrics))
        }
        let record = SharedNetworkRecord(cases: objective.cases.map(\.data.caseName), parameters: objective.cases[0].setup.space.networkParameters.map(\.name),
                                         normalisation: objective.normalisation, network: objective.network(x))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(record), to: folder.appending(path: SharedNetworkRecord.fileName))
        return out
    }
}
