import Foundation
import HydroDomain

/// A forcing variable as its file holds it: `[steps][rows][columns]`, row 0 north, converted
/// to HydroGPU units, NaN where missing.
public struct GriddedForcing: Sendable {
    public var name: String
    public var source: String
    public var quantity: ForcingQuantity
    public var time: TimeAxis
    public var rows: Int
    public var columns: Int
    /// Where the grid lies; nil for a basin-mean series, which has no position and applies to
    /// every cell of a case (`uniform`).
    public var geometry: GridGeometry?
    public var values: [Double]

    /// Maps the field onto `cells` of a model grid: each model cell takes the forcing cell that
    /// contains its centre. `cells` are flat indices `row * columns + column` of `grid`.
    /// Throws when a model cell lies outside the forcing grid, naming the model cell.
    /// `steps` limits the result to a window of the record (default: all of it). A one-cell
    /// field (a basin mean, or a 1 x 1 grid) is the same on every model cell.
    public func onCells(_ cells: [Int], of grid: Raster<Bool>, gridFile: String, steps: Range<Int>? = nil) throws(InputError) -> ForcingField {
        let steps = steps ?? 0..<time.count
        guard let geometry, rows * columns > 1 else { return uniform(on: cells.count, steps: steps) }
        let sourceIndex = try GridMapping.sourceCells(for: cells, modelRows: grid.rows, modelColumns: grid.columns,
                                                      model: grid.geometry, modelFile: gridFile,
                                                      sourceRows: rows, sourceColumns: columns, source: geometry, sourceName: source)
        let n = cells.count, perStep = rows * columns
        let out = [Double](unsafeUninitializedCapacity: steps.count * n) { o, initialised in
            values.withUnsafeBufferPointer { v in
                sourceIndex.withUnsafeBufferPointer { s in
                    for (k, t) in steps.enumerated() {
                        let base = t * perStep
                        for c in 0..<n { o[k * n + c] = v[base + s[c]] }
                    }
                }
            }
            initialised = steps.count * n
        }
        var axis = time
        axis.startSeconds += Int64(steps.lowerBound) * time.stepSeconds
        axis.count = steps.count
        return ForcingField(name: name, source: source, quantity: quantity, time: axis, cells: n, values: out)
    }
}

extension GriddedForcing {
    /// A one-cell (basin-mean) variable repeated on `cells` cells, over `steps`.
    func uniform(on cells: Int, steps: Range<Int>) -> ForcingField {
        var out = [Double]()
        out.reserveCapacity(steps.count * cells)
        for t in steps { out.append(contentsOf: repeatElement(values[t], count: cells)) }
        var axis = time
        axis.startSeconds += Int64(steps.lowerBound) * time.stepSeconds
        axis.count = steps.count
        return ForcingField(name: name, source: source, quantity: quantity, time: axis, cells: cells, values: out)
    }
}

/// Which source-grid cell holds each model cell's centre.
public enum GridMapping {
    public static func sourceCells(for cells: [Int], modelRows: Int, modelColumns: Int, model: GridGeometry, modelFile: String,
                                   sourceRows: Int, sourceColumns: Int, source: GridGeometry, sourceName: String) throws(InputError) -> [Int] {
        if let a = model.crs, let b = source.crs, a != b {
            throw InputError(file: sourceName, message: "forcing grid is in \(b), the model grid (\(modelFile)) in \(a)")
        }
        let sourceTop = source.yLowerLeft + Double(sourceRows) * source.cellSize
        // Centres are compared with a tolerance of a millionth of a source cell, so a model
        // cell centred exactly on a forcing-cell edge (it cannot be for aligned grids) is
        // decided the same way on every machine.
        let eps = 1e-6
        var result = [Int]()
        result.reserveCapacity(cells.count)
        for flat in cells {
            let row = flat / modelColumns, column = flat % modelColumns
            let (x, y) = model.center(row: row, column: column, rows: modelRows)
            let fc = (x - source.xLowerLeft) / source.cellSize
            let fr = (sourceTop - y) / source.cellSize
            let inRange = fc.isFinite && fr.isFinite && abs(fc) < 1e12 && abs(fr) < 1e12
            let c = inRange ? Int((fc + eps).rounded(.down)) : -1, r = inRange ? Int((fr + eps).rounded(.down)) : -1
            guard c >= 0, c < sourceColumns, r >= 0, r < sourceRows else {
                throw InputError(file: sourceName, place: "model cell row \(row), column \(column) (centre \(x), \(y))",
                                 message: "lies outside the forcing grid (x \(source.xLowerLeft) to \(source.xLowerLeft + Double(sourceColumns) * source.cellSize), y \(source.yLowerLeft) to \(sourceTop)) of \(modelFile)'s cells")
            }
            result.append(r * sourceColumns + c)
        }
        return result
    }
}
