import HydroRegionalisation

/// A synthetic catchment surface: a valley draining to one outlet on the southern edge,
/// with seeded roughness, its D8 flow directions (ESRI codes) and per-cell descriptors.
///
/// Pits left by the roughness are removed by priority-flood with a small gradient (Barnes et
/// al. 2014), so every cell drains to the outlet and the D8 grid is valid by construction.
public struct SyntheticTerrain: Sendable {
    public var rows: Int
    public var columns: Int
    public var cellSize: Double
    /// Elevation (m), row-major, row 0 north, after pit filling.
    public var elevation: [Double]
    /// ESRI D8 codes (0 at the outlet).
    public var flowDirection: [Int]
    /// Local slope along the flow direction (m/m).
    public var slope: [Double]
    public var outlet: (row: Int, column: Int)

    /// ESRI codes and (row, column) offsets, E first, clockwise.
    public static let esriNeighbours: [(code: Int, dr: Int, dc: Int)] = [
        (1, 0, 1), (2, 1, 1), (4, 1, 0), (8, 1, -1), (16, 0, -1), (32, -1, -1), (64, -1, 0), (128, -1, 1),
    ]

    public init(rows: Int, columns: Int, cellSize: Double = 1000, seed: UInt64) {
        precondition(rows >= 3 && columns >= 3, "a synthetic catchment needs at least 3 x 3 cells")
        self.rows = rows
        self.columns = columns
        self.cellSize = cellSize
        var rng = SeededGenerator(seed: seed)
        let outlet = (row: rows - 1, column: columns / 2)
        self.outlet = outlet
        // Valley: rises away from the outlet row and from the central axis; smooth random waves
        // add relief; white noise adds pits for the filling to remove.
        let waves = (0..<4).map { _ in (a: rng.uniform(5, 20), kx: rng.uniform(0.5, 3), ky: rng.uniform(0.5, 3), phase: rng.uniform(0, 6.28)) }
        var z = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let along = Double(rows - 1 - r) * cellSize, across = abs(Double(c - outlet.column)) * cellSize
                let x = Double(c) / Double(columns), y = Double(r) / Double(rows)
                var h = 200 + 0.01 * along + 0.02 * across
                for w in waves { h += w.a * Double.sin(w.kx * 6.28 * x + w.phase) * Double.cos(w.ky * 6.28 * y) }
                z[r * columns + c] = h + rng.uniform(-3, 3)
            }
        }
        elevation = Self.fillPits(z, rows: rows, columns: columns, outlet: outlet)
        flowDirection = [Int](repeating: 0, count: rows * columns)
        slope = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns where !(r == outlet.row && c == outlet.column) {
                var best = (code: 0, drop: 0.0)
                for n in Self.esriNeighbours {
                    let rr = r + n.dr, cc = c + n.dc
                    guard rr >= 0, rr < rows, cc >= 0, cc < columns else { continue }
                    let distance = (n.dr != 0 && n.dc != 0) ? cellSize * 2.0.squareRoot() : cellSize
                    let drop = (elevation[r * columns + c] - elevation[rr * columns + cc]) / distance
                    if drop > best.drop { best = (n.code, drop) }
                }
                flowDirection[r * columns + c] = best.code
                slope[r * columns + c] = best.drop
            }
        }
    }

    /// Priority-flood + epsilon from the outlet: every cell ends strictly above the cell it was
    /// reached from, so steepest descent leads back to the outlet.
    static func fillPits(_ z: [Double], rows: Int, columns: Int, outlet: (row: Int, column: Int)) -> [Double] {
        var filled = z
        var done = [Bool](repeating: false, count: z.count)
        var heap = MinHeap()
        let start = outlet.row * columns + outlet.column
        heap.push(filled[start], start)
        done[start] = true
        while let (_, i) = heap.pop() {
            let r = i / columns, c = i % columns
            for n in esriNeighbours {
                let rr = r + n.dr, cc = c + n.dc
                guard rr >= 0, rr < rows, cc >= 0, cc < columns else { continue }
                let j = rr * columns + cc
                if done[j] { continue }
                done[j] = true
                filled[j] = max(filled[j], filled[i] + 1e-3)
                heap.push(filled[j], j)
            }
        }
        return filled
    }
}

/// Binary min-heap of (key, index) pairs; ties broken by index for determinism.
struct MinHeap {
    private var items: [(Double, Int)] = []

    mutating func push(_ key: Double, _ index: Int) {
        items.append((key, index))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count && less(items[left], items[smallest]) { smallest = left }
                if right < items.count && less(items[right], items[smallest]) { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }

    private func less(_ a: (Double, Int), _ b: (Double, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) }
}
