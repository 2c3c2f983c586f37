import HydroModel

/// Water-balance totals of one HBV unit over a run (mm), accumulated in Double whatever the
/// model's precision, so the audit measures the model's rounding and not the audit's.
///
/// Closure: `precipitation + numericalInflow + exchange + iceMelt - evapotranspiration - runoff - (final - initial)`.
/// `numericalInflow` is water a solver adds by a lower bound rather than by a flux: δHBV's
/// `SM = max(SM - ET, nearzero)` lifts SM to 1e-5 mm when ET empties the soil. It is counted as
/// an inflow so the audit closes to rounding and the amount stays visible. `exchange` is the water
/// the groundwater exchange (`HBVStepFluxes.exchange`) and the runoff exchange
/// (`HBVStepFluxes.runoffExchange`) brought in (> 0) or took out (< 0); `runoff` is the runoff
/// the unit delivered (after the runoff exchange).
public struct UnitWaterBalance: Sendable, Equatable {
    public var precipitation: Double = 0
    public var evapotranspiration: Double = 0
    public var runoff: Double = 0
    public var numericalInflow: Double = 0
    public var exchange: Double = 0
    /// Ice the glacier melted into the upper zone (`HBVStepFluxes.iceMelt`): water from the ice
    /// store, which lies outside the unit's storage sum, so an inflow of the balance.
    public var iceMelt: Double = 0
    public var initialStorage: Double = 0
    public var finalStorage: Double = 0

    public init() {}

    /// P + numerical inflow + exchange + ice melt - ET - Q - ΔS (mm).
    @inlinable public var closureError: Double {
        precipitation + numericalInflow + exchange + iceMelt - evapotranspiration - runoff - (finalStorage - initialStorage)
    }

    /// |closure| relative to the unit's inflow (P plus numerical inflow plus a gaining exchange),
    /// or absolute if there was none.
    @inlinable public var relativeClosureError: Double {
        let inflow = precipitation + numericalInflow + max(exchange, 0) + iceMelt
        return inflow > 0 ? abs(closureError) / inflow : abs(closureError)
    }

    /// Sum of a unit's storages in the `[storages][units]` layout, the glacier's ice store left
    /// out (`HBVStorage.isUnitWater`: its melt is an inflow instead).
    @inlinable
    public static func storageSum<Real: BinaryFloatingPoint>(_ states: UnsafePointer<Real>, unit: Int, units: Int) -> Double {
        var s = 0.0
        for storage in HBVStorage.allCases where storage.isUnitWater { s += Double(states[storage.rawValue * units + unit]) }
        return s
    }
}

extension WaterBalanceAudit {
    /// Per-unit and domain closure from per-unit totals.
    ///
    /// The domain's numerical inflow is reported in `numericalInflow` and is part of
    /// `domainError`'s balance, so a closed domain reads 0 there.
    public init(units: UnsafeBufferPointer<UnitWaterBalance>) {
        var maxAbs = 0.0, maxRel = 0.0
        var p = 0.0, et = 0.0, q = 0.0, ds = 0.0, extra = 0.0, exchanged = 0.0, ice = 0.0
        for u in units {
            maxAbs = max(maxAbs, abs(u.closureError))
            maxRel = max(maxRel, u.relativeClosureError)
            p += u.precipitation
            et += u.evapotranspiration
            q += u.runoff
            ds += u.finalStorage - u.initialStorage
            extra += u.numericalInflow
            exchanged += u.exchange
            ice += u.iceMelt
        }
        self.init(maxAbsoluteError: maxAbs, maxRelativeError: maxRel, totalPrecipitation: p,
                  totalEvapotranspiration: et, totalRunoff: q, storageChange: ds, numericalInflow: extra, exchange: exchanged, iceMelt: ice)
    }

    public init(units: [UnitWaterBalance]) {
        self = units.withUnsafeBufferPointer { WaterBalanceAudit(units: $0) }
    }
}
