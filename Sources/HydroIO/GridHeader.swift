import Foundation
import HydroDomain

/// An ESRI-style grid header alone (mHM's meteo `header.txt`): the geometry of a grid whose
/// values live elsewhere.
public struct GridHeader: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var geometry: GridGeometry

    public static func read(_ url: URL) throws(InputError) -> GridHeader {
        var header: [String: Double] = [:]
        for (i, line) in try TextFile.lines(url).enumerated() {
            let f = fields(line)
            if f.isEmpty { continue }
            guard f.count == 2, let v = Double(f[1]) else {
                throw InputError(file: url.path, line: i + 1, message: "expected 'key value', found '\(line)'")
            }
            header[f[0].lowercased()] = v
        }
        func value(_ key: String) throws(InputError) -> Double {
            guard let v = header[key] else { throw InputError(file: url.path, message: "header has no '\(key)'") }
            return v
        }
        guard let columns = Int(exactly: try value("ncols")), let rows = Int(exactly: try value("nrows")) else {
            throw InputError(file: url.path, message: "ncols and nrows must be whole numbers")
        }
        let size = try value("cellsize")
        guard rows > 0, columns > 0, size > 0, size.isFinite else { throw InputError(file: url.path, message: "rows, columns and cell size must be positive") }
        var x = header["xllcorner"], y = header["yllcorner"]
        if x == nil { x = try value("xllcenter") - size / 2 }
        if y == nil { y = try value("yllcenter") - size / 2 }
        return GridHeader(rows: rows, columns: columns, geometry: GridGeometry(xLowerLeft: x!, yLowerLeft: y!, cellSize: size))
    }
}
