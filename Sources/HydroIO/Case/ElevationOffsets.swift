import Foundation
import HydroDomain

extension CaseLoader {
    /// DZ per model cell (m): the cell's elevation minus the elevation its forcing stands for
    /// (`model.elevation`, docs/ELEVATION.md); nil without `model.elevation`. A gridded case
    /// takes the cells' elevations from `model.elevation.cells` or `domain.dem`; a lumped case
    /// with elevation bands one cell per band, the forcing by default at the bands' area-weighted
    /// mean elevation (a basin-mean series stands for the basin's mean elevation). Rasters must
    /// lie on the flow directions' grid with a value on every active cell; errors name the file,
    /// row and column.
    func elevationOffsets(_ grid: CaseGrid, flowDirections d8: Raster<Double>?, dem: Raster<Double>?) throws(InputError) -> [Double]? {
        guard let elevation = config.model.elevation else { return nil }
        let place = "model.elevation"
        func values(_ field: StaticField, what: String) throws(InputError) -> [Double] {
            try staticField(field, grid, flowDirections: d8, what: what, place: place, line: elevation.line) { Self.elevationProblem($0, what) }
        }
        if let bands = config.domain.lumped?.bands, !bands.isEmpty {
            let mean = bands.reduce(0) { $0 + $1.elevation * $1.areaFraction } / bands.reduce(0) { $0 + $1.areaFraction }
            let forcing = try elevation.forcing.map { f throws(InputError) in try values(f, what: "forcing elevation")[0] } ?? mean
            if elevation.forcing == nil {
                notes.append("elevation  the forcing stands for the bands' area-weighted mean elevation, \(String(format: "%.0f", mean)) m (set model.elevation.forcing to change it)")
            }
            return bands.map { $0.elevation - forcing }
        }
        let cells: [Double]
        if let c = elevation.cells {
            cells = try values(c, what: "cell elevation")
        } else if let dem, let source = config.domain.dem {
            cells = try onCells(dem, file: source.file.path, what: "elevation (domain.dem)", grid: grid) { Self.elevationProblem($0, "elevation (domain.dem)") }
        } else {
            throw InputError(file: configPath, line: elevation.line, place: place,
                             message: "needs the cells' elevations: model.elevation.cells (a raster or, for a lumped case, a number) or domain.dem")
        }
        guard let forcingField = elevation.forcing else {
            throw InputError(file: configPath, line: elevation.line, place: place, message: "needs forcing: the elevation (m) the forcing stands for")
        }
        return zip(cells, try values(forcingField, what: "forcing elevation")).map { $0 - $1 }
    }

    /// An elevation outside -500-9000 m, named (nil: accepted).
    static func elevationProblem(_ v: Double, _ what: String) -> String? {
        (-500...9000).contains(v) ? nil : "\(what) \(v) m outside -500-9000 m"
    }
}
