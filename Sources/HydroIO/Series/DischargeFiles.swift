import Foundation
import HydroDomain

/// Readers for observed discharge, all returning m³/s with NaN where missing.
public enum DischargeFiles {
    /// Cubic feet per second to cubic metres per second (0.3048³).
    public static let cubicMetresPerCubicFoot = 0.028316846592

    /// A CAMELS USGS file: rows `<id> YYYY MM DD Q flag`, Q in ft³/s, -999 (any negative) missing.
    public static func readUSGS(_ url: URL) throws(InputError) -> TimeSeries {
        let path = url.path
        var values: [Double] = []
        var first: CivilTime?
        var expected: Int64 = 0
        var gauge = ""
        let calendar = CFCalendar.standard
        for (i, line) in try TextFile.lines(url).enumerated() {
            let f = fields(line)
            if f.isEmpty { continue }
            guard f.count >= 5, let y = Int(f[1]), let m = Int(f[2]), let d = Int(f[3]), calendar.isValid(CivilTime(y, m, d)) else {
                throw InputError(file: path, line: i + 1, message: "expected '<gauge> YYYY MM DD discharge [flag]', found '\(line)'")
            }
            guard let q = Double(f[4]), !q.isNaN else {
                throw InputError(file: path, line: i + 1, message: "discharge '\(f[4])' is not a number")
            }
            let date = CivilTime(y, m, d)
            if first == nil { first = date; expected = calendar.seconds(of: date); gauge = String(f[0]) }
            guard calendar.seconds(of: date) == expected else {
                throw InputError(file: path, line: i + 1, message: "date \(date.dateDescription) where \(calendar.time(seconds: expected).dateDescription) was expected (days must be consecutive)")
            }
            expected += 86_400
            values.append(q < 0 ? .nan : q * cubicMetresPerCubicFoot)
        }
        guard let start = first else { throw InputError(file: path, message: "no data rows") }
        return TimeSeries(name: gauge, source: path, time: TimeAxis(calendar: calendar, start: start, stepSeconds: 86_400, count: values.count), values: values)
    }

    /// An mHM gauge file: a line `id:name`, then `nodata V`, `n K measurements per day`,
    /// `start YYYY MM DD HH MM`, `end ...`, then rows `YYYY MM DD HH MM Q` (m³/s). Rows are
    /// labelled by the start of their step.
    public static func readMHM(_ url: URL) throws(InputError) -> TimeSeries {
        let path = url.path
        let lines = try TextFile.lines(url)
        var nodata = -9999.0, perDay = 1
        var gauge = url.deletingPathExtension().lastPathComponent
        var dataStart = 0
        for (i, line) in lines.enumerated() {
            let f = fields(line)
            if f.isEmpty { continue }
            if Int(f[0]) != nil && f.count >= 6 { dataStart = i; break }
            switch f[0].lowercased() {
            case "nodata":
                guard f.count >= 2, let v = Double(f[1]) else { throw InputError(file: path, line: i + 1, message: "malformed 'nodata' line") }
                nodata = v
            case "n":
                guard f.count >= 2, let v = Int(f[1]), v > 0, 86_400 % v == 0 else { throw InputError(file: path, line: i + 1, message: "malformed 'n' (measurements per day) line") }
                perDay = v
            case "start", "end": break
            default:
                if i == 0, let id = line.split(separator: ":").first { gauge = String(id).trimmingCharacters(in: .whitespaces) } else {
                    throw InputError(file: path, line: i + 1, message: "unexpected header line '\(line)'")
                }
            }
            dataStart = i + 1
        }
        let step = Int64(86_400 / perDay)
        let calendar = CFCalendar.standard
        var values: [Double] = []
        var first: CivilTime?
        var expected: Int64 = 0
        for (i, line) in lines.enumerated().dropFirst(dataStart) {
            let f = fields(line)
            if f.isEmpty { continue }
            guard f.count == 6, let y = Int(f[0]), let m = Int(f[1]), let d = Int(f[2]), let h = Int(f[3]), let mi = Int(f[4]),
                  calendar.isValid(CivilTime(y, m, d, h, mi)) else {
                throw InputError(file: path, line: i + 1, message: "expected 'YYYY MM DD HH MM discharge', found '\(line)'")
            }
            guard let q = Double(f[5]) else { throw InputError(file: path, line: i + 1, message: "discharge '\(f[5])' is not a number") }
            let time = CivilTime(y, m, d, h, mi)
            if first == nil { first = time; expected = calendar.seconds(of: time) }
            guard calendar.seconds(of: time) == expected else {
                throw InputError(file: path, line: i + 1, message: "time \(time) where \(calendar.time(seconds: expected)) was expected (steps must be consecutive)")
            }
            expected += step
            guard q == nodata || q >= 0 else {
                throw InputError(file: path, line: i + 1, message: "negative discharge \(q) (nodata is \(nodata))")
            }
            values.append(q == nodata ? .nan : q)
        }
        guard let start = first else { throw InputError(file: path, message: "no data rows") }
        return TimeSeries(name: gauge, source: path, time: TimeAxis(calendar: calendar, start: start, stepSeconds: step, count: values.count), values: values)
    }

    /// A CSV with a header `date,<gauge>,<gauge>...` and rows `YYYY-MM-DD[ HH:MM],v,v,...`;
    /// empty cells (and `nodata` when given) are missing. `label` says whether a row's time is
    /// the start or the end of its step. Negative values are errors naming line and gauge.
    public static func readCSV(_ url: URL, label: TimeLabel, nodata: Double? = nil) throws(InputError) -> [TimeSeries] {
        let path = url.path
        let lines = try TextFile.lines(url)
        guard let headerLine = lines.first, !headerLine.isEmpty else { throw InputError(file: path, line: 1, message: "no header line") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard header.count >= 2 else { throw InputError(file: path, line: 1, message: "header '\(headerLine)' has no gauge columns") }
        let gauges = Array(header.dropFirst())
        var times: [Int64] = []
        var columns = [[Double]](repeating: [], count: gauges.count)
        let calendar = CFCalendar.standard
        for (i, line) in lines.enumerated().dropFirst() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == header.count else {
                throw InputError(file: path, line: i + 1, message: "\(cells.count) fields, the header has \(header.count)")
            }
            guard let parsed = CivilTime.parse(String(cells[0])), calendar.isValid(parsed.time) else {
                throw InputError(file: path, line: i + 1, message: "'\(cells[0])' is not a date")
            }
            times.append(calendar.seconds(of: parsed.time))
            for (k, cell) in cells.dropFirst().enumerated() {
                let text = cell.trimmingCharacters(in: .whitespaces)
                if text.isEmpty || text.lowercased() == "nan" || text.uppercased() == "NA" { columns[k].append(.nan); continue }
                guard let v = Double(text) else {
                    throw InputError(file: path, line: i + 1, place: "gauge \(gauges[k])", message: "'\(text)' is not a number")
                }
                if let nodata, v == nodata { columns[k].append(.nan); continue }
                guard v >= 0 else { throw InputError(file: path, line: i + 1, place: "gauge \(gauges[k])", message: "negative discharge \(v)") }
                columns[k].append(v)
            }
        }
        guard times.count >= 2 else { throw InputError(file: path, message: "fewer than two data rows: the step cannot be known") }
        let step = times[1] - times[0]
        guard step > 0 else { throw InputError(file: path, line: 3, message: "time does not increase") }
        for i in 1..<times.count where times[i] - times[i - 1] != step {
            throw InputError(file: path, line: i + 2, message: "irregular time step at \(calendar.time(seconds: times[i])) (expected \(step) s after \(calendar.time(seconds: times[i - 1])))")
        }
        let start = label == .start ? times[0] : times[0] - step
        let axis = TimeAxis(calendar: calendar, startSeconds: start, stepSeconds: step, count: times.count)
        return gauges.enumerated().map { k, g in TimeSeries(name: g, source: path, time: axis, values: columns[k]) }
    }
}
