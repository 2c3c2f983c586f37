import HydroModel

/// Every HBV parameter of a problem packed into one flat array, with a per-step table of where
/// each parameter's values start, so hot loops read `values[stepBase[t * count + p] + unit]`
/// with no dictionary, no optional and one code path for static, monthly and dynamic series.
///
/// Rates (`HBVParameter.isRatePerDay`, from model/hbv.table) are multiplied by
/// `HBVConfiguration.stepDays` here, once, so the step equations see per-step rates; gradients
/// are multiplied by the same factor on the way out (`gradients(from:)`). Scaling is linear:
/// for steps much longer than the storages' time scales (K * stepDays near 1) the explicit
/// sequential step drains a store within one step, which is the model, not an error.
public struct PackedParameters<Real: BinaryFloatingPoint & Sendable>: Sendable {
    /// Number of parameter positions, in `HBVParameter` raw-value order.
    public static var count: Int { HBVParameter.count }

    /// Parameters whose values are rates per day and scale with the step length.
    public static var rateParameters: Set<HBVParameter> { Set(HBVParameter.allCases.filter(\.isRatePerDay)) }

    public let steps: Int
    public let units: Int
    /// All parameters' `[slots][units]` blocks, concatenated in `HBVParameter` order, rates scaled.
    public private(set) var values: [Real]
    /// `offsets[p]`: start of parameter `p`'s block in `values`.
    public let offsets: [Int]
    /// `slots[p]`: number of slots of parameter `p`.
    public let slots: [Int]
    /// `stepBase[t * count + p] = offsets[p] + slotOfStep_p[t] * units`.
    public let stepBase: [Int]
    /// Factor applied to each parameter's values (stepDays for rates, else 1).
    public let scale: [Real]
    /// Parameters the problem gave (others hold a default and get no gradient).
    public let given: Set<HBVParameter>
    /// `given` as raw values in `HBVParameter` order: the implicit sweep gathers and
    /// accumulates only these per unit-step; the others are constants (`absentRow`).
    public let givenIndices: [Int]
    /// Every parameter absent from the problem at its packed (default, step-scaled) value, the
    /// given ones 0, in `HBVParameter` order: what the implicit sweep's per-step gather starts from.
    public let absentRow: [Real]

    /// Packs `problem.parameters` under the model table's absence rule
    /// (`HBVParameter.absenceRule(for:)`), the one rule every backend applies.
    public init(_ problem: RunoffProblem<Real>) throws(RunoffProblemError) {
        try problem.checkSolverHasProcesses()
        let rule = HBVParameter.absenceRule(for: problem.configuration)
        try self.init(problem, required: rule.required, defaults: rule.defaults.mapValues { Real($0) })
    }

    /// Packs `problem.parameters`.
    ///
    /// - Parameters:
    ///   - required: parameters the model cannot run without (error if absent).
    ///   - defaults: values for parameters that may be absent (one slot, constant).
    ///   Any parameter neither given, required nor defaulted is packed as 0 and unused.
    public init(_ problem: RunoffProblem<Real>, required: Set<HBVParameter>, defaults: [HBVParameter: Real]) throws(RunoffProblemError) {
        let steps = problem.forcing.steps
        let units = problem.units
        let dt = Real(problem.configuration.stepDays)
        var values: [Real] = []
        var offsets: [Int] = [], slots: [Int] = [], scale: [Real] = []
        var slotTables: [[Int32]] = []
        var given = Set<HBVParameter>()
        for parameter in HBVParameter.allCases {
            let factor: Real = parameter.isRatePerDay ? dt : 1
            offsets.append(values.count)
            scale.append(factor)
            if let series = problem.parameters[parameter] {
                guard series.units == units else { throw .parameterUnits(parameter, expected: units, found: series.units) }
                guard series.slotOfStep.count == steps else { throw .parameterSteps(parameter, expected: steps, found: series.slotOfStep.count) }
                guard series.values.count == series.slots * units else {
                    throw .parameterUnits(parameter, expected: series.slots * units, found: series.values.count)
                }
                for (t, s) in series.slotOfStep.enumerated() where s < 0 || Int(s) >= series.slots {
                    throw .slotOutOfRange(parameter, step: t, slot: Int(s), slots: series.slots)
                }
                given.insert(parameter)
                slots.append(series.slots)
                // Multiplying by exactly 1 leaves values bit-identical (hydrodl2 reproduction).
                values.append(contentsOf: factor == 1 ? series.values : series.values.map { $0 * factor })
                slotTables.append(series.slotOfStep)
            } else if required.contains(parameter) {
                throw .missingParameter(parameter)
            } else {
                let v = defaults[parameter] ?? 0
                slots.append(1)
                values.append(contentsOf: repeatElement(v * factor, count: units))
                slotTables.append([])
            }
        }
        let n = HBVParameter.count
        var stepBase = [Int](repeating: 0, count: steps * n)
        for p in 0..<n {
            let table = slotTables[p]
            for t in 0..<steps {
                stepBase[t * n + p] = offsets[p] + (table.isEmpty ? 0 : Int(table[t]) * units)
            }
        }
        self.steps = steps
        self.units = units
        self.values = values
        self.offsets = offsets
        self.slots = slots
        self.stepBase = stepBase
        self.scale = scale
        self.given = given
        givenIndices = HBVParameter.allCases.filter(given.contains).map(\.rawValue)
        absentRow = HBVParameter.allCases.map { given.contains($0) ? 0 : values[offsets[$0.rawValue]] }
    }

    /// Splits a gradient accumulated in the packed layout (dL/d scaled value) into dL/d(given
    /// physical value) per parameter, `[slots][units]`, applying the rate scaling's chain rule.
    public func gradients(from packed: [Real]) -> [HBVParameter: [Real]] {
        precondition(packed.count == values.count, "packed gradient must match packed values")
        var result: [HBVParameter: [Real]] = [:]
        for parameter in given {
            let p = parameter.rawValue
            let slice = packed[offsets[p]..<(offsets[p] + slots[p] * units)]
            let factor = scale[p]
            result[parameter] = factor == 1 ? Array(slice) : slice.map { $0 * factor }
        }
        return result
    }
}
