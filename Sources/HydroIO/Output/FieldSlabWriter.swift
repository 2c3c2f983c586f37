import Foundation
import CNetCDF
import HydroDomain
import HydroModel

/// `output.fields` as one CF-NetCDF file (`time, y, x`, as `CaseOutputs.writeFields` lays it
/// out), written a window of steps at a time: the file is defined for the whole record first,
/// then each window's slab is put along time, so no field is ever held for the whole record.
package final class FieldSlabWriter {
    package struct Field {
        package var name: String
        package var units: String
        package var longName: String
        package init(name: String, units: String, longName: String) {
            self.name = name
            self.units = units
            self.longName = longName
        }
    }

    private let writer: NetCDFWriter
    private let url: URL
    private let grid: CaseGrid
    private let steps: Int
    package let fields: [Field]

    package init(_ fields: [Field], grid: CaseGrid, time: TimeAxis, to url: URL) throws(InputError) {
        let w = try NetCDFWriter(url)
        try w.defineDimension("time", length: time.count)
        try w.defineDimension("y", length: grid.rows)
        try w.defineDimension("x", length: grid.columns)
        try w.defineDimension("nv", length: 2)
        try CaseOutputs.defineTime(w, time)
        try CaseOutputs.defineGrid(w, grid.geometry)
        for f in fields {
            try w.defineVariable(f.name, type: .float, dimensions: ["time", "y", "x"])
            try w.setAttribute("units", f.units, on: f.name)
            try w.setAttribute("long_name", f.longName, on: f.name)
            try w.setAttribute("_FillValue", [-9999], type: .float, on: f.name)
        }
        try w.setAttribute("Conventions", "CF-1.8")
        try w.setAttribute("source", "HydroGPU \(HydroGPUVersion.string)")
        try CaseOutputs.writeTime(w, time)
        try CaseOutputs.writeGrid(w, grid.geometry, rows: grid.rows, columns: grid.columns)
        writer = w
        self.url = url
        self.grid = grid
        self.steps = time.count
        self.fields = fields
    }

    /// Writes field `name`'s values `[steps][cells]` on the active cells for steps `range`.
    package func write(_ name: String, _ values: [Double], steps range: Range<Int>) throws(InputError) {
        guard values.count == range.count * grid.cellCount else {
            throw InputError(file: url.path, place: "field '\(name)', steps \(range)", message: "\(values.count) values, expected \(range.count) steps x \(grid.cellCount) cells")
        }
        let perStep = grid.rows * grid.columns
        var slab = [Double](repeating: -9999, count: range.count * perStep)
        for t in 0..<range.count {
            for (c, flat) in grid.activeCells.enumerated() {
                let v = values[t * grid.cellCount + c]
                slab[t * perStep + flat] = v.isNaN ? -9999 : v
            }
        }
        try writer.write(name, slab, start: [range.lowerBound, 0, 0], count: [range.count, grid.rows, grid.columns])
    }

    package func finish() throws(InputError) { try writer.finish() }
}
