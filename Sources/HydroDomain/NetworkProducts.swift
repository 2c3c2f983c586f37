/// What a hydrologist maps from a D8 network before running anything: how much drains through
/// each cell, how far each cell lies from its outlet along the flow path, which outlet (basin)
/// each cell belongs to and its topological level (`hydrogpu network`, docs/ROUTING.md).
///
/// Every quantity is per active cell, in the network's cell numbering.
public struct NetworkProducts: Sendable {
    /// Cells draining through each cell, itself included.
    public let upstreamCells: [Int32]
    /// Area draining through each cell, itself included, km² (from `cellAreaSquareMetres`).
    public let upstreamAreaKm2: [Double]
    /// Topological level: 0 for a cell nothing drains into, else 1 + the largest donor level
    /// (smash's `flwpar` is this + 1).
    public let level: [Int32]
    /// Distance along the D8 path from the cell's centre to its outlet's centre, m (0 at an
    /// outlet): the sum of the flow lengths of the cells on the way, the outlet's own excluded.
    public let flowDistanceMetres: [Double]
    /// Outlet cells (draining off the grid or mask, or pits), in ascending cell order; basin
    /// `k + 1` is the set of cells draining to `outlets[k]`.
    public let outlets: [Int]
    /// Basin number of each cell: 1 + the index in `outlets` of the outlet it drains to.
    public let basin: [Int32]

    /// Computes every product from `network`. `cellAreaSquareMetres` (one per cell) replaces the
    /// network's geometric cell areas, e.g. a case's `cell_area` raster; nil keeps them.
    public init(network: DrainageNetwork, cellAreaSquareMetres: [Double]? = nil) {
        let n = network.cellCount
        let areas = cellAreaSquareMetres ?? network.cellArea
        precondition(areas.count == n, "one cell area per network cell")
        let order = network.levels.order, down = network.downstream
        // Upstream: ascending levels, so a cell is complete before it is added downstream.
        var cells = [Int32](repeating: 1, count: n)
        var area = areas.map { $0 * 1e-6 }
        for k in 0..<n {
            let c = Int(order[k]), d = Int(down[c])
            if d >= 0 { cells[d] += cells[c]; area[d] += area[c] }
        }
        // Downstream quantities: descending levels, so a cell's downstream cell is done first.
        let outlets = (0..<n).filter { down[$0] < 0 }
        var basin = [Int32](repeating: 0, count: n)
        for (k, o) in outlets.enumerated() { basin[o] = Int32(k + 1) }
        var distance = [Double](repeating: 0, count: n)
        for k in stride(from: n - 1, through: 0, by: -1) {
            let c = Int(order[k]), d = Int(down[c])
            guard d >= 0 else { continue }
            distance[c] = network.flowLength[c] + distance[d]
            basin[c] = basin[d]
        }
        upstreamCells = cells
        upstreamAreaKm2 = area
        level = network.levels.level
        flowDistanceMetres = distance
        self.outlets = outlets
        self.basin = basin
    }

    /// The sub-basin of each cell between gauges: the index (0-based, in `gaugeCells` order) of
    /// the first gauge met going downstream from the cell (the gauge's own cell included), nil
    /// for cells draining to an outlet without passing a gauge.
    public static func gaugeBasins(network: DrainageNetwork, gaugeCells: [Int]) -> [Int?] {
        var owner = [Int?](repeating: nil, count: network.cellCount)
        for (g, c) in gaugeCells.enumerated() where owner[c] == nil { owner[c] = g }
        let order = network.levels.order
        var result = owner
        for k in stride(from: network.cellCount - 1, through: 0, by: -1) {
            let c = Int(order[k]), d = Int(network.downstream[c])
            if owner[c] == nil, d >= 0 { result[c] = result[d] }
        }
        return result
    }
}
