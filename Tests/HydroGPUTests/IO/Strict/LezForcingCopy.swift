import Foundation
import HydroGPU

/// Writes variants of the Lez forcing (27 x 14 cells, 364 daily steps from 2012-08-01) as a
/// netCDF file, to break one thing at a time: values, fill value, units, time values, bounds.
struct LezForcingCopy {
    static let rows = 27, columns = 14, steps = 364
    /// The outlet gauge's cell, active in the Lez mask.
    static let outlet = (row: 26, column: 12)

    var values: [Double]
    /// Time values in `timeUnits`; default: the end of each daily step.
    var time: [Double] = (0..<steps).map { Double($0 + 1) * 86_400 }
    /// `[start, end]` per step, flattened; nil: no bounds variable.
    var bounds: [Double]? = (0..<steps).flatMap { [Double($0) * 86_400, Double($0 + 1) * 86_400] }
    var timeUnits = "seconds since 2012-08-01 00:00:00"
    var units = "mm"
    var fill: Double? = -9999

    /// The Lez precipitation in mm, as the shipped file holds it (NaN where missing).
    init(_ fixture: CaseFixture) throws {
        values = try NetCDFForcingReader.read(fixture.folder.appending(path: "forcing.nc"), variable: "prcp", quantity: .waterDepth).values
    }

    static func index(step: Int, row: Int, column: Int) -> Int { step * rows * columns + row * columns + column }

    subscript(step: Int, row: Int, column: Int) -> Double {
        get { values[Self.index(step: step, row: row, column: column)] }
        set { values[Self.index(step: step, row: row, column: column)] = newValue }
    }

    /// Writes the variable `rain` to `url`; NaN values are written as the fill value when
    /// there is one, as NaN otherwise.
    func write(_ url: URL, rawNaN: Bool = false) throws {
        let w = try NetCDFWriter(url)
        try w.defineDimension("time", length: time.count)
        try w.defineDimension("y", length: Self.rows)
        try w.defineDimension("x", length: Self.columns)
        try w.defineVariable("time", type: .double, dimensions: ["time"])
        try w.setAttribute("units", timeUnits, on: "time")
        if bounds != nil {
            try w.defineDimension("nv", length: 2)
            try w.defineVariable("time_bnds", type: .double, dimensions: ["time", "nv"])
            try w.setAttribute("bounds", "time_bnds", on: "time")
        }
        try w.defineVariable("y", type: .double, dimensions: ["y"])
        try w.defineVariable("x", type: .double, dimensions: ["x"])
        try w.defineVariable("rain", type: .double, dimensions: ["time", "y", "x"])
        try w.setAttribute("units", units, on: "rain")
        if let fill { try w.setAttribute("_FillValue", [fill], type: .double, on: "rain") }
        try w.write("time", time)
        if let bounds { try w.write("time_bnds", bounds) }
        try w.write("y", (0..<Self.rows).map { 6_301_500 - 1000 * Double($0) })
        try w.write("x", (0..<Self.columns).map { 761_500 + 1000 * Double($0) })
        try w.write("rain", values.map { $0.isNaN && !rawNaN ? (fill ?? .nan) : $0 })
        try w.finish()
    }

    /// The Lez config reading precipitation from `rain` in `file`.
    static func config(_ fixture: CaseFixture, file: String = "rain.nc", extra: String = "") -> String {
        fixture.edited("precipitation: {file: forcing.nc, variable: prcp}", "precipitation: {file: \(file), variable: rain}")
            .replacingOccurrences(of: "  missing: fail\n", with: "  missing: fail\n" + extra)
    }
}
