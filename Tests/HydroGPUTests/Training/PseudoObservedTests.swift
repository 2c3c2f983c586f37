import Foundation
import Testing
import HydroGPU
import TestSupport

/// `training.pseudo_observed`: the outlet's observations scaled by upstream-area ratio at
/// ungauged cells, as an extra loss term whose gradient runs through the routing adjoint.
@Suite("Pseudo-observed discharge")
struct PseudoObservedTests {
    static let lez = CalibrationPipelineTests.repository.appending(path: "configs/lez.yaml")

    /// Upstream area of every cell by following each cell's downstream chain (not the
    /// network's accumulation), km², and whether the chain passes `outlet`.
    static func independentAreas(_ network: DrainageNetwork, outlet: Int) -> (area: [Double], drainsToOutlet: [Bool]) {
        var area = [Double](repeating: 0, count: network.cellCount)
        var drains = [Bool](repeating: false, count: network.cellCount)
        for start in 0..<network.cellCount {
            var c = start
            while true {
                area[c] += network.cellArea[start] / 1e6
                if c == outlet { drains[start] = true }
                let d = Int(network.downstream[c])
                if d < 0 { break }
                c = d
            }
        }
        return (area, drains)
    }

    /// On the full Lez (three nested gauges) the selection and the series match an independent
    /// computation: cells draining through the outlet gauge, not gauged, area >= 8 km²;
    /// q_c = Q_obs × A_c / A_g with missing values kept missing.
    @Test func pseudoObservationsAreAreaRatioTimesObserved() throws {
        var data = try CalibrationData.from(try HydroCase.load(Self.lez))
        let outlet = try #require(data.gauges.firstIndex { $0.id == "Y3204040" })
        // A missing observation must stay missing.
        data.gauges[outlet].observed![100] = .nan
        let pseudo = try PseudoObservations.select(PseudoObservedConfig(weight: 0.3, from: "Y3204040", minAreaKm2: 8), data: data, file: "lez.yaml")
        let (area, drains) = Self.independentAreas(data.network, outlet: data.gauges[outlet].cell)
        let gauged = Set(data.gauges.map(\.cell))
        let expected = (0..<data.cells).filter { drains[$0] && !gauged.contains($0) && area[$0] >= 8 }
        #expect(pseudo.cells == expected)
        #expect(pseudo.cells.count > 3, "only \(pseudo.cells.count) cells selected")
        #expect(pseudo.gauge == outlet && pseudo.weight == 0.3)
        let observed = data.gauges[outlet].observed!
        let gaugeArea = area[data.gauges[outlet].cell]
        for (k, c) in pseudo.cells.enumerated() {
            let q = pseudo.observed(k)
            #expect(q.count == observed.count)
            #expect(q[100].isNaN)
            for t in observed.indices where !observed[t].isNaN {
                let want = observed[t] * area[c] / gaugeArea
                #expect(abs(q[t] - want) <= 1e-12 * max(abs(want), 1e-12), "cell \(c) step \(t): \(q[t]) vs \(want)")
            }
        }
        // Without `from`, the gauge with observations draining the largest area is used.
        let byDefault = try PseudoObservations.select(PseudoObservedConfig(minAreaKm2: 8), data: data, file: "lez.yaml")
        #expect(byDefault.gauge == outlet && byDefault.cells == pseudo.cells)
    }

    /// dL/dx of the whole chain with the pseudo term against central differences in Double.
    @Test(arguments: [DischargeLoss.oneMinusNSE, .rmse])
    func gradientWithPseudoTermMatchesFiniteDifferences(loss: DischargeLoss) throws {
        let (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 90)
        var objective = try CalibrationPipelineTests.objective(config, data, loss: loss)
        var x = objective.setup.initialFreeValues()
        var generator = SeededGenerator(seed: 11)
        for i in x.indices { x[i] += Double.random(in: -0.5...0.5, using: &generator) }
        let without = try objective.evaluate(x, gradient: true)
        objective.pseudoObserved = try PseudoObservations.select(PseudoObservedConfig(weight: 0.5, minAreaKm2: 5), data: data, file: "lez.yaml")
        #expect(objective.pseudoObserved!.cells.count >= 3)
        let e = try objective.evaluate(x, gradient: true)
        // The term is there: it changes the cost and the gradient.
        #expect(e.loss > without.loss + 1e-6)
        #expect(zip(e.gradient!, without.gradient!).contains { abs($0 - $1) > 1e-6 * max(abs($0), 1) })
        let g = e.gradient!
        let fc = objective.setup.space.offsets[.fc]!
        let indices = Array(0..<x.count).filter { i in
            !objective.setup.describe(index: i).contains("cell") || i == fc + 2 || i == objective.setup.space.offsets[.k1]! + 7
        }
        let worst = try expectAdjointMatchesCentralDifferences(g, at: x, indices: indices, describe: { objective.setup.describe(index: $0) }) {
            try objective.evaluate($0, gradient: false).loss
        }
        print("pseudo-observed FD check (\(loss.rawValue)): \(indices.count) directions, worst relative error \(worst)")
    }

    /// Problems found when the case is known name the config key and line.
    @Test func selectionErrorsNameKeyAndLine() throws {
        var data = try CalibrationData.from(try HydroCase.load(Self.lez))
        func message(_ config: PseudoObservedConfig) -> String {
            do {
                _ = try PseudoObservations.select(config, data: data, file: "lez.yaml")
                return "accepted"
            } catch { return "\(error)" }
        }
        let unknown = message(PseudoObservedConfig(from: "X1", line: 40, fromLine: 41))
        #expect(unknown.contains("line 41") && unknown.contains("training.pseudo_observed.from") && unknown.contains("no gauge 'X1'"), "\(unknown)")
        let none = message(PseudoObservedConfig(from: "Y3204010", minAreaKm2: 1e6, line: 40, fromLine: 41))
        #expect(none.contains("line 40") && none.contains("training.pseudo_observed.min_area_km2") && none.contains("no ungauged cell"), "\(none)")
        data.gauges[0].observed = nil
        let blind = message(PseudoObservedConfig(from: data.gauges[0].id, line: 40, fromLine: 41))
        #expect(blind.contains("line 41") && blind.contains("has no observations"), "\(blind)")
    }

    /// The section is read with its lines; bad values name the key and line.
    @Test func configIsParsedStrictly() throws {
        let config = try TrainingConfigTests.parse("training:\n  pseudo_observed:\n    weight: 0.2\n    from: V1\n    min_area_km2: 4\n")
        #expect(config.training.pseudoObserved == PseudoObservedConfig(weight: 0.2, from: "V1", minAreaKm2: 4, line: 10, fromLine: 11))
        let defaults = try TrainingConfigTests.parse("training:\n  pseudo_observed: {}\n")
        #expect(defaults.training.pseudoObserved?.weight == 0.1 && defaults.training.pseudoObserved?.minAreaKm2 == 10 && defaults.training.pseudoObserved?.from == nil)
        for (text, line, words) in [
            ("training:\n  pseudo_observed: {weight: -1}\n", "line 9", "key 'training.pseudo_observed.weight'"),
            ("training:\n  pseudo_observed:\n    min_area_km2: -3\n", "line 10", "key 'training.pseudo_observed.min_area_km2'"),
            ("training:\n  pseudo_observed:\n    gauge: A\n", "line 10", "unknown key 'gauge'"),
            ("training:\n  pseudo_observed: 0.1\n", "line 9", "expected a mapping"),
        ] {
            do {
                _ = try TrainingConfigTests.parse(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect("\(error)".contains(line) && "\(error)".contains(words), "\(error)")
            }
        }
    }
}
