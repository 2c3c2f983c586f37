import Foundation
import HydroDomain

/// A CAMELS basin-mean forcing file (`<id>_lump_<source>_forcing_leap.txt`): three header
/// lines (latitude, elevation m, area m²), a column header, then daily rows
/// `Year Mnth Day Hr dayl(s) prcp(mm/day) srad(W/m2) swe(mm) tmax(C) tmin(C) vp(Pa)`.
public struct CamelsForcingFile: Sendable {
    public var latitude: Double
    public var elevation: Double
    public var areaSquareMetres: Double
    /// Daily steps; each row (a date) is the step starting at that date's 00:00.
    public var time: TimeAxis
    /// Columns by lower-case name without units: prcp, tmax, tmin, dayl, srad, swe, vp.
    public var columns: [String: [Double]]
    /// Units as the header gives them, by the same names.
    public var units: [String: String]

    public static func read(_ url: URL) throws(InputError) -> CamelsForcingFile {
        let path = url.path
        let lines = try TextFile.lines(url)
        guard lines.count >= 5 else { throw InputError(file: path, message: "\(lines.count) lines; a CAMELS forcing file has 4 header lines and daily rows") }
        func number(_ i: Int, _ what: String) throws(InputError) -> Double {
            guard let v = Double(lines[i].trimmingCharacters(in: .whitespaces)) else {
                throw InputError(file: path, line: i + 1, message: "'\(lines[i])' is not the \(what) (a CAMELS forcing file starts with latitude, elevation and area lines; for a CSV give format: csv)")
            }
            return v
        }
        let latitude = try number(0, "latitude")
        let elevation = try number(1, "elevation")
        let area = try number(2, "area (m²)")
        guard (-90...90).contains(latitude) else { throw InputError(file: path, line: 1, message: "latitude \(latitude) outside -90...90") }
        let header = fields(lines[3]).map(String.init)
        guard header.count >= 4, header[0].lowercased() == "year" else {
            throw InputError(file: path, line: 4, message: "column header should start 'Year Mnth Day Hr', found '\(lines[3])'")
        }
        var names: [String] = [], units: [String: String] = [:]
        for h in header.dropFirst(4) {
            let lower = h.lowercased()
            let name = lower.split(separator: "(").first.map(String.init) ?? lower
            names.append(name)
            if let open = lower.firstIndex(of: "("), let close = lower.lastIndex(of: ")") {
                units[name] = String(lower[lower.index(after: open)..<close])
            }
        }
        guard !names.isEmpty else { throw InputError(file: path, line: 4, message: "no data columns after 'Year Mnth Day Hr'") }
        var columns = [[Double]](repeating: [], count: names.count)
        var first: CivilTime?
        let calendar = CFCalendar.standard
        var expected: Int64 = 0
        for (i, line) in lines.enumerated().dropFirst(4) {
            let f = fields(line)
            if f.isEmpty { continue }
            guard f.count == 4 + names.count else {
                throw InputError(file: path, line: i + 1, message: "\(f.count) fields, expected \(4 + names.count)")
            }
            guard let y = Int(f[0]), let m = Int(f[1]), let d = Int(f[2]), calendar.isValid(CivilTime(y, m, d)) else {
                throw InputError(file: path, line: i + 1, message: "'\(f[0]) \(f[1]) \(f[2])' is not a date")
            }
            let date = CivilTime(y, m, d)
            if first == nil { first = date; expected = calendar.seconds(of: date) }
            guard calendar.seconds(of: date) == expected else {
                throw InputError(file: path, line: i + 1, message: "date \(date.dateDescription) where \(calendar.time(seconds: expected).dateDescription) was expected (days must be consecutive)")
            }
            expected += 86_400
            for (k, token) in f.dropFirst(4).enumerated() {
                guard let v = Double(token), v.isFinite else {
                    throw InputError(file: path, line: i + 1, place: "column '\(names[k])'", message: "'\(token)' is not a finite number (CAMELS forcing has no missing-value marker)")
                }
                columns[k].append(v)
            }
        }
        guard let start = first else { throw InputError(file: path, message: "no data rows") }
        let axis = TimeAxis(calendar: calendar, start: start, stepSeconds: 86_400, count: columns[0].count)
        return CamelsForcingFile(latitude: latitude, elevation: elevation, areaSquareMetres: area, time: axis,
                                 columns: Dictionary(uniqueKeysWithValues: zip(names, columns)), units: units)
    }

    /// One column as a series, e.g. "prcp".
    public func series(_ column: String, file: String) throws(InputError) -> TimeSeries {
        guard let values = columns[column.lowercased()] else {
            throw InputError(file: file, place: "column '\(column)'", message: "no such column (the file has \(columns.keys.sorted().joined(separator: ", ")))")
        }
        return TimeSeries(name: column, source: file, time: time, values: values)
    }
}
