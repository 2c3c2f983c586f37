import HydroModel

/// How a spatial layout groups cells, as the index tables the device expansion and its pull-back
/// read (kernels/parameter_expansion.cl): the group of every cell, and for the deterministic
/// two-stage sum each group's cells in cell order, cut into chunks of at most `chunkSize`.
///
/// The tables depend only on the layout and `chunkSize`, never on the device, so the order in
/// which the pull-back adds a group's values, and hence its bits, is the same on every run.
public struct ParameterGroups: Sendable, Equatable {
    /// Cells per chunk at most: large enough that a chunk's sum amortises a work-item, small
    /// enough that a uniform parameter over 10^5-10^6 cells still spreads over hundreds of them.
    public static let defaultChunkSize = 256

    public let groups: Int
    /// `[cells]`: the group of each cell (uniform: 0; zones: its zone; distributed: itself).
    public let groupOfCell: [Int32]
    /// `[cells]`: the cells of group 0 in cell order, then group 1's, ...
    public let members: [Int32]
    /// `[chunks + 1]`: chunk c is `members[chunkStart[c] ..< chunkStart[c + 1]]`; chunks never
    /// straddle two groups.
    public let chunkStart: [Int32]
    /// `[groups + 1]`: group g's chunks are `groupChunks[g] ..< groupChunks[g + 1]`.
    public let groupChunks: [Int32]
    public var chunks: Int { chunkStart.count - 1 }

    /// The tables of `spatial` over `cells` cells; nil for a network-fed layout (its values come
    /// from the regionalisation network, not from free values).
    public init?(_ spatial: SpatialLayout, cells: Int, chunkSize: Int = defaultChunkSize) {
        precondition(cells > 0 && chunkSize > 0, "groups need cells and a positive chunk size")
        let groups: Int, groupOf: [Int]
        switch spatial {
        case .uniform: (groups, groupOf) = (1, [Int](repeating: 0, count: cells))
        case .zones(let zoneOfCell, let zones): (groups, groupOf) = (zones, zoneOfCell)
        case .distributed: (groups, groupOf) = (cells, Array(0..<cells))
        case .network: return nil
        }
        precondition(groupOf.count == cells, "a group for each of \(cells) cells")
        // Counting sort by group keeps the cells of each group in cell order.
        var size = [Int](repeating: 0, count: groups)
        for g in groupOf { size[g] += 1 }
        var first = [Int](repeating: 0, count: groups + 1)
        for g in 0..<groups { first[g + 1] = first[g] + size[g] }
        var next = first
        var members = [Int32](repeating: 0, count: cells)
        for (cell, g) in groupOf.enumerated() {
            members[next[g]] = Int32(cell)
            next[g] += 1
        }
        var chunkStart: [Int32] = []
        var groupChunks: [Int32] = [0]
        for g in 0..<groups {
            // An empty zone has no chunk: its gradient is 0 (the sum of nothing).
            for start in stride(from: first[g], to: first[g + 1], by: chunkSize) { chunkStart.append(Int32(start)) }
            groupChunks.append(Int32(chunkStart.count))
        }
        chunkStart.append(Int32(cells))
        self.groups = groups
        self.groupOfCell = groupOf.map { Int32($0) }
        self.members = members
        self.chunkStart = chunkStart
        self.groupChunks = groupChunks
    }
}
