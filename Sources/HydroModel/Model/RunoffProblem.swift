import RealModule

/// Which time stepping the HBV model uses (MODEL.md 3.1 and 3.2).
public enum HBVSolver: String, CaseIterable, Sendable, Codable {
    /// δHBV's explicit operator-split step with clamps.
    case sequential
    /// Backward Euler over all five storages, solved by Newton.
    case implicit
}

/// The values of one parameter over space and time.
///
/// `values` is `[slots][units]` (slot-major); `slotOfStep[t]` says which slot step `t` reads.
/// A static parameter has one slot, a monthly one twelve, a dynamic one a slot per step: all
/// share one code path and one adjoint, and gradients come back in the same shape.
/// A unit is one HBV column: `unit = cell * nmul + component`.
public struct ParameterSeries<Real: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public var slots: Int
    public var units: Int
    public var values: [Real]
    public var slotOfStep: [Int32]

    public init(slots: Int, units: Int, values: [Real], slotOfStep: [Int32]) {
        precondition(values.count == slots * units, "parameter values must be slots x units")
        self.slots = slots
        self.units = units
        self.values = values
        self.slotOfStep = slotOfStep
    }

    /// One value for every unit and step.
    public static func uniform(_ value: Real, units: Int, steps: Int) -> Self {
        Self(slots: 1, units: units, values: [Real](repeating: value, count: units), slotOfStep: [Int32](repeating: 0, count: steps))
    }

    /// One value per unit, constant in time.
    public static func distributed(_ values: [Real], steps: Int) -> Self {
        Self(slots: 1, units: values.count, values: values, slotOfStep: [Int32](repeating: 0, count: steps))
    }

    /// The value unit `unit` uses at step `t`.
    @inlinable
    public func value(step t: Int, unit: Int) -> Real { values[Int(slotOfStep[t]) * units + unit] }
}

/// Meteorological forcing per cell and step, time-major `[steps][cells]`.
public struct HBVForcing<Real: BinaryFloatingPoint & Sendable>: Sendable {
    public var steps: Int
    public var cells: Int
    /// P, mm per step.
    public var precipitation: [Real]
    /// T, degrees Celsius.
    public var temperature: [Real]
    /// Potential evapotranspiration, mm per step.
    public var pet: [Real]

    public init(steps: Int, cells: Int, precipitation: [Real], temperature: [Real], pet: [Real]) {
        precondition(precipitation.count == steps * cells && temperature.count == steps * cells && pet.count == steps * cells,
                     "forcing arrays must be steps x cells")
        self.steps = steps
        self.cells = cells
        self.precipitation = precipitation
        self.temperature = temperature
        self.pet = pet
    }
}

/// Model options that are not parameters.
public struct HBVConfiguration: Sendable, Equatable {
    public var solver: HBVSolver
    /// Parallel HBV components per cell whose runoff is averaged (δHBV's nmul).
    public var components: Int
    /// Step length in days; rates per day (`HBVParameter.isRatePerDay`) scale with it.
    public var stepDays: Double
    /// Lower bound on soil moisture after ET in the sequential solver (δHBV's nearzero).
    public var nearZero: Double
    /// Whether the problem must give the ET exponent (model/hbv.table, `absent` = `exponent=V`;
    /// δHBV 1.1p). False (δHBV 1.0) lets it be absent. The solvers switch the exponent by
    /// presence (`ActiveProcesses.etExponent`), not by this flag: absent, ET is linear.
    public var usesETExponent: Bool
    /// Whether the glacier's ice store (storage ICE, which then holds the known ice) limits the
    /// ice melt; false: the ice is unlimited (docs/GLACIER.md). Read only with the glacier on.
    public var limitsIceMelt: Bool = false

    public init(solver: HBVSolver = .sequential, components: Int = 1, stepDays: Double = 1,
                nearZero: Double = 1e-5, usesETExponent: Bool = true) {
        self.solver = solver
        self.components = components
        self.stepDays = stepDays
        self.nearZero = nearZero
        self.usesETExponent = usesETExponent
    }
}

/// Everything one runoff run needs.
public struct RunoffProblem<Real: BinaryFloatingPoint & Sendable>: Sendable {
    public var configuration: HBVConfiguration
    public var forcing: HBVForcing<Real>
    /// Physical parameter values (already mapped to bounds), one series per parameter.
    public var parameters: [HBVParameter: ParameterSeries<Real>]
    /// Initial storages `[storages][units]` in `HBVStorage` order.
    public var initialStates: [Real]

    public var units: Int { forcing.cells * configuration.components }

    public init(configuration: HBVConfiguration, forcing: HBVForcing<Real>,
                parameters: [HBVParameter: ParameterSeries<Real>], initialStates: [Real]? = nil) {
        self.configuration = configuration
        self.forcing = forcing
        self.parameters = parameters
        let units = forcing.cells * configuration.components
        self.initialStates = initialStates ?? [Real](repeating: Real(HBVStorage.defaultInitial), count: HBVStorage.count * units)
    }
}

/// Water-balance closure of a run (MODEL.md 7), per unit and over the domain, in mm.
public struct WaterBalanceAudit: Sendable, Equatable {
    /// Largest |P - ET - Q - ΔS| over units (mm).
    public var maxAbsoluteError: Double
    /// Largest error relative to the unit's total inflow P.
    public var maxRelativeError: Double
    /// Domain totals (mm summed over units).
    public var totalPrecipitation: Double
    public var totalEvapotranspiration: Double
    public var totalRunoff: Double
    public var storageChange: Double
    /// Water added by lower bounds rather than fluxes (mm summed over units), e.g. δHBV's
    /// `SM = max(SM - ET, nearzero)`; counted as an inflow so the balance closes. 0 for solvers
    /// without such bounds.
    public var numericalInflow: Double
    /// Water the groundwater exchange and the runoff exchange brought in (> 0) or took out (< 0)
    /// across the units' boundaries (mm summed over units): an inflow of the balance, 0 when both
    /// processes are off.
    public var exchange: Double
    /// Ice the glacier melted (mm summed over units; `GlacierProcess`): water from the ice store,
    /// which lies outside the storage change (`HBVStorage.isUnitWater`), so an inflow; 0 when
    /// the glacier is off.
    public var iceMelt: Double
    /// Domain closure P + numerical inflow + exchange + ice melt - ET - Q - ΔS (mm summed over units) and relative to P.
    public var domainError: Double
    public var domainRelativeError: Double

    public init(maxAbsoluteError: Double, maxRelativeError: Double, totalPrecipitation: Double, totalEvapotranspiration: Double, totalRunoff: Double, storageChange: Double, numericalInflow: Double = 0, exchange: Double = 0, iceMelt: Double = 0) {
        self.maxAbsoluteError = maxAbsoluteError
        self.maxRelativeError = maxRelativeError
        self.totalPrecipitation = totalPrecipitation
        self.totalEvapotranspiration = totalEvapotranspiration
        self.totalRunoff = totalRunoff
        self.storageChange = storageChange
        self.numericalInflow = numericalInflow
        self.exchange = exchange
        self.iceMelt = iceMelt
        self.domainError = totalPrecipitation + numericalInflow + exchange + iceMelt - totalEvapotranspiration - totalRunoff - storageChange
        self.domainRelativeError = totalPrecipitation > 0 ? abs(domainError) / totalPrecipitation : abs(domainError)
    }
}

/// What a forward run returns.
public struct RunoffResult<Real: BinaryFloatingPoint & Sendable>: Sendable {
    /// Runoff per cell and step (mean over components), mm per step, `[steps][cells]`.
    public var runoff: [Real]
    /// Storages at the end of the run, `[storages][units]`.
    public var finalStates: [Real]
    public var audit: WaterBalanceAudit
    /// Cell-steps whose Newton iteration did not reach tolerance (implicit solver; 0 otherwise).
    public var nonConvergedSteps: Int

    public init(runoff: [Real], finalStates: [Real], audit: WaterBalanceAudit, nonConvergedSteps: Int = 0) {
        self.runoff = runoff
        self.finalStates = finalStates
        self.audit = audit
        self.nonConvergedSteps = nonConvergedSteps
    }
}

/// Gradient of a scalar loss with respect to the inputs of a run.
public struct RunoffGradient<Real: BinaryFloatingPoint & Sendable>: Sendable {
    /// dL/d(physical value), the same `[slots][units]` shape as each parameter series.
    public var parameters: [HBVParameter: [Real]]
    /// dL/d(initial storages), `[storages][units]`.
    public var initialStates: [Real]

    public init(parameters: [HBVParameter: [Real]], initialStates: [Real]) {
        self.parameters = parameters
        self.initialStates = initialStates
    }
}

/// A backend that runs the HBV model forward and back.
public protocol RunoffModel<Real> {
    associatedtype Real: BinaryFloatingPoint & Sendable
    /// Runs the model forward.
    func forward(_ problem: RunoffProblem<Real>) throws -> RunoffResult<Real>
    /// Runs forward then the adjoint: `runoffAdjoint` is dL/d(runoff) `[steps][cells]`.
    func gradient(_ problem: RunoffProblem<Real>, runoffAdjoint: [Real]) throws -> (result: RunoffResult<Real>, gradient: RunoffGradient<Real>)
}

/// Bounded reparameterisation (MODEL.md 5): physical = lo + (hi - lo) * sigmoid(raw).
public enum ParameterTransform {
    @inlinable
    public static func physical<Real: Real_>(_ raw: Real, _ parameter: HBVParameter) -> Real {
        let (lo, hi) = parameter.bounds
        return Real(lo) + Real(hi - lo) * sigmoid(raw)
    }

    /// d physical / d raw.
    @inlinable
    public static func derivative<Real: Real_>(_ raw: Real, _ parameter: HBVParameter) -> Real {
        let (lo, hi) = parameter.bounds
        let u = sigmoid(raw)
        return Real(hi - lo) * u * (1 - u)
    }

    @inlinable
    public static func sigmoid<Real: Real_>(_ x: Real) -> Real { 1 / (1 + Real.exp(-x)) }
}

/// The numeric types the reference backend is generic over (Float and Double).
public typealias Real_ = RealModule.Real & BinaryFloatingPoint & Sendable
