/// Topological levels of a drainage network (MODEL.md 2): level 0 for a cell nothing drains
/// into, else 1 + the largest level of its donors. Cells of one level are independent once
/// every lower level is done, so routing launches one kernel per level.
///
/// Built in O(cells) by a Kahn-style sweep (a cell is finished once all its donors are), with
/// no recursion, so deep networks (thousands of cells along the main stem) cannot overflow a stack.
public struct TopologicalLevels: Sendable, Equatable {
    /// Level of each cell.
    public let level: [Int32]
    /// Cells ordered by ascending level (ties by ascending cell index).
    public let order: [Int32]
    /// `order[levelOffsets[l] ..< levelOffsets[l + 1]]` are the cells of level `l`; `count + 1` entries.
    public let levelOffsets: [Int32]

    /// Number of levels (the longest upstream chain, in cells).
    public var count: Int { levelOffsets.count - 1 }

    /// The cells of level `l`.
    public func cells(ofLevel l: Int) -> ArraySlice<Int32> {
        order[Int(levelOffsets[l])..<Int(levelOffsets[l + 1])]
    }

    /// Cells that lie on a cycle of the downstream pointers, so no topological order exists.
    public struct CycleError: Error, Sendable, Equatable {
        /// Cells of one cycle, in flow order.
        public var cells: [Int]
    }

    /// Levels of the network whose cell `c` drains to `downstream[c]` (-1: outlet) and whose
    /// donors are `donors[donorOffsets[c] ..< donorOffsets[c + 1]]`.
    public init(downstream: [Int32], donorOffsets: [Int32]) throws(CycleError) {
        let n = downstream.count
        precondition(donorOffsets.count == n + 1, "donor offsets must have cells + 1 entries")
        var level = [Int32](repeating: 0, count: n)
        var pending = [Int32](repeating: 0, count: n)   // donors not yet finished
        var queue = [Int32](repeating: 0, count: n)     // finished cells, in finishing order
        var finished = 0
        var maxLevel: Int32 = 0
        downstream.withUnsafeBufferPointer { down in
            donorOffsets.withUnsafeBufferPointer { offsets in
                level.withUnsafeMutableBufferPointer { level in
                    pending.withUnsafeMutableBufferPointer { pending in
                        queue.withUnsafeMutableBufferPointer { queue in
                            var tail = 0
                            for c in 0..<n {
                                pending[c] = offsets[c + 1] - offsets[c]
                                if pending[c] == 0 { queue[tail] = Int32(c); tail += 1 }
                            }
                            var head = 0
                            while head < tail {
                                let c = Int(queue[head]); head += 1
                                let l = level[c]
                                if l > maxLevel { maxLevel = l }
                                let d = Int(down[c])
                                if d < 0 { continue }
                                if l + 1 > level[d] { level[d] = l + 1 }
                                pending[d] -= 1
                                if pending[d] == 0 { queue[tail] = Int32(d); tail += 1 }
                            }
                            finished = tail
                        }
                    }
                }
            }
        }
        if finished < n {
            throw CycleError(cells: Self.findCycle(downstream: downstream, pending: pending))
        }
        // Counting sort by level: stable, so cells of a level keep ascending index order
        // (neighbouring work-items then touch nearby memory).
        let levels = n == 0 ? 0 : Int(maxLevel) + 1
        var offsets = [Int32](repeating: 0, count: levels + 1)
        var order = [Int32](repeating: 0, count: n)
        level.withUnsafeBufferPointer { level in
            offsets.withUnsafeMutableBufferPointer { offsets in
                order.withUnsafeMutableBufferPointer { order in
                    for c in 0..<n { offsets[Int(level[c]) + 1] += 1 }
                    for l in 0..<levels { offsets[l + 1] += offsets[l] }
                    var next = Array(offsets.dropLast())
                    next.withUnsafeMutableBufferPointer { next in
                        for c in 0..<n {
                            let l = Int(level[c])
                            order[Int(next[l])] = Int32(c)
                            next[l] += 1
                        }
                    }
                }
            }
        }
        self.level = level
        self.order = order
        self.levelOffsets = offsets
    }

    /// Every unfinished cell drains into a cycle (a finished cell's donors are all finished),
    /// so following downstream pointers from one must come back to a cell already seen.
    private static func findCycle(downstream: [Int32], pending: [Int32]) -> [Int] {
        guard let start = pending.firstIndex(where: { $0 > 0 }) else { return [] }
        var seenAt: [Int: Int] = [:]
        var path: [Int] = []
        var c = start
        while seenAt[c] == nil {
            seenAt[c] = path.count
            path.append(c)
            c = Int(downstream[c])
            precondition(c >= 0, "an unfinished cell cannot reach an outlet")
        }
        return Array(path[seenAt[c]!...])
    }
}
