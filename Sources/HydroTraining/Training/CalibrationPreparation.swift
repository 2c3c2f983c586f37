import Foundation
import HydroDomain
import HydroIO

/// A case made ready to calibrate or simulate: every input check `train` and `simulate` run,
/// in one place, so `validate` runs exactly these and nothing it accepts is refused later for
/// an input reason.
public struct PreparedCalibration: Sendable {
    public var config: CaseConfig
    public var data: CalibrationData
    public var setup: TrainingSetup
    public var pseudoObserved: PseudoObservations?
    /// Explicit warnings (e.g. no calibration period): printed by `train` and `validate`.
    public var warnings: [String]
}

public enum CalibrationPreparation {
    /// Calibration data, parameter setup (bounds against the step, starts inside bounds,
    /// zones, network), pseudo observations and the calibration targets of `hydroCase`.
    /// `initialValues` (physical, by name) replace starting values as `--initial` does.
    /// `simulation` (simulate): gauges without observations are accepted and nothing needs
    /// to be fitted, so the calibration targets are not checked.
    public static func prepare(_ hydroCase: HydroCase, initialValues: [String: Double] = [:], simulation: Bool = false) throws(InputError) -> PreparedCalibration {
        let config = hydroCase.config
        let data = try CalibrationData.from(hydroCase, requireObservations: !simulation)
        let warnings = simulation ? [] : try CalibrationTargets.check(data, config: config)
        let setup = try TrainingSetup.from(config: config, data: data, initialValues: initialValues)
        let pseudo = try config.training.pseudoObserved.map { p throws(InputError) in try PseudoObservations.select(p, data: data, file: config.file.path) }
        return PreparedCalibration(config: config, data: data, setup: setup, pseudoObserved: pseudo, warnings: warnings)
    }

    /// The config's `output.folder` exists as a writable folder or can be created (an error
    /// naming the config line otherwise). `train`/`simulate` check it unless `--output` replaces it.
    public static func checkOutputFolder(_ config: CaseConfig) throws(InputError) {
        try OutputFolderCheck.check(config.output.folder, configFile: config.file.path, line: config.output.line)
    }
}
