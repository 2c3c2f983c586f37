/// One forcing variable on the model's cells: `[steps][cells]`, converted units, NaN where
/// the source had no data (a missing value is never turned into zero here).
public struct ForcingField: Sendable, Equatable {
    /// What it is, e.g. "precipitation".
    public var name: String
    /// Where it came from, for messages ("forcing.nc, variable 'prcp'").
    public var source: String
    public var quantity: ForcingQuantity
    public var time: TimeAxis
    public var cells: Int
    public var values: [Double]

    public init(name: String, source: String, quantity: ForcingQuantity, time: TimeAxis, cells: Int, values: [Double]) {
        precondition(values.count == time.count * cells, "forcing values must be steps x cells")
        self.name = name
        self.source = source
        self.quantity = quantity
        self.time = time
        self.cells = cells
        self.values = values
    }

    /// The steps `range` of this field (a window of the record).
    public func window(_ range: Range<Int>) -> ForcingField {
        var axis = time
        axis.startSeconds += Int64(range.lowerBound) * time.stepSeconds
        axis.count = range.count
        return ForcingField(name: name, source: source, quantity: quantity, time: axis, cells: cells,
                            values: Array(values[(range.lowerBound * cells)..<(range.upperBound * cells)]))
    }

    /// Mean, extremes and missing values over all cells and steps.
    public func statistics() -> ForcingStatistics {
        var sum = 0.0, count = 0, missing = 0
        var low = Double.infinity, high = -Double.infinity
        var missingSteps: [Int] = []
        values.withUnsafeBufferPointer { v in
            for t in 0..<time.count {
                var stepMissing = false
                for c in 0..<cells {
                    let x = v[t * cells + c]
                    if x.isNaN { missing += 1; stepMissing = true; continue }
                    sum += x
                    count += 1
                    low = min(low, x)
                    high = max(high, x)
                }
                if stepMissing { missingSteps.append(t) }
            }
        }
        return ForcingStatistics(mean: count > 0 ? sum / Double(count) : .nan, minimum: count > 0 ? low : .nan,
                                 maximum: count > 0 ? high : .nan, missingValues: missing, stepsWithMissing: missingSteps)
    }
}

/// Summary of one forcing field.
public struct ForcingStatistics: Sendable, Equatable {
    public var mean: Double
    public var minimum: Double
    public var maximum: Double
    /// Cell-steps without data.
    public var missingValues: Int
    /// Time indices with at least one missing cell.
    public var stepsWithMissing: [Int]
}
