/// A gauging station: a named cell of the drainage network whose discharge is simulated
/// (and compared with observations).
public struct Gauge: Sendable, Equatable {
    public var id: String
    /// Network cell (index into per-cell arrays).
    public var cell: Int
    public var row: Int
    public var column: Int
    /// Area the station's metadata declares, km², when known.
    public var declaredAreaKm2: Double?
    /// Area the D8 network drains through the cell, km².
    public var upstreamAreaKm2: Double

    public init(id: String, cell: Int, row: Int, column: Int, declaredAreaKm2: Double? = nil, upstreamAreaKm2: Double) {
        self.id = id
        self.cell = cell
        self.row = row
        self.column = column
        self.declaredAreaKm2 = declaredAreaKm2
        self.upstreamAreaKm2 = upstreamAreaKm2
    }
}

/// The ways a gauge is placed on the network (MODEL.md 2).
public enum GaugeLocator {
    /// Gauges from a grid of ids (e.g. mHM's `idgauges.asc`): every cell with data holds the
    /// integer id of the gauge there. Gauges come back sorted by id.
    /// - Throws: `InputError` for a shape mismatch, a non-integer id, an id on two cells, or an
    ///   id on a cell outside the network (naming the file, row and column).
    public static func fromIdGrid(_ ids: Raster<Double>, network: DrainageNetwork, upstream: UpstreamArea, file: String = "gauge ids") throws(InputError) -> [Gauge] {
        guard ids.rows == network.rows, ids.columns == network.columns else {
            throw InputError(file: file, message: "gauge id grid is \(ids.rows) x \(ids.columns) cells but the flow directions are \(network.rows) x \(network.columns)")
        }
        var byId: [Int: Gauge] = [:]
        for i in 0..<ids.values.count where ids.hasData[i] {
            let v = ids.values[i], row = i / ids.columns, column = i % ids.columns
            guard v.isFinite, v == v.rounded() else {
                throw InputError(file: file, row: row, column: column, message: "gauge id \(v) is not an integer")
            }
            let id = Int(v)
            if let other = byId[id] {
                throw InputError(file: file, row: row, column: column, message: "gauge id \(id) also marks row \(other.row), column \(other.column); each gauge must mark one cell")
            }
            guard let cell = network.cell(row: row, column: column) else {
                throw InputError(file: file, row: row, column: column, message: "gauge \(id) lies on a cell outside the active network")
            }
            byId[id] = Gauge(id: String(id), cell: cell, row: row, column: column, upstreamAreaKm2: upstream.squareKilometres[cell])
        }
        return byId.keys.sorted().map { byId[$0]! }
    }

    /// The gauge at (`row`, `column`), 0-based with row 0 north.
    public static func at(id: String, row: Int, column: Int, declaredAreaKm2: Double? = nil, network: DrainageNetwork, upstream: UpstreamArea, file: String = "gauges") throws(InputError) -> Gauge {
        guard let cell = network.cell(row: row, column: column) else {
            throw InputError(file: file, row: row, column: column, place: "gauge \(id)", message: "not an active cell of the network")
        }
        return Gauge(id: id, cell: cell, row: row, column: column, declaredAreaKm2: declaredAreaKm2, upstreamAreaKm2: upstream.squareKilometres[cell])
    }

    /// The gauge given by coordinates and a declared area, snapped as SMASH does: among the
    /// active cells within `searchRadiusCells` rows and columns of the cell containing (x, y),
    /// the one whose upstream area is closest to the declared area (relative error); ties go to
    /// the first cell in row-major order.
    /// - Throws: `InputError` when no active cell lies within the radius, or the area is not positive.
    public static func snapped(id: String, x: Double, y: Double, declaredAreaKm2: Double, searchRadiusCells: Int = 1,
                               network: DrainageNetwork, upstream: UpstreamArea, file: String = "gauges") throws(InputError) -> Gauge {
        guard declaredAreaKm2 > 0, declaredAreaKm2.isFinite else {
            throw InputError(file: file, place: "gauge \(id)", message: "declared area \(declaredAreaKm2) km² must be positive to snap the gauge")
        }
        let g = network.geometry
        let yTop = g.yLowerLeft + Double(network.rows) * g.cellSize
        let row0 = Int(((yTop - y) / g.cellSize).rounded(.down))
        let col0 = Int(((x - g.xLowerLeft) / g.cellSize).rounded(.down))
        var best: (error: Double, cell: Int, row: Int, column: Int)?
        for row in (row0 - searchRadiusCells)...(row0 + searchRadiusCells) {
            for column in (col0 - searchRadiusCells)...(col0 + searchRadiusCells) {
                guard let cell = network.cell(row: row, column: column) else { continue }
                let error = abs(upstream.squareKilometres[cell] - declaredAreaKm2) / declaredAreaKm2
                if best == nil || error < best!.error { best = (error, cell, row, column) }
            }
        }
        guard let best else {
            throw InputError(file: file, row: row0, column: col0, place: "gauge \(id) at x \(x), y \(y)",
                             message: "no active cell within \(searchRadiusCells) cells of the gauge")
        }
        return Gauge(id: id, cell: best.cell, row: best.row, column: best.column, declaredAreaKm2: declaredAreaKm2, upstreamAreaKm2: upstream.squareKilometres[best.cell])
    }
}
