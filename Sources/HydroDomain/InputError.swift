/// A problem with an input file, naming the file and the place in it.
///
/// Reads as `flwdir.asc, row 3, column 7: code 3 is not an ESRI D8 direction`, so the user can
/// go straight to the offending value.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var line: Int?
    public var row: Int?
    public var column: Int?
    /// Time index, gauge id, variable, key: any further place the message needs.
    public var place: String?
    public var message: String

    public init(file: String, line: Int? = nil, row: Int? = nil, column: Int? = nil, place: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.row = row
        self.column = column
        self.place = place
        self.message = message
    }

    public var description: String {
        var parts = [file]
        if let line { parts.append("line \(line)") }
        if let row { parts.append("row \(row)") }
        if let column { parts.append("column \(column)") }
        if let place { parts.append(place) }
        return parts.joined(separator: ", ") + ": " + message
    }
}
