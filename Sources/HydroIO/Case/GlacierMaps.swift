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
            switch field {
            case .constant(let v):
                return [Double](repeating: v, count: grid.cellCount)
            case .raster(let source):
                guard let d8, let d8Source = config.domain.flowDirection else {
                    throw InputError(file: configPath, line: glacier.line, place: "model.glacier", message: "a lumped case has no grid: give the glacier \(what) as a number")
                }
                let r = try raster(source)
                try checkSameGrid(r, source.file, as: d8, d8Source.file)
                return try grid.activeCells.map { flat throws(InputError) -> Double in
                    guard r.hasData[flat], r.values[flat].isFinite else {
                        throw InputError(file: source.file.path, row: flat / grid.columns, column: flat % grid.columns, message: "active cell has no glacier \(what)")
                    }
                    let v = r.values[flat]
                    guard range.contains(v) else {
                        throw InputError(file: source.file.path, row: flat / grid.columns, column: flat % grid.columns,
                                         message: "glacier \(what) \(v) outside \(range.lowerBound.formatted())-\(range.upperBound.formatted())")
                    }
                    return v
                }
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
