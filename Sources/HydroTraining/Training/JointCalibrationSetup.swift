import Foundation
import HydroDomain
import HydroIO
import HydroRegionalisation

extension JointCalibrationObjective {
    /// Builds the joint objective of a multi-case run from each case's config and data (same
    /// order as `config.cases`; tests may pass cut-down data such as `CalibrationData.subBasin`).
    ///
    /// - Each case's parameter layouts come from its own config; the network-fed parameters
    ///   must be the same in every case (output `c` of the network is one parameter for all).
    /// - The descriptors (`config.regionalisation.descriptors`, default: the first case's) must
    ///   exist on every case; their normalisation is fitted on all cases' active cells together.
    /// - The network's output biases start at the mean over cases of each parameter's initial
    ///   raw value.
    /// - The loss kind is the joint `training.loss`; gauge weights and regularisation are each
    ///   case's own.
    /// `initialValues[k]` (physical, by name) replaces case `k`'s starting values as `--initial` does.
    public static func from(config: MultiCaseConfig, cases: [(config: CaseConfig, data: CalibrationData)], backend: RunoffBackend = .reference,
                            initialValues: [[String: Double]] = []) throws(InputError) -> JointCalibrationObjective {
        precondition(cases.count == config.cases.count, "one loaded case per case config")
        let r = config.regionalisation
        var setups: [TrainingSetup] = []
        for (k, c) in cases.enumerated() {
            let setup = try TrainingSetup.from(config: c.config, data: c.data, initialValues: k < initialValues.count ? initialValues[k] : [:], attachingNetwork: false)
            let fed = setup.space.networkParameters
            guard !fed.isEmpty else {
                throw InputError(file: config.file.path, line: config.caseLines[k], place: "cases[\(k)]",
                                 message: "case '\(c.data.caseName)' has no network-fed parameter (parameters: {P: {spatial: network}} in \(c.config.file.path))")
            }
            if k > 0, fed != setups[0].space.networkParameters {
                throw InputError(file: config.file.path, line: config.caseLines[k], place: "cases[\(k)]",
                                 message: "case '\(c.data.caseName)' feeds \(fed.map(\.name).joined(separator: ", ")) from the network but case '\(cases[0].data.caseName)' feeds \(setups[0].space.networkParameters.map(\.name).joined(separator: ", ")): one network needs the same outputs everywhere")
            }
            setups.append(setup)
        }

        let names = r.descriptors.isEmpty ? cases[0].data.descriptorOrder : r.descriptors
        guard !names.isEmpty else {
            throw InputError(file: config.file.path, line: config.descriptorsLine, place: "regionalisation.descriptors", message: "the shared network needs descriptors")
        }
        var matrices: [[Double]] = []
        for c in cases {
            matrices.append(try TrainingSetup.descriptorMatrix(names, of: c.data) { name throws(InputError) in
                throw InputError(file: config.file.path, line: config.descriptorsLine, place: "regionalisation.descriptors",
                                 message: "case '\(c.data.caseName)' (\(c.config.file.path)) has no descriptor '\(name)' with a value on every active cell (it has: \(c.data.descriptorOrder.joined(separator: ", ")))")
            })
        }
        let totalCells = cases.reduce(0) { $0 + $1.data.cells }
        let normalisation: DescriptorNormalisation
        let network: MultilayerPerceptron
        do {
            normalisation = try DescriptorNormalisation(fitting: matrices.flatMap { $0 }, cells: totalCells, names: names, method: r.normalisation)
            for k in setups.indices { setups[k].networkInputs = try normalisation.apply(matrices[k], cells: cases[k].data.cells, as: Double.self) }
            network = try TrainingSetup.makeNetwork(r, inputs: names.count, initialRaw: setups.map(\.initialNetworkRaw))
        } catch {
            throw InputError(file: config.file.path, line: config.descriptorsLine, place: "regionalisation", message: "\(error)")
        }

        var objectives: [CalibrationObjective] = []
        for (k, c) in cases.enumerated() {
            setups[k].network = network
            let t = c.config.training
            objectives.append(CalibrationObjective(data: c.data, setup: setups[k], loss: config.training.loss, backend: backend, gaugeWeights: t.gaugeWeights,
                                                   priorWeight: t.priorWeight, smoothnessWeight: t.smoothnessWeight))
        }
        do { return try JointCalibrationObjective(runName: config.name, cases: objectives, caseWeights: config.caseWeights, normalisation: normalisation) } catch {
            throw InputError(file: config.file.path, message: error.description)
        }
    }
}
