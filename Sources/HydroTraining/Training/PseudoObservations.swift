import Foundation
import HydroDomain
import HydroIO

/// Pseudo-observed discharge at ungauged cells (MODEL.md 6): one gauge's observations scaled by
/// the upstream-area ratio,
///
///     q_c(t) = Q_obs,g(t) · A_c / A_g,
///
/// with A the area the D8 network drains through a cell (itself included). Missing observations
/// stay missing. The cells are those draining through the gauge's cell (nested gauges'
/// basins included) whose upstream area is at least the configured minimum and that hold no
/// gauge: gauged cells have their own observations.
public struct PseudoObservations: Sendable, Equatable {
    /// Weight of the mean pseudo-observed loss in the cost.
    public var weight: Double
    /// Index in `CalibrationData.gauges` of the gauge whose observations are scaled.
    public var gauge: Int
    /// The gauge's observed discharge, m³/s per step (NaN where missing).
    public var gaugeObserved: [Double]
    /// Selected cells (network numbering), ascending.
    public var cells: [Int]
    /// A_c / A_g for each selected cell.
    public var areaRatios: [Double]

    public init(weight: Double, gauge: Int, gaugeObserved: [Double], cells: [Int], areaRatios: [Double]) {
        precondition(cells.count == areaRatios.count, "one area ratio per cell")
        self.weight = weight
        self.gauge = gauge
        self.gaugeObserved = gaugeObserved
        self.cells = cells
        self.areaRatios = areaRatios
    }

    /// The pseudo observations of selected cell `k` (index in `cells`), m³/s per step.
    public func observed(_ k: Int) -> [Double] {
        let ratio = areaRatios[k]
        return gaugeObserved.map { $0 * ratio }
    }

    /// Selects the cells of `config` on `data`'s network.
    ///
    /// - Throws: `InputError` naming the config file, line and key when the case is lumped (no
    ///   network to scale along), the gauge is unknown or has no observations, or no cell passes
    ///   the selection.
    public static func select(_ config: PseudoObservedConfig, data: CalibrationData, file: String) throws(InputError) -> PseudoObservations {
        let place = "training.pseudo_observed"
        guard data.routing == .d8 else {
            throw InputError(file: file, line: config.line, place: place, message: "pseudo-observed discharge needs a D8 network (a gridded case); this case is lumped")
        }
        let area = data.network.upstreamArea().squareKilometres
        let g: Int
        if let id = config.from {
            guard let found = data.gauges.firstIndex(where: { $0.id == id }) else {
                throw InputError(file: file, line: config.fromLine ?? config.line, place: "\(place).from",
                                 message: "no gauge '\(id)' (gauges: \(data.gauges.map(\.id).joined(separator: ", ")))")
            }
            guard data.gauges[found].observed != nil else {
                throw InputError(file: file, line: config.fromLine ?? config.line, place: "\(place).from", message: "gauge '\(id)' has no observations to scale")
            }
            g = found
        } else {
            // Default: the gauge with observations draining the largest area (usually the outlet).
            guard let largest = data.gauges.indices.filter({ data.gauges[$0].observed != nil }).max(by: { area[data.gauges[$0].cell] < area[data.gauges[$1].cell] }) else {
                throw InputError(file: file, line: config.line, place: place, message: "no gauge has observations to scale")
            }
            g = largest
        }
        let gauge = data.gauges[g]
        let upstream = drainsThrough(gauge.cell, network: data.network)
        let gauged = Set(data.gauges.map(\.cell))
        let candidates = (0..<data.cells).filter { upstream[$0] && !gauged.contains($0) }
        let cells = candidates.filter { area[$0] >= config.minAreaKm2 }
        guard !cells.isEmpty else {
            let largest = candidates.map { area[$0] }.max()
            throw InputError(file: file, line: config.line, place: "\(place).min_area_km2",
                             message: "no ungauged cell upstream of gauge '\(gauge.id)' drains at least \(config.minAreaKm2) km²"
                                 + (largest.map { " (the largest drains \(String(format: "%.3g", $0)) km²)" } ?? " (the gauge's basin has no other cell)"))
        }
        let total = area[gauge.cell]
        return PseudoObservations(weight: config.weight, gauge: g, gaugeObserved: gauge.observed!, cells: cells, areaRatios: cells.map { area[$0] / total })
    }

    /// Whether each cell drains through `outlet` (the outlet included).
    static func drainsThrough(_ outlet: Int, network: DrainageNetwork) -> [Bool] {
        var upstream = [Bool](repeating: false, count: network.cellCount)
        upstream[outlet] = true
        // Levels order cells upstream first: walk them backwards so each cell's downstream is decided first.
        for i in stride(from: network.levels.order.count - 1, through: 0, by: -1) {
            let c = Int(network.levels.order[i])
            let d = Int(network.downstream[c])
            if d >= 0, upstream[d] { upstream[c] = true }
        }
        return upstream
    }
}
