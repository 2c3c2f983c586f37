import HydroModel

/// How each descriptor is scaled before it enters the network.
public enum NormalisationMethod: String, Sendable, Codable, CaseIterable {
    /// `(x - mean) / std` (population standard deviation): zero mean, unit variance.
    case standardScore
    /// `(x - min) / (max - min)`: values in [0, 1] (SMASH's choice).
    case minMax
}

/// Per-descriptor scaling of a `[cells][descriptors]` matrix, fitted over active cells.
///
/// `normalised = (value - centre[d]) / scale[d]`. A descriptor that is constant over the
/// active cells gets scale 1 (it normalises to 0 for both methods) instead of a division by
/// zero. The statistics are kept (and `Codable`) so a trained network is applied to new cells
/// or basins with the scaling it was trained with. To train one network on several
/// catchments, fit on their concatenated cells.
public struct DescriptorNormalisation: Sendable, Codable, Equatable {
    public let names: [String]
    public let method: NormalisationMethod
    public let centres: [Double]
    public let scales: [Double]

    public var descriptorCount: Int { names.count }

    /// Builds a normalisation from known statistics (e.g. read back from a saved run).
    public init(names: [String], method: NormalisationMethod, centres: [Double], scales: [Double]) throws(DescriptorError) {
        guard centres.count == names.count, scales.count == names.count else {
            throw DescriptorError(descriptor: nil, cell: nil, message: "\(names.count) names need as many centres and scales, got \(centres.count) and \(scales.count)")
        }
        for d in names.indices where !(centres[d].isFinite && scales[d].isFinite && scales[d] > 0) {
            throw DescriptorError(descriptor: names[d], cell: nil, message: "centre \(centres[d]) and scale \(scales[d]) must be finite with a positive scale")
        }
        self.names = names
        self.method = method
        self.centres = centres
        self.scales = scales
    }

    /// Fits the statistics of `descriptors` `[cells][names.count]` over the cells where
    /// `active` is true (all cells when `active` is nil). A NaN or infinite value in an active
    /// cell is an error naming the descriptor and the cell.
    public init(fitting descriptors: [Double], cells: Int, names: [String], active: [Bool]? = nil, method: NormalisationMethod = .standardScore) throws(DescriptorError) {
        let width = names.count
        try Self.checkShape(descriptors.count, cells: cells, width: width, active: active)
        var centres = [Double](repeating: 0, count: width), scales = [Double](repeating: 1, count: width)
        var activeCount = 0
        var lows = [Double](repeating: .infinity, count: width), highs = [Double](repeating: -.infinity, count: width)
        var sums = [Double](repeating: 0, count: width)
        for cell in 0..<cells where active?[cell] ?? true {
            activeCount += 1
            for d in 0..<width {
                let x = descriptors[cell * width + d]
                guard x.isFinite else { throw DescriptorError(descriptor: names[d], cell: cell, message: "value is \(x)") }
                sums[d] += x
                lows[d] = min(lows[d], x)
                highs[d] = max(highs[d], x)
            }
        }
        guard activeCount > 0 else {
            throw DescriptorError(descriptor: nil, cell: nil, message: "no active cell to fit the normalisation on")
        }
        switch method {
        case .standardScore:
            // Two passes (mean, then squared deviations) for accuracy on large offsets
            // such as elevations in metres.
            var squares = [Double](repeating: 0, count: width)
            for d in 0..<width { centres[d] = sums[d] / Double(activeCount) }
            for cell in 0..<cells where active?[cell] ?? true {
                for d in 0..<width {
                    let deviation = descriptors[cell * width + d] - centres[d]
                    squares[d] += deviation * deviation
                }
            }
            for d in 0..<width {
                let std = (squares[d] / Double(activeCount)).squareRoot()
                scales[d] = std > 0 ? std : 1
            }
        case .minMax:
            for d in 0..<width {
                centres[d] = lows[d]
                scales[d] = highs[d] > lows[d] ? highs[d] - lows[d] : 1
            }
        }
        self.names = names
        self.method = method
        self.centres = centres
        self.scales = scales
    }

    /// The normalised matrix `[cells][descriptors]`. Inactive cells (where `active` is false)
    /// are set to 0 and may hold NaN; a non-finite value in an active cell is an error.
    public func apply<Real: Real_>(_ descriptors: [Double], cells: Int, active: [Bool]? = nil, as: Real.Type = Real.self) throws(DescriptorError) -> [Real] {
        let width = names.count
        try Self.checkShape(descriptors.count, cells: cells, width: width, active: active)
        var normalised = [Real](repeating: 0, count: cells * width)
        for cell in 0..<cells where active?[cell] ?? true {
            for d in 0..<width {
                let x = descriptors[cell * width + d]
                guard x.isFinite else { throw DescriptorError(descriptor: names[d], cell: cell, message: "value is \(x)") }
                normalised[cell * width + d] = Real((x - centres[d]) / scales[d])
            }
        }
        return normalised
    }

    private static func checkShape(_ count: Int, cells: Int, width: Int, active: [Bool]?) throws(DescriptorError) {
        guard width > 0 else { throw DescriptorError(descriptor: nil, cell: nil, message: "no descriptor names given") }
        guard cells >= 0, count == cells * width else {
            throw DescriptorError(descriptor: nil, cell: nil, message: "matrix has \(count) values; \(cells) cells x \(width) descriptors needs \(cells * width)")
        }
        if let active, active.count != cells {
            throw DescriptorError(descriptor: nil, cell: nil, message: "active mask has \(active.count) entries for \(cells) cells")
        }
    }
}

/// A descriptor matrix that cannot be normalised, naming the descriptor and cell when known.
public struct DescriptorError: Error, CustomStringConvertible, Sendable, Equatable {
    public var descriptor: String?
    public var cell: Int?
    public var message: String

    public init(descriptor: String?, cell: Int?, message: String) {
        self.descriptor = descriptor
        self.cell = cell
        self.message = message
    }

    public var description: String {
        var parts = ["descriptors"]
        if let descriptor { parts.append("descriptor '\(descriptor)'") }
        if let cell { parts.append("cell \(cell)") }
        return parts.joined(separator: ", ") + ": " + message
    }
}
