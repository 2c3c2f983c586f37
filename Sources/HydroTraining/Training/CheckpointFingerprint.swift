import Foundation
import HydroDomain
import HydroIO

/// What ties a checkpoint to its case: hashes of the config text(s) and of the inputs as the
/// model sees them (forcing, observations, network, cell areas, descriptors, time axis and
/// windows), the free vector's layout (what each entry is) and the optimiser. `--resume`
/// refuses a checkpoint whose fingerprint differs, naming what differs.
public struct CheckpointFingerprint: Codable, Sendable, Equatable {
    public var configHash: String
    public var inputHash: String
    public var layoutHash: String
    public var freeCount: Int
    public var optimizer: OptimizerKind

    /// `configFiles`: the config(s) the run read (a multi-case run: the joint file and every
    /// case's); `data`: each case's calibration data; `layout`: a description per free value.
    public static func make(configFiles: [URL], data: [CalibrationData], layout: [String], optimizer: OptimizerKind) throws(InputError) -> CheckpointFingerprint {
        var config = ContentHash()
        for file in configFiles { config.add(try InputFile.read(file)) }
        var inputs = ContentHash()
        for d in data {
            inputs.add(d.caseName)
            inputs.add(d.configuration.solver.rawValue)
            inputs.add([Double(d.time.startSeconds), Double(d.time.stepSeconds), Double(d.time.count), Double(d.cells),
                        Double(d.calibrationSteps.lowerBound), Double(d.calibrationSteps.upperBound)])
            inputs.add(d.forcing.precipitation)
            inputs.add(d.forcing.temperature)
            inputs.add(d.forcing.pet)
            inputs.add(d.network.downstream.map(Double.init))
            inputs.add(d.grid.cellAreaSquareMetres)
            for g in d.gauges {
                inputs.add(g.id)
                inputs.add([Double(g.cell)])
                inputs.add(g.observed ?? [])
            }
            for name in d.descriptorOrder {
                inputs.add(name)
                inputs.add(d.descriptors[name] ?? [])
            }
        }
        var shape = ContentHash()
        for entry in layout { shape.add(entry) }
        return CheckpointFingerprint(configHash: config.hex, inputHash: inputs.hex, layoutHash: shape.hex, freeCount: layout.count, optimizer: optimizer)
    }

    /// The first difference from `expected`, in words; nil when they agree.
    func difference(from expected: CheckpointFingerprint) -> String? {
        if freeCount != expected.freeCount { return "it has \(freeCount) free values, this case's parameters need \(expected.freeCount)" }
        if layoutHash != expected.layoutHash { return "its free vector is laid out differently (parameters, layouts or cells changed)" }
        if optimizer != expected.optimizer { return "it holds \(optimizer.rawValue) state, this run uses \(expected.optimizer.rawValue)" }
        if configHash != expected.configHash { return "the config changed since it was written (config hash \(configHash), now \(expected.configHash)); to train longer give --iterations" }
        if inputHash != expected.inputHash { return "the input data changed since it was written (input hash \(inputHash), now \(expected.inputHash))" }
        return nil
    }
}

/// A checkpoint that cannot be used, and why.
public struct CheckpointError: Error, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

extension TrainingCheckpoint {
    /// The checkpoint format this build writes; older or newer ones are refused by `--resume`.
    public static let formatVersion = 2

    /// The hash of the checkpoint's canonical JSON without its checksum.
    func computedChecksum() throws -> String {
        var copy = self
        copy.checksum = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hash = ContentHash()
        hash.add(try encoder.encode(copy))
        return hash.hex
    }

    /// Checks that this checkpoint can continue a run of `freeCount` values with `expected`'s
    /// case and optimiser: version, fingerprint, and every array's length (a wrong length
    /// would index out of range inside the optimiser).
    public func verify(against expected: CheckpointFingerprint, file: String) throws(CheckpointError) {
        guard version == Self.formatVersion else {
            throw CheckpointError(file: file, message: version == nil ? "a checkpoint without version or fingerprint (written by an older hydrogpu): it cannot be tied to this case; start again without --resume"
                                  : "checkpoint format \(version!), this hydrogpu reads \(Self.formatVersion)")
        }
        guard let fingerprint else { throw CheckpointError(file: file, message: "has no fingerprint of its case") }
        if let d = fingerprint.difference(from: expected) { throw CheckpointError(file: file, message: "written for another case or run: \(d)") }
        try checkShapes(freeCount: expected.freeCount, file: file)
        switch (expected.optimizer, optimizer) {
        case (_, nil), (.lbfgs, .lbfgs?), (.adam, .adam?), (.adadelta, .adadelta?): break
        default: throw CheckpointError(file: file, message: "holds another optimiser's state, this run uses \(expected.optimizer.rawValue)")
        }
    }

    /// Lengths and finiteness of the free vector and the optimiser state.
    public func checkShapes(freeCount n: Int, file: String) throws(CheckpointError) {
        guard iteration >= 0 else { throw CheckpointError(file: file, message: "iteration \(iteration) is negative") }
        guard free.count == n else { throw CheckpointError(file: file, message: "free has \(free.count) values, this case's parameters need \(n)") }
        if let i = free.firstIndex(where: { !$0.isFinite }) { throw CheckpointError(file: file, message: "free[\(i)] is \(free[i])") }
        guard lossHistory.count == iteration else { throw CheckpointError(file: file, message: "lossHistory has \(lossHistory.count) values for \(iteration) iterations") }
        if let g = nonZeroGradient, g.count != n { throw CheckpointError(file: file, message: "nonZeroGradient has \(g.count) values, expected \(n)") }
        if let s = startFree, s.count != n { throw CheckpointError(file: file, message: "startFree has \(s.count) values, expected \(n)") }
        switch optimizer {
        case .lbfgs(let s)?:
            guard s.x.count == n, s.gradient.count == n else {
                throw CheckpointError(file: file, message: "L-BFGS state has x of \(s.x.count) and gradient of \(s.gradient.count) values, expected \(n)")
            }
            guard s.s.count == s.y.count, s.s.allSatisfy({ $0.count == n }), s.y.allSatisfy({ $0.count == n }) else {
                throw CheckpointError(file: file, message: "L-BFGS memory pairs are not \(s.s.count) pairs of \(n) values")
            }
            guard s.x == free else { throw CheckpointError(file: file, message: "L-BFGS state's x differs from free") }
        case .adam(let a)?:
            guard a.isConsistent(withCount: n) else { throw CheckpointError(file: file, message: "Adam moments do not have \(n) values") }
        case .adadelta(let a)?:
            guard a.isConsistent(withCount: n) else { throw CheckpointError(file: file, message: "AdaDelta accumulators do not have \(n) values") }
        case nil: break
        }
    }
}
