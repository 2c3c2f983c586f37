import Foundation
import HydroDomain

extension CaseLoader {
    /// The values of a static field (`model.glacier`, `model.elevation`) on the active cells:
    /// one number for every cell, or a raster on the flow directions' grid. `what` names the
    /// quantity in messages, `place` and `line` the config key; `problem` says what is wrong
    /// with a raster value (nil: accepted). Errors name the file, row and column.
    func staticField(_ field: StaticField, _ grid: CaseGrid, flowDirections d8: Raster<Double>?, what: String, place: String, line: Int?,
                     problem: (Double) -> String?) throws(InputError) -> [Double] {
        switch field {
        case .constant(let v):
            return [Double](repeating: v, count: grid.cellCount)
        case .raster(let source):
            guard let d8, let d8Source = config.domain.flowDirection else {
                throw InputError(file: configPath, line: line, place: place, message: "a lumped case has no grid: give the \(what) as a number")
            }
            let r = try raster(source)
            try checkSameGrid(r, source.file, as: d8, d8Source.file)
            return try onCells(r, file: source.file.path, what: what, grid: grid, problem: problem)
        }
    }

    /// A raster's value on each active cell, each required and accepted by `problem`.
    func onCells(_ r: Raster<Double>, file: String, what: String, grid: CaseGrid, problem: (Double) -> String?) throws(InputError) -> [Double] {
        try grid.activeCells.map { flat throws(InputError) -> Double in
            let row = flat / grid.columns, column = flat % grid.columns
            guard r.hasData[flat], r.values[flat].isFinite else {
                throw InputError(file: file, row: row, column: column, message: "active cell has no \(what)")
            }
            let v = r.values[flat]
            if let message = problem(v) { throw InputError(file: file, row: row, column: column, message: message) }
            return v
        }
    }
}
