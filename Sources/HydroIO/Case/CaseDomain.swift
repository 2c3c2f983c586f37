import Foundation
import HydroDomain

/// A gridded case's routing domain alone: grid, D8 network and gauges placed on it, without
/// forcing or observations (`hydrogpu network` maps it before any forcing exists).
public struct CaseDomain: Sendable {
    public var config: CaseConfig
    public var grid: CaseGrid
    public var network: DrainageNetwork
    /// The config's gauges on the cells the model uses for them (`declaredAreaKm2` from the
    /// config, `upstreamAreaKm2` from the case's cell areas).
    public var gauges: [Gauge]

    /// Reads the domain of the case at `url`. A lumped case has no network: an error naming
    /// the config's `domain` key.
    public static func load(_ url: URL) throws(InputError) -> CaseDomain {
        try load(try CaseConfig.load(url))
    }

    public static func load(_ config: CaseConfig) throws(InputError) -> CaseDomain {
        guard config.domain.flowDirection != nil else {
            throw InputError(file: config.file.path, place: "key 'domain'", message: "a lumped case has no D8 network to map; give domain.flow_direction")
        }
        let loader = CaseLoader(config: config)
        let (grid, d8, _, _) = try loader.loadGrid()
        let network = try loader.drainageNetwork(d8!, grid: grid)
        let upstream = NetworkProducts(network: network, cellAreaSquareMetres: grid.cellAreaSquareMetres)
        var gauges: [Gauge] = []
        for (k, g) in config.gauges.enumerated() {
            let (row, column, cell) = try loader.placeGauge(k, g, grid: grid)
            gauges.append(Gauge(id: g.id, cell: cell, row: row, column: column, declaredAreaKm2: g.areaKm2,
                                upstreamAreaKm2: upstream.upstreamAreaKm2[cell]))
        }
        return CaseDomain(config: config, grid: grid, network: network, gauges: gauges)
    }
}
