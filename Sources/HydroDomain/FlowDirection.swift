/// A D8 flow direction in ESRI encoding (MODEL.md 2): the raw value is the ESRI code.
///
/// `outlet` (code 0) marks a cell whose water leaves the domain; a direction that leaves the
/// grid or the active mask makes an outlet too (decided by `DrainageNetwork`, not here).
public enum FlowDirection: UInt8, CaseIterable, Sendable, Codable {
    case outlet = 0
    case east = 1
    case southEast = 2
    case south = 4
    case southWest = 8
    case west = 16
    case northWest = 32
    case north = 64
    case northEast = 128

    /// Row and column step to the downstream neighbour (row 0 is north), `nil` for an outlet.
    @inlinable
    public var offset: (row: Int, column: Int)? {
        switch self {
        case .outlet: nil
        case .east: (0, 1)
        case .southEast: (1, 1)
        case .south: (1, 0)
        case .southWest: (1, -1)
        case .west: (0, -1)
        case .northWest: (-1, -1)
        case .north: (-1, 0)
        case .northEast: (-1, 1)
        }
    }

    /// Whether the step is diagonal (its length is √2 cell sizes on a projected grid).
    public var isDiagonal: Bool {
        switch self {
        case .southEast, .southWest, .northWest, .northEast: true
        default: false
        }
    }

    /// The direction whose offset is `(row, column)`, each in -1...1; `(0, 0)` is the outlet.
    public init?(rowStep: Int, columnStep: Int) {
        guard let match = Self.allCases.first(where: { d in
            guard let o = d.offset else { return rowStep == 0 && columnStep == 0 }
            return o.row == rowStep && o.column == columnStep
        }) else { return nil }
        self = match
    }
}

/// How a flow-direction grid encodes the eight neighbours.
public enum FlowDirectionEncoding: String, CaseIterable, Sendable, Codable {
    /// 1 E, 2 SE, 4 S, 8 SW, 16 W, 32 NW, 64 N, 128 NE; 0 = outlet.
    case esri
    /// SMASH: 1..8 clockwise from north (1 N, 2 NE, 3 E, 4 SE, 5 S, 6 SW, 7 W, 8 NW); 0 = outlet.
    /// Checked against the Cance grids exported by smash (`flwdir_smash.asc` vs `flwdir_esri.asc`).
    case smash
    /// PCRaster LDD, numeric keypad: 1 SW, 2 S, 3 SE, 4 W, 5 pit, 6 E, 7 NW, 8 N, 9 NE.
    case pcrasterLDD = "ldd"

    /// The direction a code means, or `nil` when the code is not one of this encoding's.
    public func direction(ofCode code: Double) -> FlowDirection? {
        guard code.isFinite, code == code.rounded(), code >= 0, code <= 255 else { return nil }
        let value = Int(code)
        switch self {
        case .esri:
            return FlowDirection(rawValue: UInt8(value))
        case .smash:
            let clockwiseFromNorth: [FlowDirection] = [.outlet, .north, .northEast, .east, .southEast, .south, .southWest, .west, .northWest]
            return value < clockwiseFromNorth.count ? clockwiseFromNorth[value] : nil
        case .pcrasterLDD:
            let keypad: [FlowDirection?] = [nil, .southWest, .south, .southEast, .west, .outlet, .east, .northWest, .north, .northEast]
            return value < keypad.count ? keypad[value] : nil
        }
    }

    /// Human description of the valid codes, for error messages.
    public var validCodes: String {
        switch self {
        case .esri: "0 (outlet), 1, 2, 4, 8, 16, 32, 64, 128"
        case .smash: "0 (outlet), 1..8 clockwise from north"
        case .pcrasterLDD: "1..9 (5 = pit)"
        }
    }
}
