import Foundation
import HydroDomain

/// The glacier of a case on its active cells (`model.glacier`, docs/GLACIER.md): the glacier
/// area fraction of each cell and, when known, the ice over the glacier part.
public struct GlacierMaps: Sendable, Equatable {
    /// Glacier area fraction per active cell, 0-1.
    public var fraction: [Double]
    /// Ice over the glacier part per active cell (mm water equivalent); nil: unlimited ice.
    public var ice: [Double]?

    public init(fraction: [Double], ice: [Double]? = nil) {
        self.fraction = fraction
        self.ice = ice
    }

    /// The ice store ICE each cell starts with: mm water equivalent over the cell's area
    /// (fraction times the ice over the glacier part); nil when the ice is unlimited.
    public var initialIceStore: [Double]? { ice.map { zip(fraction, $0).map(*) } }
}

extension CaseLoader {
    /// Reads `model.glacier` onto the active cells (a lumped case's elevation bands: one value
    /// per band, from the bands' `glacier`; the ice number for each): a raster must lie on the flow directions'
    /// grid and hold a value on every active cell; fractions must lie in 0-1 and the ice be
    /// >= 0. Errors name the file, row and column.
    func glacierMaps(_ grid: CaseGrid, flowDirections d8: Raster<Double>?) throws(InputError) -> GlacierMaps? {
        guard let glacier = config.model.glacier else { return nil }
        func values(_ field: StaticField, what: String, range: ClosedRange<Double>) throws(InputError) -> [Double] {
            try staticField(field, grid, flowDirections: d8, what: "glacier \(what)", place: "model.glacier", line: glacier.line) { v in
                range.contains(v) ? nil : "glacier \(what) \(v) outside \(range.lowerBound.formatted())-\(range.upperBound.formatted())"
            }
        }
        // A lumped basin with elevation bands: one model cell per band, its glacier share from the band.
        let bands = config.domain.lumped?.bands ?? []
        let fraction = try glacier.fraction.map { f throws(InputError) in try values(f, what: "fraction", range: 0...1) } ?? bands.map(\.glacierFraction)
        let cells = fraction.count
        func perCell(_ v: [Double]) -> [Double] { v.count == cells ? v : [Double](repeating: v[0], count: cells) }
        return GlacierMaps(fraction: fraction,
                           ice: try glacier.ice.map { f throws(InputError) in perCell(try values(f, what: "ice (mm water equivalent)", range: 0...1e7)) })
    }
}
