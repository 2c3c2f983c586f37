import Foundation
import HydroDomain

extension NetCDFForcingReader {
    /// A basin-mean variable: dimensions (time) alone, or (time, y, x) with one cell. It has no
    /// position, so it applies to every cell of the case (`GriddedForcing.uniform`); a lumped
    /// case is its usual home. Time, fill values, scaling and units are read as for a grid.
    static func readBasinMean(_ file: NetCDFFile, _ variable: NetCDFFile.Variable, quantity: ForcingQuantity, label: TimeLabel,
                              unitsOverride: String?) throws(InputError) -> GriddedForcing {
        let path = file.path
        let place = "variable '\(variable.name)'"
        let timeName = variable.dimensions[0]
        guard timeName.lowercased().contains("time") || timeName == "t" || timeName.lowercased() == "date" else {
            throw InputError(file: path, place: place, message: "first dimension is '\(timeName)'; a basin-mean variable needs (time) or (time, y, x) with one cell")
        }
        let steps = variable.shape[0]
        guard steps > 0 else { throw InputError(file: path, place: place, message: "has no time steps") }
        let time = try readTimeAxis(file, timeName: timeName, steps: steps, label: label)
        let conversion = try unitConversion(file, variable, quantity: quantity, unitsOverride: unitsOverride, stepSeconds: time.stepSeconds, place: place)
        let values = try file.readValues(variable, refuseUndeclaredNaN: true).map { $0.isNaN ? $0 : conversion.apply($0) }
        return GriddedForcing(name: variable.name, source: "\(URL(fileURLWithPath: path).lastPathComponent), \(place)", quantity: quantity, time: time,
                              rows: 1, columns: 1, geometry: nil, values: values)
    }
}
