import RealModule

/// Cell areas and D8 flow lengths: planar on projected grids, on the sphere on geographic ones.
///
/// Projected grids (metres): area = cellsize², length = cellsize or cellsize·√2 for a diagonal.
/// Geographic grids (degrees): area of the spherical cell R²·Δλ·|sin φ₂ − sin φ₁| and length
/// the great-circle (haversine) distance between the two cell centres.
public struct CellGeometry: Sendable, Equatable {
    /// Radius of the sphere for geographic grids: the authalic radius of GRS80/WGS84 by
    /// default (6,371,007.2 m, the sphere with the ellipsoid's surface area).
    public static let authalicEarthRadius = 6_371_007.2

    public var geometry: GridGeometry
    public var rows: Int
    public var geographic: Bool
    public var earthRadius: Double

    public init(geometry: GridGeometry, rows: Int, geographic: Bool, earthRadius: Double = CellGeometry.authalicEarthRadius) {
        self.geometry = geometry
        self.rows = rows
        self.geographic = geographic
        self.earthRadius = earthRadius
    }

    /// Whether a grid looks geographic: flagged so, an EPSG:4326 CRS, or a sub-unit cell size
    /// with an extent inside ±180° x ±90° (no projected grid in metres has cells under 1 m here).
    public static func looksGeographic(_ geometry: GridGeometry, rows: Int, columns: Int) -> Bool {
        if geometry.isGeographic { return true }
        if let crs = geometry.crs, crs.uppercased().contains("4326") { return true }
        let xMax = geometry.xLowerLeft + Double(columns) * geometry.cellSize
        let yMax = geometry.yLowerLeft + Double(rows) * geometry.cellSize
        return geometry.cellSize < 1 && geometry.xLowerLeft >= -180 && xMax <= 360
            && geometry.yLowerLeft >= -90 && yMax <= 90
    }

    /// Area of the cell in `row` (m²); on a projected grid every row has the same area.
    public func area(row: Int) -> Double {
        let s = geometry.cellSize
        guard geographic else { return s * s }
        let north = geometry.yLowerLeft + Double(rows - row) * s
        let south = north - s
        let radians = Double.pi / 180
        return earthRadius * earthRadius * (s * radians) * abs(Double.sin(north * radians) - Double.sin(south * radians))
    }

    /// Length (m) of the step `direction` from a cell of `row`; for an outlet, the square root
    /// of the cell's area (the cell size on a projected grid), so a pit still has a reservoir.
    public func flowLength(row: Int, direction: FlowDirection) -> Double {
        let s = geometry.cellSize
        guard let step = direction.offset else { return geographic ? area(row: row).squareRoot() : s }
        guard geographic else { return direction.isDiagonal ? s * 2.0.squareRoot() : s }
        let radians = Double.pi / 180
        let lat1 = (geometry.yLowerLeft + (Double(rows - row) - 0.5) * s) * radians
        let lat2 = lat1 - Double(step.row) * s * radians
        let dLon = Double(step.column) * s * radians
        let h = Double.sin((lat2 - lat1) / 2).squared + Double.cos(lat1) * Double.cos(lat2) * Double.sin(dLon / 2).squared
        return 2 * earthRadius * Double.asin(min(1, h.squareRoot()))
    }
}

private extension Double {
    var squared: Double { self * self }
}
