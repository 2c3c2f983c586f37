/// The routing domain: active cells of a raster, where each drains (D8), who drains into each
/// (donors, in CSR form so routing pulls from donors without atomics), cell areas and flow
/// lengths, and the topological levels (MODEL.md 2).
///
/// Cells are numbered in row-major order of the active raster cells; time-major arrays
/// `[time][cell]` everywhere else (runoff, discharge) use this numbering.
public struct DrainageNetwork: Sendable {
    public let rows: Int
    public let columns: Int
    public let geometry: GridGeometry
    /// Whether areas and lengths were computed on the sphere.
    public let cellGeometry: CellGeometry
    /// Raster index (`row * columns + column`) of each cell.
    public let rasterIndex: [Int32]
    /// Cell at each raster index, -1 where inactive.
    public let cellAtRasterIndex: [Int32]
    /// The decoded direction of each cell (as given; one that leaves the grid or mask still
    /// reads as that direction, while `downstream` says -1).
    public let direction: [FlowDirection]
    /// Downstream cell of each cell, -1 for an outlet (code 0, or a step off the grid or mask).
    public let downstream: [Int32]
    /// Donors of cell `c`: `donors[donorOffsets[c] ..< donorOffsets[c + 1]]` (ascending).
    public let donorOffsets: [Int32]
    public let donors: [Int32]
    /// Area of each cell, m².
    public let cellArea: [Double]
    /// D8 flow length of each cell to its downstream neighbour, m (see `CellGeometry`).
    public let flowLength: [Double]
    /// Topological levels; their existence proves the network has no cycle.
    public let levels: TopologicalLevels

    /// Number of active cells.
    public var cellCount: Int { downstream.count }

    /// Builds the network from a flow-direction raster.
    ///
    /// - Parameters:
    ///   - flowDirections: D8 codes in `encoding`; cells without data are inactive.
    ///   - mask: optional active-cell raster (non-zero with data = active), same shape; every
    ///     active cell must then have a flow direction.
    ///   - directionFile, maskFile: names used in error messages.
    ///   - geographic: whether the grid is in degrees; `nil` decides by `CellGeometry.looksGeographic`.
    /// - Throws: `InputError` naming the file, row and column of an unknown code, a NaN, an
    ///   active cell without direction, a shape mismatch (no row), or a cycle (a cell on it,
    ///   and the cycle in the message).
    public init(flowDirections: Raster<Double>, encoding: FlowDirectionEncoding = .esri,
                mask: Raster<Double>? = nil, directionFile: String = "flow directions", maskFile: String = "mask",
                geographic: Bool? = nil, earthRadius: Double = CellGeometry.authalicEarthRadius) throws(InputError) {
        let rows = flowDirections.rows, columns = flowDirections.columns
        if let mask, mask.rows != rows || mask.columns != columns {
            throw InputError(file: maskFile, message: "mask is \(mask.rows) x \(mask.columns) cells but \(directionFile) is \(rows) x \(columns)")
        }
        let total = rows * columns
        var cellAt = [Int32](repeating: -1, count: total)
        var rasterIndex: [Int32] = []
        var direction: [FlowDirection] = []
        rasterIndex.reserveCapacity(total)
        direction.reserveCapacity(total)
        // Decoding through a 256-entry table keeps the per-cell work to a lookup.
        var table = [FlowDirection?](repeating: nil, count: 256)
        for code in 0..<256 { table[code] = encoding.direction(ofCode: Double(code)) }
        var firstProblem: Int?
        flowDirections.values.withUnsafeBufferPointer { codes in
        flowDirections.hasData.withUnsafeBufferPointer { hasCode in
        cellAt.withUnsafeMutableBufferPointer { cellAt in
            for i in 0..<total {
                if let mask {
                    let m = mask.values[i]
                    guard mask.hasData[i], m != 0 else { continue }
                    if m.isNaN || !hasCode[i] { firstProblem = i; return }
                } else if !hasCode[i] {
                    continue
                }
                let code = codes[i]
                guard code >= 0, code < 256, code == code.rounded(.down), let d = table[Int(code)] else { firstProblem = i; return }
                cellAt[i] = Int32(rasterIndex.count)
                rasterIndex.append(Int32(i))
                direction.append(d)
            }
        }}}
        if let i = firstProblem {
            let row = i / columns, column = i % columns
            if let mask, mask.values[i].isNaN {
                throw InputError(file: maskFile, row: row, column: column, message: "NaN in the active-cell mask")
            }
            if mask != nil, !flowDirections.hasData[i] {
                throw InputError(file: directionFile, row: row, column: column, message: "cell is active in \(maskFile) but has no flow direction")
            }
            let code = flowDirections.values[i]
            let what = code.isNaN ? "NaN is not a flow direction" : "code \(formatCode(code)) is not a \(encoding.rawValue) D8 direction"
            throw InputError(file: directionFile, row: row, column: column, message: "\(what) (valid: \(encoding.validCodes))")
        }
        let n = rasterIndex.count
        guard n > 0 else {
            throw InputError(file: mask == nil ? directionFile : maskFile, message: "no active cell: every cell is no-data\(mask == nil ? "" : " or masked out")")
        }

        // Downstream pointers and donor counts; a step off the grid or mask makes an outlet.
        var downstream = [Int32](repeating: -1, count: n)
        var donorOffsets = [Int32](repeating: 0, count: n + 1)
        var donors = [Int32]()
        rasterIndex.withUnsafeBufferPointer { rasterIndex in
        direction.withUnsafeBufferPointer { direction in
        cellAt.withUnsafeBufferPointer { cellAt in
        downstream.withUnsafeMutableBufferPointer { downstream in
        donorOffsets.withUnsafeMutableBufferPointer { offsets in
            for c in 0..<n {
                guard let step = direction[c].offset else { continue }
                let i = Int(rasterIndex[c])
                let r = i / columns + step.row, col = i % columns + step.column
                guard r >= 0, r < rows, col >= 0, col < columns else { continue }
                let d = cellAt[r * columns + col]
                if d >= 0 {
                    downstream[c] = d
                    offsets[Int(d) + 1] += 1
                }
            }
            for c in 0..<n { offsets[c + 1] += offsets[c] }
            donors = [Int32](repeating: 0, count: Int(offsets[n]))
            var fill = Array(offsets.dropLast())
            donors.withUnsafeMutableBufferPointer { donors in
            fill.withUnsafeMutableBufferPointer { fill in
                for c in 0..<n where downstream[c] >= 0 {
                    let d = Int(downstream[c])
                    donors[Int(fill[d])] = Int32(c)
                    fill[d] += 1
                }
            }}
        }}}}}

        do {
            levels = try TopologicalLevels(downstream: downstream, donorOffsets: donorOffsets)
        } catch {
            let places = error.cells.prefix(12).map { c -> String in
                let i = Int(rasterIndex[c]); return "(\(i / columns), \(i % columns))"
            }
            let first = Int(rasterIndex[error.cells[0]])
            throw InputError(file: directionFile, row: first / columns, column: first % columns,
                             message: "flow directions form a cycle of \(error.cells.count) cells (row, column): " + places.joined(separator: " -> ") + (error.cells.count > 12 ? " -> ..." : ""))
        }

        let isGeographic = geographic ?? CellGeometry.looksGeographic(flowDirections.geometry, rows: rows, columns: columns)
        let cellGeometry = CellGeometry(geometry: flowDirections.geometry, rows: rows, geographic: isGeographic, earthRadius: earthRadius)
        // Areas and lengths depend only on the row (and direction): compute them once per row.
        let rowAreas = (0..<rows).map { cellGeometry.area(row: $0) }
        var cellArea = [Double](repeating: 0, count: n)
        var flowLength = [Double](repeating: 0, count: n)
        var lengthCache = [Double](repeating: .nan, count: rows * 9)
        for c in 0..<n {
            let row = Int(rasterIndex[c]) / columns
            cellArea[c] = rowAreas[row]
            let slot = row * 9 + (direction[c] == .outlet ? 0 : direction[c].rawValue.trailingZeroBitCount + 1)
            if lengthCache[slot].isNaN { lengthCache[slot] = cellGeometry.flowLength(row: row, direction: direction[c]) }
            flowLength[c] = lengthCache[slot]
        }

        self.rows = rows
        self.columns = columns
        self.geometry = flowDirections.geometry
        self.cellGeometry = cellGeometry
        self.rasterIndex = rasterIndex
        self.cellAtRasterIndex = cellAt
        self.direction = direction
        self.downstream = downstream
        self.donorOffsets = donorOffsets
        self.donors = donors
        self.cellArea = cellArea
        self.flowLength = flowLength
    }

    /// Row and column of cell `c`.
    public func position(of c: Int) -> (row: Int, column: Int) {
        let i = Int(rasterIndex[c]); return (i / columns, i % columns)
    }

    /// The cell at (`row`, `column`), `nil` when outside the grid or inactive.
    public func cell(row: Int, column: Int) -> Int? {
        guard row >= 0, row < rows, column >= 0, column < columns else { return nil }
        let c = cellAtRasterIndex[row * columns + column]
        return c >= 0 ? Int(c) : nil
    }

    /// Cells whose outflow leaves the domain.
    public var outlets: [Int] { downstream.indices.filter { downstream[$0] < 0 } }

    /// Upstream area of every cell (itself included), accumulated in level order.
    public func upstreamArea() -> UpstreamArea { UpstreamArea(network: self) }

    /// A per-cell array written back onto the raster grid (inactive cells without data).
    public func raster(_ values: [Double]) -> Raster<Double> {
        precondition(values.count == cellCount)
        var grid = [Double](repeating: 0, count: rows * columns)
        var has = [Bool](repeating: false, count: rows * columns)
        for c in 0..<cellCount { grid[Int(rasterIndex[c])] = values[c]; has[Int(rasterIndex[c])] = true }
        return Raster(rows: rows, columns: columns, geometry: geometry, values: grid, hasData: has)
    }
}

/// Flow accumulation: number of cells and area draining through each cell, itself included.
public struct UpstreamArea: Sendable, Equatable {
    /// Cells upstream of each cell, itself included.
    public let cells: [Int32]
    /// Area upstream of each cell, itself included, km².
    public let squareKilometres: [Double]

    /// Accumulates in ascending level order: a cell's donors all have lower levels, so each
    /// cell's total is complete before it is added to its downstream cell.
    public init(network: DrainageNetwork) {
        let n = network.cellCount
        var count = [Int32](repeating: 1, count: n)
        var area = network.cellArea.map { $0 * 1e-6 }
        network.levels.order.withUnsafeBufferPointer { order in
            network.downstream.withUnsafeBufferPointer { down in
                count.withUnsafeMutableBufferPointer { count in
                    area.withUnsafeMutableBufferPointer { area in
                        for k in 0..<n {
                            let c = Int(order[k]), d = Int(down[c])
                            if d >= 0 { count[d] += count[c]; area[d] += area[c] }
                        }
                    }
                }
            }
        }
        cells = count
        squareKilometres = area
    }
}

private func formatCode(_ code: Double) -> String {
    code == code.rounded() && abs(code) < 1e15 ? String(Int(code)) : "\(code)"
}
