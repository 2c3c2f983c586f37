/// The runoff contract in another floating-point type: the OpenCL kernels run in Float, the
/// reference oracle in Double, and a problem crosses between them with these (Float to Double
/// is exact; Double to Float rounds to nearest).
extension ParameterSeries {
    /// The same series in `Other`, over its first `steps` steps (default: all).
    public func converted<Other: BinaryFloatingPoint & Sendable>(to _: Other.Type, steps: Int? = nil) -> ParameterSeries<Other> {
        ParameterSeries<Other>(slots: slots, units: units, values: values.map { Other($0) },
                               slotOfStep: steps.map { Array(slotOfStep.prefix($0)) } ?? slotOfStep)
    }
}

extension HBVForcing {
    /// The same forcing in `Other`, over its first `steps` steps (default: all); only those
    /// rows are converted, so a prefix costs no copy of the rest.
    public func converted<Other: BinaryFloatingPoint & Sendable>(to _: Other.Type, steps: Int? = nil) -> HBVForcing<Other> {
        let steps = steps ?? self.steps
        let n = steps * cells
        return HBVForcing<Other>(steps: steps, cells: cells, precipitation: precipitation[..<n].map { Other($0) },
                                 temperature: temperature[..<n].map { Other($0) }, pet: pet[..<n].map { Other($0) })
    }
}

extension RunoffProblem {
    /// The same problem in `Other`, over its first `steps` steps (default: all).
    public func converted<Other: BinaryFloatingPoint & Sendable>(to type: Other.Type, steps: Int? = nil) -> RunoffProblem<Other> {
        RunoffProblem<Other>(configuration: configuration, forcing: forcing.converted(to: type, steps: steps),
                             parameters: parameters.mapValues { $0.converted(to: type, steps: steps) },
                             initialStates: initialStates.map { Other($0) })
    }
}
