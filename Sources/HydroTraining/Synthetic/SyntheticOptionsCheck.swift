import Foundation

/// Why synthetic catchment options were refused: which option (`rows`, `cols`, `days`,
/// `gauges`) and what it must be. The command line prefixes the option with `--`.
public struct SyntheticOptionsError: Error, CustomStringConvertible, Equatable {
    public var option: String
    public var message: String
    public var description: String { "--\(option): \(message)" }
}

extension SyntheticCatchment.Options {
    /// Bytes a catchment of these options holds at its largest: forcing (precipitation,
    /// temperature, PET), the true runoff and the per-step routing state, each Double
    /// cells x days, plus the discharge at the gauges.
    public var estimatedBytes: Double {
        let cells = Double(max(rows, 0)) * Double(max(columns, 0)), days = Double(max(self.days, 0))
        return 8 * (cells * days * 5 + Double(max(gauges, 0)) * days)
    }

    /// Checks the options before anything is built: the terrain generator needs an interior
    /// cell (3 x 3 at least), the forcing and the discharge need at least two days, and each
    /// gauge needs a cell of its own. A catchment that would not fit in half the physical
    /// memory is refused with the estimate.
    public func check(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws(SyntheticOptionsError) {
        guard rows >= 3 else { throw SyntheticOptionsError(option: "rows", message: "\(rows) rows: a synthetic catchment needs at least 3 x 3 cells") }
        guard columns >= 3 else { throw SyntheticOptionsError(option: "cols", message: "\(columns) columns: a synthetic catchment needs at least 3 x 3 cells") }
        guard days >= 2 else { throw SyntheticOptionsError(option: "days", message: "\(days) days: a synthetic catchment needs at least 2 days of forcing and discharge") }
        guard gauges >= 1 else { throw SyntheticOptionsError(option: "gauges", message: "\(gauges) gauges: at least 1 (the outlet) is needed") }
        let (cells, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, gauges <= cells else {
            throw SyntheticOptionsError(option: "gauges", message: "\(gauges) gauges on \(rows) x \(columns) cells: each gauge needs a cell of its own")
        }
        let budget = Double(physicalMemory) / 2
        guard estimatedBytes <= budget else {
            throw SyntheticOptionsError(option: "rows", message: String(format: "%d x %d cells x %d days needs about %.1f GiB, more than half the physical memory (%.1f GiB); choose a smaller grid or fewer days",
                                                                         rows, columns, days, estimatedBytes / 1_073_741_824, Double(physicalMemory) / 1_073_741_824))
        }
    }
}
