import Foundation
import CNetCDF
import HydroDomain
import HydroModel

/// One gridded NetCDF forcing variable read a window of steps at a time, and only over the
/// part of its grid that the model's cells lie in (`nc_get_vara` hyperslabs): a national
/// forcing file serves a small domain without being read whole, and a long record is never
/// resident. Each model cell takes the forcing cell holding its centre (`GridMapping`), as
/// the whole-record reader does, so both give the same values.
public struct NetCDFForcingWindow: Sendable {
    public var name: String
    /// "forcing.nc, variable 'prcp'", for messages.
    public var source: String
    let url: URL
    let variable: String
    let header: NetCDFForcingHeader
    /// File time index of the case's step 0.
    let firstFileStep: Int
    /// Case steps.
    public let steps: Int
    /// The hyperslab in file order: first row, rows, first column, columns.
    let fileRows: Range<Int>
    let columns: Range<Int>
    /// Index of each model cell's value inside one step of the hyperslab.
    let slabIndex: [Int32]

    public var cells: Int { slabIndex.count }
    /// Forcing-grid cells read per step (the domain's bounding box on the forcing grid).
    public var slabCells: Int { fileRows.count * columns.count }

    /// Prepares reading `variable` of `url` on `cells` (flat indices of `grid`) for the case
    /// steps `caseTime`; errors as `NetCDFForcingReader.read` and `GriddedForcing.onCells`.
    init(url: URL, variable: String, name: String, header: NetCDFForcingHeader, caseTime: TimeAxis, cells: [Int],
         grid: Raster<Bool>, gridFile: String, window: (TimeAxis, TimeAxis, String) throws(InputError) -> Range<Int>) throws(InputError) {
        let source = "\(url.lastPathComponent), \(header.place)"
        let range = try window(header.time, caseTime, "\(url.path), variable '\(variable)'")
        let index = try GridMapping.sourceCells(for: cells, modelRows: grid.rows, modelColumns: grid.columns, model: grid.geometry, modelFile: gridFile,
                                                sourceRows: header.rows, sourceColumns: header.columns, source: header.geometry, sourceName: source)
        // Bounding box in file rows (flipped when the file is south first) and columns.
        var rLow = Int.max, rHigh = Int.min, cLow = Int.max, cHigh = Int.min
        for s in index {
            let r = header.northFirst ? s / header.columns : header.rows - 1 - s / header.columns, c = s % header.columns
            rLow = min(rLow, r); rHigh = max(rHigh, r); cLow = min(cLow, c); cHigh = max(cHigh, c)
        }
        if index.isEmpty { (rLow, rHigh, cLow, cHigh) = (0, 0, 0, 0) }
        let width = cHigh - cLow + 1
        self.name = name
        self.source = source
        self.url = url
        self.variable = variable
        self.header = header
        self.firstFileStep = range.lowerBound
        self.steps = range.count
        self.fileRows = rLow..<(rHigh + 1)
        self.columns = cLow..<(cHigh + 1)
        self.slabIndex = index.map { s in
            let r = header.northFirst ? s / header.columns : header.rows - 1 - s / header.columns
            return Int32((r - rLow) * width + s % header.columns - cLow)
        }
    }

    /// Values `[steps][cells]` of case steps `range`, converted to model units, NaN where missing.
    public func read(_ range: Range<Int>) throws(InputError) -> [Double] {
        precondition(range.lowerBound >= 0 && range.upperBound <= steps, "window \(range) outside the case's 0..<\(steps) steps")
        let file = try NetCDFFile(url)
        let v = try file.variable(variable)
        let slab = try file.readValues(v, start: [firstFileStep + range.lowerBound, fileRows.lowerBound, columns.lowerBound],
                                       count: [range.count, fileRows.count, columns.count], refuseUndeclaredNaN: true)
        let n = slabIndex.count, perStep = slabCells, conversion = header.conversion
        return [Double](unsafeUninitializedCapacity: range.count * n) { out, initialised in
            slab.withUnsafeBufferPointer { s in
                slabIndex.withUnsafeBufferPointer { index in
                    for k in 0..<range.count {
                        let base = k * perStep
                        for c in 0..<n {
                            let x = s[base + Int(index[c])]
                            out[k * n + c] = x.isNaN ? x : conversion.apply(x)
                        }
                    }
                }
            }
            initialised = range.count * n
        }
    }
}
