import Foundation
import HydroDomain

/// Basin-mean forcing from a dated CSV: one column per variable (`date,prcp,tmean,pet`), as
/// CAMELS-CH, Caravan, airGR and spreadsheet exports hold it. Units come from the config
/// (`units:`) or from the column header (`prcp(mm/day)`, `P [mm/d]`).
public struct CSVForcingColumn: Sendable {
    public var series: TimeSeries
    /// The units the config or the header states; nil when neither does.
    public var units: String?

    public static func read(_ url: URL, column: String, units: String?, dateColumn: String?, dateFormat: DateFormat?,
                            label: TimeLabel?) throws(InputError) -> CSVForcingColumn {
        let table = try DelimitedTable.read(url, .init(columns: [column], dateColumn: dateColumn, dateFormat: dateFormat, label: label, nodata: nil))
        var series = TimeSeries(name: column, source: url.path, time: table.axis, values: table.columns[0])
        series.labelling = table.labelling
        return CSVForcingColumn(series: series, units: units ?? DelimitedTable.unitsInHeader(table.headerNames[0]))
    }
}
