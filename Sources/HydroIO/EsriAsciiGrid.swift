import Foundation
import HydroDomain

/// Reads and writes ESRI ASCII grids (`.asc`): a header of `ncols nrows xllcorner|xllcenter
/// yllcorner|yllcenter cellsize [NODATA_value]` then `nrows` lines of `ncols` values, row 0 north.
///
/// Reading is strict, because a lenient reader silently changes a drainage network: every row
/// holds exactly `ncols` values (a row one value short or long is an error, never a shift of the
/// rest of the grid), every token is a finite number (`nan`, `abc`, `:` and `inf` are errors,
/// unless the header declares `NODATA_value nan`, when `nan` marks no data), and with
/// `integers: true` (code grids: flow directions, masks, gauge ids) every token is a whole
/// number. Errors name the file, the line, the row and the column.
///
/// The values are parsed from the file's bytes (no string per token): integers and short
/// decimals directly, anything longer by `strtod` (BENCHMARKS.md).
public enum EsriAsciiGrid {
    /// Reads `url` as numbers; cells equal to the file's NODATA value have `hasData == false`.
    /// `integers` refuses any token that is not a whole number.
    public static func read(_ url: URL, integers: Bool = false) throws(InputError) -> Raster<Double> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError(file: url.path, message: "no such file")
        }
        guard !isDirectory.boolValue else { throw InputError(file: url.path, message: "is a directory, expected an ESRI ASCII grid file") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw InputError(file: url.path, message: "cannot read file: \(error.localizedDescription)")
        }
        return try parse(data, file: url.path, integers: integers)
    }

    /// Parses the text of an ESRI ASCII grid; `file` names it in errors.
    public static func parse(_ text: String, file: String, integers: Bool = false) throws(InputError) -> Raster<Double> {
        try parse(Data(text.utf8), file: file, integers: integers)
    }

    /// Parses the bytes of an ESRI ASCII grid; `file` names it in errors.
    public static func parse(_ data: Data, file: String, integers: Bool = false) throws(InputError) -> Raster<Double> {
        // One trailing NUL so that `strtod` always stops inside the buffer.
        var bytes = [UInt8](data)
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(InputError) -> Raster<Double> in
            var parser = EsriAsciiParser(bytes: buffer, end: buffer.count - 1, file: file, integers: integers)
            return try parser.parse()
        }
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

/// The byte-level reader behind `EsriAsciiGrid.parse`: one pass over the lines, tokens parsed
/// in place.
struct EsriAsciiParser {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Index of the terminating NUL (the file's length).
    let end: Int
    let file: String
    let integers: Bool
    var position = 0
    var lineNumber = 0

    init(bytes: UnsafeBufferPointer<UInt8>, end: Int, file: String, integers: Bool) {
        self.bytes = bytes
        self.end = end
        self.file = file
        self.integers = integers
    }

    static let headerKeys: Set<String> = ["ncols", "nrows", "xllcorner", "xllcenter", "yllcorner", "yllcenter", "cellsize", "nodata_value"]

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    /// The next line as `start..<stop` (without its newline or a trailing carriage return), or nil at the end.
    mutating func nextLine() -> Range<Int>? {
        guard position < end else { return nil }
        let start = position
        var stop = start
        while stop < end, bytes[stop] != 0x0A { stop += 1 }
        position = stop < end ? stop + 1 : end
        lineNumber += 1
        return start..<stop
    }

    /// Whitespace-separated tokens of a line (header lines only: they are few).
    func tokens(_ line: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = line.lowerBound
        while i < line.upperBound {
            while i < line.upperBound, Self.isBlank(bytes[i]) { i += 1 }
            guard i < line.upperBound else { break }
            let s = i
            while i < line.upperBound, !Self.isBlank(bytes[i]) { i += 1 }
            out.append(s..<i)
        }
        return out
    }

    func text(_ r: Range<Int>) -> String {
        let shown = r.lowerBound..<min(r.upperBound, r.lowerBound + 40)
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[shown]), as: UTF8.self) + (shown.count < r.count ? "..." : "")
    }

    mutating func parse() throws(InputError) -> Raster<Double> {
        // Header lines are `key value` with a known key; the first other non-blank line starts the data.
        var header: [String: Double] = [:]
        var nodataIsNaN = false
        var firstDataLine: Range<Int>?
        while let line = nextLine() {
            let t = tokens(line)
            if t.isEmpty { continue }
            let key = text(t[0]).lowercased()
            guard Self.headerKeys.contains(key) else { firstDataLine = line; break }
            guard t.count == 2 else {
                throw InputError(file: file, line: lineNumber, message: "malformed header line '\(text(line))'; expected 'key value'")
            }
            guard header[key] == nil else { throw InputError(file: file, line: lineNumber, message: "header key '\(key)' appears twice") }
            let valueText = text(t[1])
            if key == "nodata_value", valueText.lowercased() == "nan" || valueText.lowercased() == "-nan" {
                nodataIsNaN = true
                header[key] = .nan
                continue
            }
            guard let value = Double(valueText), value.isFinite else {
                throw InputError(file: file, line: lineNumber, message: "header value '\(valueText)' of '\(key)' is not a finite number")
            }
            header[key] = value
        }
        func required(_ key: String) throws(InputError) -> Double {
            guard let v = header[key] else { throw InputError(file: file, message: "header has no '\(key)'") }
            return v
        }
        let columnValue = try required("ncols"), rowValue = try required("nrows")
        let cellSize = try required("cellsize")
        guard let columns = Int(exactly: columnValue), let rows = Int(exactly: rowValue), columns > 0, rows > 0, cellSize > 0 else {
            throw InputError(file: file, message: "header gives \(rowValue.formatted()) rows, \(columnValue.formatted()) columns, cell size \(cellSize); rows and columns must be positive whole numbers, the cell size positive")
        }
        let half = cellSize / 2
        guard let x = header["xllcorner"] ?? header["xllcenter"].map({ $0 - half }),
              let y = header["yllcorner"] ?? header["yllcenter"].map({ $0 - half }) else {
            throw InputError(file: file, message: "header needs xllcorner/xllcenter and yllcorner/yllcenter")
        }
        guard header["xllcorner"] == nil || header["xllcenter"] == nil, header["yllcorner"] == nil || header["yllcenter"] == nil else {
            throw InputError(file: file, message: "header gives both a corner and a centre for the same axis")
        }
        // Each value takes at least one byte: a header that declares more cells than the file
        // could hold is refused before anything is allocated (a fuzzed `nrows 1e12` must not trap).
        let dataBytes = end - (firstDataLine?.lowerBound ?? end)
        let (cells, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, cells <= dataBytes + 1 else {
            throw InputError(file: file, message: "header declares \(rows) rows x \(columns) columns but the file holds only \(dataBytes) bytes of values (truncated file or wrong header?)")
        }
        let nodata = header["nodata_value"]
        var values = [Double](repeating: 0, count: cells)
        var hasData = [Bool](repeating: true, count: cells)
        var row = 0
        var line = firstDataLine
        try values.withUnsafeMutableBufferPointer { (v: inout UnsafeMutableBufferPointer<Double>) throws(InputError) in
            try hasData.withUnsafeMutableBufferPointer { (h: inout UnsafeMutableBufferPointer<Bool>) throws(InputError) in
                while let current = line {
                    var i = current.lowerBound
                    let stop = current.upperBound
                    var column = 0
                    while true {
                        while i < stop, Self.isBlank(bytes[i]) { i += 1 }
                        guard i < stop else { break }
                        let s = i
                        while i < stop, !Self.isBlank(bytes[i]) { i += 1 }
                        if column == 0 {
                            guard row < rows else {
                                throw InputError(file: file, line: lineNumber, message: "more than the \(rows) data rows the header declares")
                            }
                        }
                        guard column < columns else {
                            throw InputError(file: file, line: lineNumber, row: row,
                                             message: "more than the \(columns) values per row the header declares (ncols \(columns)); a row must not run on or shift")
                        }
                        let k = row * columns + column
                        if nodataIsNaN, isNaNToken(s..<i) {
                            v[k] = .nan
                            h[k] = false
                        } else {
                            let value = try number(s..<i, row: row, column: column)
                            v[k] = value
                            if let nodata, value == nodata { h[k] = false }
                        }
                        column += 1
                    }
                    if column > 0 {
                        guard column == columns else {
                            throw InputError(file: file, line: lineNumber, row: row,
                                             message: "\(column) values, expected \(columns) (the header's ncols); a row must not be short")
                        }
                        row += 1
                    }
                    line = nextLine()
                }
            }
        }
        guard row == rows else {
            throw InputError(file: file, message: "\(row) data rows, header declares \(rows) (truncated file?)")
        }
        return Raster(rows: rows, columns: columns, geometry: GridGeometry(xLowerLeft: x, yLowerLeft: y, cellSize: cellSize), values: values, hasData: hasData)
    }

    func isNaNToken(_ r: Range<Int>) -> Bool {
        var s = r.lowerBound
        if r.count == 4, bytes[s] == UInt8(ascii: "-") || bytes[s] == UInt8(ascii: "+") { s += 1 }
        guard r.upperBound - s == 3 else { return false }
        return (bytes[s] | 0x20) == UInt8(ascii: "n") && (bytes[s + 1] | 0x20) == UInt8(ascii: "a") && (bytes[s + 2] | 0x20) == UInt8(ascii: "n")
    }

    /// The value of one token: a finite decimal number (a whole number when `integers`).
    func number(_ r: Range<Int>, row: Int, column: Int) throws(InputError) -> Double {
        // Fast path: [sign] digits [. digits] with at most 15 significant digits is exact as
        // mantissa / 10^k (both exact doubles, one correctly rounded division).
        var i = r.lowerBound
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { negative = bytes[i] == UInt8(ascii: "-"); i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, fractionDigits = 0, nonZeroFraction = false
        var sawPoint = false, sawDigit = false, simple = true
        while i < r.upperBound {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                sawDigit = true
                if digits < 18 { mantissa = mantissa * 10 + UInt64(b - 0x30) } else { simple = false }
                if mantissa > 0 || sawPoint { digits += 1 }
                if sawPoint { fractionDigits += 1; if b != 0x30 { nonZeroFraction = true } }
            } else if b == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                simple = false
                break
            }
            i += 1
        }
        if simple, sawDigit, digits <= 15, fractionDigits <= 22 {
            if integers, nonZeroFraction { throw notInteger(r, row: row, column: column) }
            var value = Double(mantissa)
            if fractionDigits > 0 { value /= Self.powersOfTen[fractionDigits] }
            return negative ? -value : value
        }
        // Anything else must be a decimal number `strtod` reads whole (exponents, long digits);
        // hex, `inf` and `nan`, which `strtod` would take too, are refused first.
        for k in r where !Self.isDecimalCharacter(bytes[k]) { throw notNumber(r, row: row, column: column) }
        let start = UnsafeMutableRawPointer(mutating: bytes.baseAddress! + r.lowerBound).assumingMemoryBound(to: CChar.self)
        var stopped: UnsafeMutablePointer<CChar>?
        let value = strtod(start, &stopped)
        guard let stopped, stopped - start == r.count, value.isFinite else { throw notNumber(r, row: row, column: column) }
        if integers, value != value.rounded() { throw notInteger(r, row: row, column: column) }
        return value
    }

    static func isDecimalCharacter(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
    }

    /// 10⁰ ... 10²², each exact in a Double (built by exact multiplications).
    static let powersOfTen: [Double] = {
        var p: [Double] = [1]
        for _ in 1...22 { p.append(p.last! * 10) }
        return p
    }()

    func notNumber(_ r: Range<Int>, row: Int, column: Int) -> InputError {
        InputError(file: file, line: lineNumber, row: row, column: column, message: "'\(text(r))' is not a finite number")
    }

    func notInteger(_ r: Range<Int>, row: Int, column: Int) -> InputError {
        InputError(file: file, line: lineNumber, row: row, column: column, message: "'\(text(r))' is not a whole number (this grid holds codes)")
    }
}
