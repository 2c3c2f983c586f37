import RealModule

// HBVState and HBVStepParameters are generated from model/hbv.table (plugin GenerateModel).

extension HBVStorage {
    /// Whether the storage holds the unit's water, which the water balance sums: all but the
    /// glacier's ice store, whose melt the balance counts as an inflow (`HBVStepFluxes.iceMelt`;
    /// kernels: `total_storage`, `ihbv_total_storage`).
    @inlinable public var isUnitWater: Bool { self != .ice }
}

/// Fluxes of one unit in one step (mm per step; `evaporationFactor` dimensionless).
public struct HBVStepFluxes<Real: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public var rain: Real = 0
    public var snow: Real = 0
    public var melt: Real = 0
    public var refreeze: Real = 0
    public var tosoil: Real = 0
    public var recharge: Real = 0
    public var excess: Real = 0
    public var evaporationFactor: Real = 0
    public var evapotranspiration: Real = 0
    /// Water a lower bound added rather than a flux (δHBV's `max(SM - ET, nearzero)`).
    public var numericalInflow: Real = 0
    public var capillaryRise: Real = 0
    public var percolation: Real = 0
    public var q0: Real = 0
    public var q1: Real = 0
    public var q2: Real = 0
    /// Water the groundwater exchange added to (> 0) or took from (< 0) the lower zone, across
    /// the unit's boundary (`GroundwaterExchangeProcess`; 0 when that process is off). The
    /// water balance counts it as an inflow.
    public var exchange: Real = 0
    /// Ice melt from the glacier's ice store into the upper zone (`GlacierProcess`; 0 when that
    /// process is off). The ice store lies outside the unit's water (`HBVStorage.isUnitWater`),
    /// so the water balance counts the melt as an inflow.
    public var iceMelt: Real = 0
    /// The snow's degree-day melt factor (per step), handed to the glacier (0 without snow).
    public var degreeDayFactor: Real = 0
    /// Runoff the unit delivers to the channel network: `runoff` (Q0 + Q1 + Q2) times the runoff
    /// exchange factor (`RunoffExchangeProcess`), or `runoff` itself when that process is off
    /// (its null operator). What the solvers output and the routing carries.
    public var delivered: Real = 0
    /// Water the runoff exchange added to (> 0) or took from (< 0) the delivered runoff across the
    /// unit's boundary, `delivered - runoff` (0 when that process is off). The water balance counts
    /// it with the groundwater exchange.
    public var runoffExchange: Real = 0

    @inlinable public init() {}

    /// Q0 + Q1 + Q2, summed left to right as δHBV does: the runoff the unit generates, before the
    /// runoff exchange (`delivered`).
    @inlinable public var runoff: Real { q0 + q1 + q2 }
}
