import Foundation
import HydroDomain
import HydroIO
import HydroModel

extension CalibrationData {
    /// A lumped basin given as elevation bands (`domain.lumped.bands`, docs/ELEVATION.md): one
    /// model cell per band, with the band's share of the basin's area, each reading the basin's
    /// one forcing series (corrected to the band's elevation by the training setup's
    /// `ElevationCorrection`) and each an outlet. The gamma routing sums the bands' discharge
    /// into the basin's (`CalibrationRouting`), so every band's gauge reads the basin's outlet.
    static func bandsData(_ hydroCase: HydroCase, requireObservations: Bool) throws(InputError) -> CalibrationData {
        let config = hydroCase.config, bands = hydroCase.bands, n = bands.count
        guard hydroCase.forcingWindows == nil else {
            throw InputError(file: config.file.path, place: "domain.lumped.bands", message: "elevation bands need the basin's forcing read whole, not in windows")
        }
        let basinArea = hydroCase.grid.cellAreaSquareMetres.reduce(0, +)
        let total = bands.reduce(0) { $0 + $1.areaFraction }
        let areas = bands.map { basinArea * $0.areaFraction / total }
        let geometry = GridGeometry(xLowerLeft: 0, yLowerLeft: 0, cellSize: (basinArea / Double(n)).squareRoot())
        let grid = CaseGrid(rows: 1, columns: n, geometry: geometry, active: Raster(rows: 1, columns: n, geometry: geometry, values: [Bool](repeating: true, count: n)),
                            activeCells: Array(0..<n), cellAreaSquareMetres: areas)
        // Every band an outlet (ESRI code 0): no D8 routing between them.
        let directions = Raster<Double>(rows: 1, columns: n, geometry: geometry, values: [Double](repeating: 0, count: n))
        let network = try DrainageNetwork(flowDirections: directions, encoding: .esri, geographic: false)
        // The basin as one cell (its gauges, periods, forcing), then spread over the bands.
        var oneCell = hydroCase
        oneCell.config.domain.lumped?.bands = []
        var data = try CalibrationData.from(oneCell, requireObservations: requireObservations)
        let basin = data.forcing
        func broadcast(_ series: [Double]) -> [Double] { series.flatMap { [Double](repeating: $0, count: n) } }
        data.network = network
        data.grid = grid
        data.forcing = HBVForcing(steps: basin.steps, cells: n, precipitation: broadcast(basin.precipitation),
                                  temperature: broadcast(basin.temperature), pet: broadcast(basin.pet))
        data.descriptors = data.descriptors.mapValues { [Double](repeating: $0[0], count: n) }
        data.glacier = hydroCase.glacier
        data.elevationOffsets = hydroCase.elevationOffsets
        return data
    }
}
