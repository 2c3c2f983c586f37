import HydroModel

/// Water exchanged with the world outside the topographic catchment, as a factor on the runoff
/// each cell delivers to the channel network: delivered = factor × HBV runoff.
///
/// HBV closes its water balance on the topographic catchment. Karst springs (the Lez) drain an
/// aquifer larger than it, and deep losses take water out of others; GR4-type models (smash) carry
/// an exchange term for this. A factor above 1 imports water in proportion to what the cell
/// produces (a contributing area larger than the cell); below 1 it loses some. The factor sits
/// between runoff generation and routing, so both HBV solvers and both backends stay as they are.
///
/// Config (`parameters:` section): `exchange: {initial: 1.2, spatial: uniform|distributed,
/// bounds: [0.5, 3]}` calibrates it; `exchange: 1.3` fixes it; absent, it is 1 (no exchange).
public struct RunoffExchange: Sendable {
    /// Default bounds when the config gives none: from losing half the runoff to tripling it.
    public static let defaultBounds = ParameterBounds(lower: 0.5, upper: 3)

    /// Factor per cell (one value: the same everywhere).
    public var factors: [Double]
    /// d factor / d raw, per value (zeros when fixed).
    public var derivatives: [Double]

    /// The factor of cell `c`.
    @inlinable
    public func factor(cell c: Int) -> Double { factors.count == 1 ? factors[0] : factors[c] }

    /// True when nothing is exchanged (the runoff passes unchanged).
    public var isIdentity: Bool { factors.allSatisfy { $0 == 1 } && derivatives.allSatisfy { $0 == 0 } }

    /// Runoff delivered to the channels, `[steps][cells]`.
    public func apply(_ runoff: [Double], cells: Int) -> [Double] {
        if isIdentity { return runoff }
        var out = runoff
        for i in out.indices { out[i] *= factor(cell: i % cells) }
        return out
    }

    /// Given dL/d(delivered runoff): dL/d(HBV runoff) and dL/d(raw exchange values).
    public func pullBack(_ deliveredAdjoint: [Double], runoff: [Double], cells: Int) -> (runoff: [Double], raw: [Double]) {
        if isIdentity { return (deliveredAdjoint, [Double](repeating: 0, count: derivatives.count)) }
        var runoffAdjoint = deliveredAdjoint
        var factorAdjoint = [Double](repeating: 0, count: factors.count)
        for i in deliveredAdjoint.indices {
            let c = i % cells
            runoffAdjoint[i] *= factor(cell: c)
            factorAdjoint[factors.count == 1 ? 0 : c] += deliveredAdjoint[i] * runoff[i]
        }
        return (runoffAdjoint, zip(factorAdjoint, derivatives).map { $0 * $1 })
    }
}
