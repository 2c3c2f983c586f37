import Foundation
import HydroDomain

/// A smaller domain cut out of a larger flow-direction grid (`domain.cut`): a bounding box in
/// the grid's CRS units, or the union of the gauges' catchments. Every raster on the
/// flow-direction grid is cut to the same window; gridded forcing is mapped by coordinates,
/// so it follows without being cut on disk. Gauge `row`/`col` keep naming the full grid.
public enum DomainCut: Sendable, Equatable {
    /// Cells whose centres lie within [xmin, xmax] x [ymin, ymax].
    case bbox(xMin: Double, yMin: Double, xMax: Double, yMax: Double)
    /// The cells draining to any gauge (each gauge's cell and everything upstream).
    case gauges
}

/// Rows and columns of a full grid kept by a cut.
struct GridWindow: Sendable, Equatable {
    var fullRows: Int
    var fullColumns: Int
    var row0: Int
    var column0: Int
    var rows: Int
    var columns: Int
    /// Cells of the window kept active (gauges cut: the catchments); nil: all.
    var keep: [Bool]?

    /// Whether `raster` is on the full grid this window cuts.
    func fits(_ raster: Raster<Double>, full geometry: GridGeometry) -> Bool {
        raster.rows == fullRows && raster.columns == fullColumns
            && abs(raster.geometry.xLowerLeft - geometry.xLowerLeft) <= 1e-6 * geometry.cellSize
            && abs(raster.geometry.yLowerLeft - geometry.yLowerLeft) <= 1e-6 * geometry.cellSize
    }

    func crop(_ r: Raster<Double>) -> Raster<Double> {
        var values = [Double](), has = [Bool]()
        values.reserveCapacity(rows * columns)
        has.reserveCapacity(rows * columns)
        for row in row0..<(row0 + rows) {
            let base = row * r.columns + column0
            values.append(contentsOf: r.values[base..<(base + columns)])
            has.append(contentsOf: r.hasData[base..<(base + columns)])
        }
        var g = r.geometry
        g.xLowerLeft += Double(column0) * g.cellSize
        g.yLowerLeft += Double(fullRows - row0 - rows) * g.cellSize
        return Raster(rows: rows, columns: columns, geometry: g, values: values, hasData: has)
    }

    /// The window of cells whose centres lie in the box; nil when none do.
    static func box(xMin: Double, yMin: Double, xMax: Double, yMax: Double, rows: Int, columns: Int, geometry g: GridGeometry) -> GridWindow? {
        let top = g.yLowerLeft + Double(rows) * g.cellSize
        let c0 = max(0, Int(((xMin - g.xLowerLeft) / g.cellSize - 0.5).rounded(.up)))
        let c1 = min(columns - 1, Int(((xMax - g.xLowerLeft) / g.cellSize - 0.5).rounded(.down)))
        let r0 = max(0, Int(((top - yMax) / g.cellSize - 0.5).rounded(.up)))
        let r1 = min(rows - 1, Int(((top - yMin) / g.cellSize - 0.5).rounded(.down)))
        guard c0 <= c1, r0 <= r1 else { return nil }
        return GridWindow(fullRows: rows, fullColumns: columns, row0: r0, column0: c0, rows: r1 - r0 + 1, columns: c1 - c0 + 1)
    }

    /// The smallest window holding the cells draining to `outlets` (network cells), with only
    /// those cells kept.
    static func catchments(of outlets: [Int], in network: DrainageNetwork) -> GridWindow {
        var inside = [Bool](repeating: false, count: network.cellCount)
        var stack = outlets
        for c in outlets { inside[c] = true }
        while let c = stack.popLast() {
            for k in Int(network.donorOffsets[c])..<Int(network.donorOffsets[c + 1]) {
                let d = Int(network.donors[k])
                if !inside[d] { inside[d] = true; stack.append(d) }
            }
        }
        var r0 = Int.max, r1 = -1, c0 = Int.max, c1 = -1
        for c in inside.indices where inside[c] {
            let (r, col) = network.position(of: c)
            r0 = min(r0, r); r1 = max(r1, r); c0 = min(c0, col); c1 = max(c1, col)
        }
        var window = GridWindow(fullRows: network.rows, fullColumns: network.columns, row0: r0, column0: c0, rows: r1 - r0 + 1, columns: c1 - c0 + 1)
        var keep = [Bool](repeating: false, count: window.rows * window.columns)
        for c in inside.indices where inside[c] {
            let (r, col) = network.position(of: c)
            keep[(r - r0) * window.columns + (col - c0)] = true
        }
        window.keep = keep
        return window
    }
}
