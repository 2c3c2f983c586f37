import Foundation
import HydroDomain

/// Observed discharge in the forms hydrologists hold it, read in the record's own units
/// (the case converts them with `DischargeUnits` once the gauge's area is known).
extension DischargeFiles {
    /// One column of a dated CSV (any separator, any of `DateFormat`'s date forms). Only the
    /// date and that column are parsed. Negative values are errors naming the line, unless
    /// they equal `nodata`.
    public static func readCSVColumn(_ url: URL, column: String, dateColumn: String? = nil, dateFormat: DateFormat? = nil,
                                     label: TimeLabel?, nodata: Double? = nil) throws(InputError) -> TimeSeries {
        let table = try DelimitedTable.read(url, .init(columns: [column], dateColumn: dateColumn, dateFormat: dateFormat, label: label, nodata: nodata))
        let values = table.columns[0]
        if let i = values.firstIndex(where: { $0 < 0 }) {
            throw InputError(file: url.path, line: table.lineOfStep[i], place: "column '\(column)'",
                             message: "negative discharge \(values[i])\(nodata == nil && values[i].isFinite ? " (if it marks missing values, give nodata: \(values[i].formatted()))" : "")")
        }
        // Named as the header writes it, so units in brackets (`Q(m3/s)`) can be read from it.
        var series = TimeSeries(name: table.headerNames[0], source: url.path, time: table.axis, values: values)
        series.labelling = table.labelling
        return series
    }

    /// A CAMELS benchmark model output file (`<id>_<seed>_model_output.txt`, Newman et al.
    /// 2015): a header `YR MNTH DY HR SWE PRCP RAIM TAIR PET ET MOD_RUN OBS_RUN` (whitespace
    /// separated) and one row per day, runoff columns in mm/day, negative values missing.
    /// `column` picks the series (OBS_RUN by default, or QOBS where a file names it so).
    public static func readCamelsModelOutput(_ url: URL, column: String?) throws(InputError) -> TimeSeries {
        let path = url.path
        let lines = try TextFile.lines(url)
        guard let h = lines.firstIndex(where: { fields($0).first?.uppercased() == "YR" }) else {
            throw InputError(file: path, line: 1, message: "no header line starting 'YR MNTH DY HR' (a CAMELS model output file)")
        }
        let header = fields(lines[h]).map { $0.uppercased() }
        guard header.count >= 5, Array(header.prefix(3)) == ["YR", "MNTH", "DY"] else {
            throw InputError(file: path, line: h + 1, message: "header should start 'YR MNTH DY HR', found '\(lines[h])'")
        }
        let wanted: String
        if let column { wanted = column.uppercased() } else { wanted = header.contains("OBS_RUN") ? "OBS_RUN" : "QOBS" }
        guard let k = header.firstIndex(of: wanted) else {
            throw InputError(file: path, line: h + 1, place: "column '\(column ?? wanted)'", message: "no such column (columns: \(header.joined(separator: " ")))")
        }
        var rows = RecordRows(file: path)
        var raw: [Double] = []
        for (i, line) in lines.enumerated().dropFirst(h + 1) {
            let f = fields(line)
            if f.isEmpty { continue }
            guard f.count == header.count else { throw InputError(file: path, line: i + 1, message: "\(f.count) fields, the header has \(header.count)") }
            // Every row carries HR 12 (mid-day): a row is its day.
            try rows.append(Substring("\(f[0])-\(f[1])-\(f[2])"), format: .isoDate, line: i + 1)
            guard let v = Double(f[k]), v.isFinite else {
                throw InputError(file: path, line: i + 1, place: "column '\(header[k])'", message: "'\(f[k])' is not a number")
            }
            raw.append(v < 0 ? .nan : v)
        }
        let (axis, index, labelling) = try rows.axis(label: .start, statedBy: "CAMELS rows are days", stepSeconds: 86_400)
        var values = [Double](repeating: .nan, count: axis.count)
        for (r, i) in index.enumerated() { values[i] = raw[r] }
        var series = TimeSeries(name: header[k], source: path, time: axis, values: values)
        series.labelling = labelling
        return series
    }
}
