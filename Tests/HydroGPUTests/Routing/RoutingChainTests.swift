import Foundation
import HydroGPU
import Testing

/// Raw HBV parameters -> sequential HBV runoff -> linear-reservoir routing -> RMSE at the three
/// Cance gauges, with the gradient chained by hand through both adjoints and checked against
/// central finite differences in Double.
@Suite(.enabled(if: RoutingTestData.available, "needs ../shared/data"))
struct RoutingChainTests {
    static let first = 88, steps = 72   // an hourly window with three showers

    struct Chain {
        let network: DrainageNetwork
        let gauges: [Gauge]
        let forcing: HBVForcing<Double>
        let observed: [Double]   // [steps][gauges], m³/s
        let velocity = [Double](repeating: 1.2, count: 1)
        let runoffModel = SequentialReferenceModel<Double>()

        init() throws {
            network = try DrainageNetwork(flowDirections: RoutingTestData.grid("cance/flwdir_esri.asc"),
                                          mask: RoutingTestData.grid("cance/active_cell.asc"))
            let upstream = network.upstreamArea()
            let network = network
            gauges = try RoutingTestData.gauges("cance").map { g in
                try GaugeLocator.at(id: g.id, row: g.row, column: g.column, network: network, upstream: upstream)
            }
            let grid = network.rows * network.columns, n = network.cellCount
            func read(_ name: String) throws -> [Double] {
                let data = try Data(contentsOf: RoutingTestData.url("cance/\(name).f32"))
                let all = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                var out = [Double](repeating: 0, count: steps * n)
                for t in 0..<steps {
                    for c in 0..<n { out[t * n + c] = Double(all[(first + t) * grid + Int(network.rasterIndex[c])]) }
                }
                return out
            }
            forcing = HBVForcing(steps: steps, cells: n, precipitation: try read("prcp"),
                                 temperature: [Double](repeating: 12, count: steps * n), pet: try read("pet"))
            let lines = try String(contentsOf: RoutingTestData.url("cance/discharge.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
            observed = lines[(1 + first)..<(1 + first + steps)].flatMap { line in
                line.split(separator: ",", omittingEmptySubsequences: false).dropFirst().map { Double($0)! }
            }
        }

        func runoffProblem(raw: [Double]) -> RunoffProblem<Double> {
            let units = forcing.cells
            var parameters: [HBVParameter: ParameterSeries<Double>] = [:]
            for p in HBVParameter.onByDefault {
                parameters[p] = .uniform(ParameterTransform.physical(raw[p.rawValue], p), units: units, steps: steps)
            }
            // Wet start so every store contributes: SNOW, MELT, SM, SUZ, SLZ, ICE (mm; no glacier).
            let start: [Double] = [0, 0, 150, 15, 40, 0]
            let initial = start.flatMap { [Double](repeating: $0, count: units) }
            return RunoffProblem(configuration: HBVConfiguration(stepDays: 1.0 / 24), forcing: forcing, parameters: parameters, initialStates: initial)
        }

        func routingProblem(runoff: [Double]) -> RoutingProblem<Double> {
            RoutingProblem(steps: steps, stepSeconds: 3600, localRunoff: runoff, velocity: velocity, cells: network.cellCount)
        }

        func rmse(_ atGauges: [Double]) -> Double {
            var sum = 0.0
            for i in atGauges.indices { sum += (atGauges[i] - observed[i]) * (atGauges[i] - observed[i]) }
            return (sum / Double(atGauges.count)).squareRoot()
        }

        func loss(raw: [Double]) throws -> Double {
            let runoff = try runoffModel.forward(runoffProblem(raw: raw)).runoff
            let routed = try LinearReservoirRouting(network: network).forward(routingProblem(runoff: runoff))
            return rmse(routed.discharge(at: gauges, cells: network.cellCount))
        }

        /// dRMSE/d(raw parameters) through both adjoints.
        func gradient(raw: [Double]) throws -> (loss: Double, gradient: [Double]) {
            let runoffProblem = runoffProblem(raw: raw)
            let runoff = try runoffModel.forward(runoffProblem).runoff
            let router = LinearReservoirRouting<Double>(network: network)
            let routed = try router.forward(routingProblem(runoff: runoff))
            let atGauges = routed.discharge(at: gauges, cells: network.cellCount)
            let loss = rmse(atGauges)
            let seed = atGauges.indices.map { (atGauges[$0] - observed[$0]) / (Double(atGauges.count) * loss) }
            let routing = try router.adjoint(routingProblem(runoff: runoff), discharge: routed.discharge,
                                             seed: .gauges(cells: gauges.map(\.cell), adjoint: seed))
            let hbv = try runoffModel.gradient(runoffProblem, runoffAdjoint: routing.localRunoff).gradient
            // Indexed by rawValue, as `raw` (0 for parameters the problem does not give).
            let gradient = HBVParameter.allCases.map { p in
                (hbv.parameters[p] ?? []).reduce(0, +) * ParameterTransform.derivative(raw[p.rawValue], p)
            }
            return (loss, gradient)
        }
    }

    @Test func hbvRoutingGaugeRMSEGradientMatchesFiniteDifferences() throws {
        let chain = try Chain()
        #expect(chain.observed.count == Self.steps * 3)
        // Raw values away from every clamp's switching point at this window.
        var raw = [Double](repeating: 0, count: HBVParameter.count)   // indexed by rawValue
        raw[HBVParameter.beta.rawValue] = -0.3
        raw[HBVParameter.fc.rawValue] = -1.2
        raw[HBVParameter.k0.rawValue] = 0.4
        raw[HBVParameter.k1.rawValue] = -0.5
        raw[HBVParameter.k2.rawValue] = -1.0
        raw[HBVParameter.lp.rawValue] = 0.2
        raw[HBVParameter.perc.rawValue] = -1.5
        raw[HBVParameter.uzl.rawValue] = -1.7
        raw[HBVParameter.tt.rawValue] = 0.1
        raw[HBVParameter.c.rawValue] = -0.8
        let (loss, gradient) = try chain.gradient(raw: raw)
        #expect(loss > 0 && loss.isFinite)
        #expect(abs(loss - (try chain.loss(raw: raw))) <= 1e-12 * loss)
        var checked = 0
        for p in HBVParameter.onByDefault {
            // Small step: HBV's clamps switch within 1e-5 of this point for FC (kinks make
            // larger steps measure a one-sided slope); the loss is O(1), so rounding stays ~1e-10.
            let h = 1e-6
            var plus = raw, minus = raw
            plus[p.rawValue] += h; minus[p.rawValue] -= h
            let fd = (try chain.loss(raw: plus) - chain.loss(raw: minus)) / (2 * h)
            // Snow parameters have no effect at 12 °C: both must be zero (to rounding).
            if abs(fd) < 1e-9 * loss {
                #expect(abs(gradient[p.rawValue]) < 1e-9 * loss, "\(p): adjoint \(gradient[p.rawValue]) where FD is \(fd)")
                continue
            }
            checked += 1
            #expect(abs(gradient[p.rawValue] - fd) <= 1e-6 * abs(fd), "\(p): adjoint \(gradient[p.rawValue]), finite difference \(fd)")
        }
        #expect(checked >= 8, "only \(checked) parameters influence the loss")
    }
}
