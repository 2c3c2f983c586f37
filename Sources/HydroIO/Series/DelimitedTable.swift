import Foundation
import HydroDomain

/// A dated table in a delimited text file (CSV with `,`, `;` or tabs), as hydrologists export
/// them: optional `#` comment lines, a header line naming the columns, then one row per time.
///
/// Only the date column and the columns asked for are parsed: the others may hold anything
/// (station names, flags, negative radiation). Errors name the file, the line and the column.
struct DelimitedTable {
    /// What to read from a file.
    struct Request {
        var columns: [String]
        /// The date column's name; nil: `date`, `time`, `datetime`, ... or else the first column.
        var dateColumn: String?
        var dateFormat: DateFormat?
        /// The label the config states (nil: decided by the file or refused, `RecordRows.axis`).
        var label: TimeLabel?
        /// A number meaning missing (besides empty cells, NaN and NA).
        var nodata: Double?
    }

    /// The requested columns on the record's regular steps (NaN where missing or skipped).
    var axis: TimeAxis
    var columns: [[Double]]
    var labelling: RecordLabelling
    /// Line of each step's row (0 where the file skips the step), for messages about values.
    var lineOfStep: [Int]
    /// The header names of the requested columns, as the file writes them.
    var headerNames: [String]

    static let dateNames = ["date", "dates", "datetime", "date_time", "time", "timestamp", "datesr", "day"]
    static let startNames = ["start", "date_start", "time_start", "start_time", "start_date", "begin", "step_start"]
    static let endNames = ["end", "date_end", "time_end", "end_time", "end_date", "step_end"]

    static func read(_ url: URL, _ request: Request) throws(InputError) -> DelimitedTable {
        let path = url.path
        let lines = try TextFile.lines(url)
        guard let headerIndex = lines.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }) else {
            throw InputError(file: path, line: 1, message: "no header line (expected e.g. 'date,<column>,...')")
        }
        let headerLine = lines[headerIndex]
        let separator = Self.separator(of: headerLine)
        let header = split(headerLine, separator).map(unquote)
        let lowered = header.map { $0.lowercased() }

        // The date column and what its name says about labels.
        var dateIndex: Int
        var fileLabel: TimeLabel?
        if let name = request.dateColumn {
            guard let i = header.firstIndex(of: name) ?? lowered.firstIndex(of: name.lowercased()) else {
                throw InputError(file: path, line: headerIndex + 1, message: "no date column '\(name)' (columns: \(header.joined(separator: ", ")))")
            }
            dateIndex = i
        } else if let i = lowered.firstIndex(where: { Self.startNames.contains($0) }) {
            dateIndex = i
            fileLabel = .start
        } else if let i = lowered.firstIndex(where: { Self.dateNames.contains($0) }) {
            dateIndex = i
        } else if let i = lowered.firstIndex(where: { Self.endNames.contains($0) }) {
            dateIndex = i
            fileLabel = .end
        } else {
            dateIndex = 0
        }
        if request.dateColumn != nil {
            fileLabel = Self.startNames.contains(lowered[dateIndex]) ? .start : Self.endNames.contains(lowered[dateIndex]) ? .end : nil
        }

        var wanted: [Int] = []
        let bare = lowered.map(Self.withoutUnits)
        for name in request.columns {
            guard let i = header.firstIndex(of: name) ?? lowered.firstIndex(of: name.lowercased()) ?? bare.firstIndex(of: Self.withoutUnits(name.lowercased())) else {
                throw InputError(file: path, line: headerIndex + 1, place: "column '\(name)'",
                                 message: "no such column (columns: \(header.joined(separator: ", ")))")
            }
            wanted.append(i)
        }

        var rows = RecordRows(file: path)
        var format = request.dateFormat
        var texts: [[Substring]] = wanted.map { _ in [] }
        for (n, line) in lines.enumerated().dropFirst(headerIndex + 1) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let cells = split(line, separator)
            guard cells.count == header.count else {
                throw InputError(file: path, line: n + 1, message: "\(cells.count) fields, the header has \(header.count)")
            }
            let dateField = Substring(unquote(cells[dateIndex]))
            if format == nil {
                guard let detected = DateFormat.detect(dateField) else {
                    throw InputError(file: path, line: n + 1, place: "column '\(header[dateIndex])'",
                                     message: "'\(dateField)' is not a date HydroGPU recognises (yyyy-mm-dd [HH:MM], dd/mm/yyyy, dd.mm.yyyy, yyyymmdd, yyyymmddHHMM); give date_format: in the config")
                }
                format = detected
            }
            try rows.append(dateField, format: format!, line: n + 1)
            for (k, i) in wanted.enumerated() { texts[k].append(cells[i]) }
        }
        let statedBy = request.label != nil ? "label: \(request.label!.rawValue) in the config" : "the date column is named '\(header[dateIndex])'"
        let (axis, index, labelling) = try rows.axis(label: request.label ?? fileLabel, statedBy: statedBy)

        var lineOfStep = [Int](repeating: 0, count: axis.count)
        for (r, step) in index.enumerated() { lineOfStep[step] = rows.lines[r] }
        var columns: [[Double]] = []
        for (k, i) in wanted.enumerated() {
            var values = [Double](repeating: .nan, count: axis.count)
            for (r, raw) in texts[k].enumerated() {
                let text = unquote(raw)
                if text.isEmpty || ["nan", "na", "n/a", "-", "null", "none"].contains(text.lowercased()) { continue }
                // Infinite values are kept for the plausibility checks, which name them as such.
                guard let v = Double(text) else {
                    throw InputError(file: path, line: rows.lines[r], place: "column '\(header[i])'", message: "'\(text)' is not a number")
                }
                if let nodata = request.nodata, v == nodata { continue }
                values[index[r]] = v
            }
            columns.append(values)
        }
        return DelimitedTable(axis: axis, columns: columns, labelling: labelling, lineOfStep: lineOfStep, headerNames: wanted.map { header[$0] })
    }

    /// `prcp(mm/day)` or `prcp [mm/d]` without its units: `prcp`.
    static func withoutUnits(_ name: String) -> String {
        String(name.prefix { $0 != "(" && $0 != "[" }).trimmingCharacters(in: .whitespaces)
    }

    /// The units a column header carries in brackets (`prcp(mm/day)`, `Q [m3/s]`), or nil.
    static func unitsInHeader(_ name: String) -> String? {
        guard let open = name.firstIndex(where: { $0 == "(" || $0 == "[" }),
              let close = name.lastIndex(where: { $0 == ")" || $0 == "]" }), open < close else { return nil }
        let text = name[name.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    /// The separator a header line uses: the most frequent of `,`, `;` and tab.
    static func separator(of header: Substring) -> Character {
        let counts: [(Character, Int)] = [(",", 0), (";", 0), ("\t", 0)].map { c, _ in (c, header.filter { $0 == c }.count) }
        return counts.max { $0.1 < $1.1 }.map { $0.1 > 0 ? $0.0 : "," } ?? ","
    }

    static func split(_ line: Substring, _ separator: Character) -> [Substring] {
        line.split(separator: separator, omittingEmptySubsequences: false)
    }

    static func unquote(_ field: Substring) -> String {
        var t = field.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
        return t
    }
}
