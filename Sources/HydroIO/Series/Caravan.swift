import Foundation
import HydroDomain

/// A basin of a Caravan dataset folder (Kratzert et al. 2023), laid out as published:
///
/// ```
/// <folder>/timeseries/csv/<source>/<basin>.csv        date + daily ERA5-Land means, streamflow (mm/d)
/// <folder>/attributes/<source>/attributes_*_<source>.csv  gauge_id, gauge_lat, gauge_lon, area (km²), ...
/// ```
///
/// where `<source>` is the basin id's prefix before its first underscore (`camels_01022500`
/// is in `camels`, `lamah_208082` in `lamah`).
public struct CaravanBasin: Sendable, Equatable {
    public var folder: URL
    public var basin: String

    public init(folder: URL, basin: String) {
        self.folder = folder
        self.basin = basin
    }

    public var source: String { String(basin.split(separator: "_", maxSplits: 1).first ?? Substring(basin)) }
    public var timeseriesFile: URL { folder.appending(path: "timeseries/csv/\(source)/\(basin).csv") }
    public var attributesFolder: URL { folder.appending(path: "attributes/\(source)") }

    /// Caravan's column names and units for the model's inputs (all daily).
    public static let precipitation = (column: "total_precipitation_sum", units: "mm/d")
    public static let temperature = (column: "temperature_2m_mean", units: "degC")
    public static let pet = (column: "potential_evaporation_sum", units: "mm/d")
    public static let streamflow = (column: "streamflow", units: "mm/d")

    /// The basins a folder holds for `source` (file names of `timeseries/csv/<source>/`), sorted.
    public static func basins(in folder: URL, source: String) throws(InputError) -> [String] {
        let dir = folder.appending(path: "timeseries/csv/\(source)")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
            throw InputError(file: dir.path, message: "no such folder (a Caravan folder holds timeseries/csv/<source>/<basin>.csv)")
        }
        return names.filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Area (km²) and gauge coordinates from the attribute tables.
    public struct Attributes: Sendable, Equatable {
        public var areaKm2: Double
        public var latitude: Double
        public var longitude: Double
        /// The attribute file that gave them, for messages.
        public var file: String
    }

    /// Every numeric attribute of this basin in its source's `attributes_*.csv` files, by
    /// column name (descriptors for regionalising lumped basins, e.g. `p_mean`, `aridity`).
    public func numericAttributes() throws(InputError) -> [(name: String, value: Double)] {
        let dir = attributesFolder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var out: [(name: String, value: Double)] = []
        for name in names.filter({ $0.hasPrefix("attributes") && $0.hasSuffix(".csv") }).sorted() {
            let lines = try TextFile.lines(dir.appending(path: name))
            guard let headerLine = lines.first else { continue }
            let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { DelimitedTable.unquote($0) }
            guard let idColumn = header.firstIndex(of: "gauge_id") else { continue }
            for line in lines.dropFirst() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                guard cells.count == header.count, DelimitedTable.unquote(cells[idColumn]) == basin else { continue }
                for (k, cell) in cells.enumerated() where k != idColumn && !out.contains(where: { $0.name == header[k] }) {
                    if let v = Double(DelimitedTable.unquote(cell)), v.isFinite { out.append((header[k], v)) }
                }
            }
        }
        return out
    }

    /// Reads `gauge_lat`, `gauge_lon` and `area` of this basin from the first
    /// `attributes_*.csv` of its source that has those columns.
    public func attributes() throws(InputError) -> Attributes {
        let dir = attributesFolder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
            throw InputError(file: dir.path, message: "no such folder (Caravan attributes live in attributes/<source>/attributes_*_<source>.csv)")
        }
        let files = names.filter { $0.hasPrefix("attributes") && $0.hasSuffix(".csv") }.sorted()
        guard !files.isEmpty else { throw InputError(file: dir.path, message: "holds no attributes_*.csv file") }
        var lookedIn: [String] = []
        for name in files {
            let url = dir.appending(path: name)
            let lines = try TextFile.lines(url)
            guard let headerLine = lines.first else { continue }
            let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { DelimitedTable.unquote($0).lowercased() }
            guard let idColumn = header.firstIndex(of: "gauge_id"), let lat = header.firstIndex(of: "gauge_lat"),
                  let lon = header.firstIndex(of: "gauge_lon"), let area = header.firstIndex(of: "area") else {
                lookedIn.append(name)
                continue
            }
            for (i, line) in lines.enumerated().dropFirst() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                guard cells.count == header.count, DelimitedTable.unquote(cells[idColumn]) == basin else { continue }
                func number(_ k: Int) throws(InputError) -> Double {
                    let text = DelimitedTable.unquote(cells[k])
                    guard let v = Double(text), v.isFinite else {
                        throw InputError(file: url.path, line: i + 1, place: "column '\(header[k])'", message: "'\(text)' is not a number")
                    }
                    return v
                }
                let a = try number(area), y = try number(lat), x = try number(lon)
                guard a > 0 else { throw InputError(file: url.path, line: i + 1, place: "column 'area'", message: "basin \(basin) has area \(a) km²; it must be positive") }
                guard (-90...90).contains(y) else { throw InputError(file: url.path, line: i + 1, place: "column 'gauge_lat'", message: "latitude \(y) outside -90...90") }
                return Attributes(areaKm2: a, latitude: y, longitude: x, file: url.path)
            }
            throw InputError(file: url.path, place: "column 'gauge_id'", message: "no row for basin '\(basin)'")
        }
        throw InputError(file: dir.path, message: "no attributes file with gauge_id, gauge_lat, gauge_lon and area (looked in \(lookedIn.joined(separator: ", ")))")
    }
}
