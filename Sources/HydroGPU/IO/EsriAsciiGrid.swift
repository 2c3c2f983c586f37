import Foundation

/// Reads and writes ESRI ASCII grids (`.asc`): a header of `ncols nrows xllcorner|xllcenter
/// yllcorner|yllcenter cellsize [NODATA_value]` then `nrows` lines of `ncols` values, row 0 north.
public enum EsriAsciiGrid {
    /// Reads `url` as numbers; cells equal to the file's NODATA value have `hasData == false`.
    public static func read(_ url: URL) throws(InputError) -> Raster<Double> {
        let text = try InputFile.readText(url)
        return try parse(text, file: url.path)
    }

    /// Parses the text of an ESRI ASCII grid; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(InputError) -> Raster<Double> {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)[...]
        var header: [String: Double] = [:]
        var lineNumber = 0
        // Header lines are `key value`; the first line whose first token is a number starts the data.
        while let line = lines.first {
            let tokens = line.split(whereSeparator: \.isWhitespace)
            if tokens.isEmpty { lines.removeFirst(); lineNumber += 1; continue }
            if Double(tokens[0]) != nil { break }
            guard tokens.count == 2, let value = Double(tokens[1]) else {
                throw InputError(file: file, line: lineNumber + 1, message: "malformed header line '\(line)'; expected 'key value'")
            }
            header[tokens[0].lowercased()] = value
            lines.removeFirst()
            lineNumber += 1
        }
        func required(_ key: String) throws(InputError) -> Double {
            guard let v = header[key] else { throw InputError(file: file, message: "header has no '\(key)'") }
            return v
        }
        let columns = Int(try required("ncols")), rows = Int(try required("nrows"))
        let cellSize = try required("cellsize")
        guard columns > 0, rows > 0, cellSize > 0 else {
            throw InputError(file: file, message: "header gives \(rows) rows, \(columns) columns, cell size \(cellSize); all must be positive")
        }
        let half = cellSize / 2
        guard let x = header["xllcorner"] ?? header["xllcenter"].map({ $0 - half }),
              let y = header["yllcorner"] ?? header["yllcenter"].map({ $0 - half }) else {
            throw InputError(file: file, message: "header needs xllcorner/xllcenter and yllcorner/yllcenter")
        }
        let nodata = header["nodata_value"]
        var values = [Double](repeating: 0, count: rows * columns)
        var hasData = [Bool](repeating: true, count: rows * columns)
        var row = 0
        for line in lines {
            lineNumber += 1
            let tokens = line.split(whereSeparator: \.isWhitespace)
            if tokens.isEmpty { continue }
            guard row < rows else {
                throw InputError(file: file, line: lineNumber, message: "more than the \(rows) data rows the header declares")
            }
            guard tokens.count == columns else {
                throw InputError(file: file, line: lineNumber, row: row, message: "\(tokens.count) values, expected \(columns)")
            }
            for (column, token) in tokens.enumerated() {
                guard let v = Double(token), !v.isNaN else {
                    throw InputError(file: file, line: lineNumber, row: row, column: column, message: "'\(token)' is not a number")
                }
                values[row * columns + column] = v
                if let nodata, v == nodata { hasData[row * columns + column] = false }
            }
            row += 1
        }
        guard row == rows else {
            throw InputError(file: file, message: "\(row) data rows, header declares \(rows) (truncated file?)")
        }
        return Raster(rows: rows, columns: columns, geometry: GridGeometry(xLowerLeft: x, yLowerLeft: y, cellSize: cellSize), values: values, hasData: hasData)
    }

    /// Writes `raster` atomically (temporary file, then rename). Cells without data get `nodata`.
    public static func write(_ raster: Raster<Double>, to url: URL, nodata: Double = -9999) throws(InputError) {
        var text = "ncols \(raster.columns)\nnrows \(raster.rows)\nxllcorner \(raster.geometry.xLowerLeft)\nyllcorner \(raster.geometry.yLowerLeft)\ncellsize \(raster.geometry.cellSize)\nNODATA_value \(nodata)\n"
        for r in 0..<raster.rows {
            let row = (0..<raster.columns).map { c -> String in
                let i = r * raster.columns + c
                return raster.hasData[i] ? "\(raster.values[i])" : "\(nodata)"
            }
            text += row.joined(separator: " ") + "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: url)
    }
}
