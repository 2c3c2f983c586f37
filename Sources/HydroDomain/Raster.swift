/// A georeferenced grid of values, row 0 = north, stored row-major.
///
/// The common currency of static inputs: flow directions, masks, DEMs, descriptors, parameter
/// maps. Readers (ESRI ASCII here; GDAL and NetCDF elsewhere) produce it; the domain consumes it.
public struct Raster<Value: Sendable & Equatable>: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    /// Georeference of the grid (lower-left corner and square cell size, in CRS units).
    public var geometry: GridGeometry
    /// `rows * columns` values, index `row * columns + column`.
    public var values: [Value]
    /// Which cells hold data (false where the file had its nodata value).
    public var hasData: [Bool]

    public init(rows: Int, columns: Int, geometry: GridGeometry, values: [Value], hasData: [Bool]? = nil) {
        precondition(values.count == rows * columns, "raster values do not match \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.geometry = geometry
        self.values = values
        self.hasData = hasData ?? [Bool](repeating: true, count: values.count)
    }

    public subscript(row: Int, column: Int) -> Value {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The same grid with each value transformed.
    public func map<T>(_ transform: (Value) throws -> T) rethrows -> Raster<T> {
        Raster<T>(rows: rows, columns: columns, geometry: geometry, values: try values.map(transform), hasData: hasData)
    }
}

/// Position and cell size of a raster (north-up, square cells).
public struct GridGeometry: Sendable, Equatable, Codable {
    /// x of the western edge (CRS units).
    public var xLowerLeft: Double
    /// y of the southern edge (CRS units).
    public var yLowerLeft: Double
    public var cellSize: Double
    /// Whether coordinates are geographic degrees (cell areas then come from the sphere).
    public var isGeographic: Bool
    /// CRS identifier when known (e.g. "EPSG:2154").
    public var crs: String?

    public init(xLowerLeft: Double, yLowerLeft: Double, cellSize: Double, isGeographic: Bool = false, crs: String? = nil) {
        self.xLowerLeft = xLowerLeft
        self.yLowerLeft = yLowerLeft
        self.cellSize = cellSize
        self.isGeographic = isGeographic
        self.crs = crs
    }

    /// Centre of the cell at (row, column), row 0 being the northernmost of `rows`.
    public func center(row: Int, column: Int, rows: Int) -> (x: Double, y: Double) {
        (xLowerLeft + (Double(column) + 0.5) * cellSize,
         yLowerLeft + (Double(rows - row) - 0.5) * cellSize)
    }
}
