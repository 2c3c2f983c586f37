import Foundation
import HydroObjectives

/// The data term of the calibration cost on routed discharge, and where its gradient enters
/// the routing adjoint:
///
///     L = Σ_g (w_g / Σ w) loss(Q_g, Q_obs,g)  +  weight · mean_c loss(Q_c, q_c)
///
/// over the calibration window (missing observations masked), the second term only with
/// pseudo observations q_c at ungauged cells (`PseudoObservations`). A gauge or cell whose
/// window holds no observation adds nothing.
struct CalibrationLoss {
    var loss: DischargeLoss
    /// Weight of each gauge (index as in `data.gauges`), 0 for gauges without observations.
    var gaugeWeights: [Double]
    var pseudo: PseudoObservations?

    struct Value {
        var value: Double
        /// NSE per gauge over the window (nil without observations there).
        var nse: [Double?]
        /// dL/dQ at the cells it depends on, one column per cell (gauges sharing a cell merged,
        /// as the routing adjoint takes one seed per cell): `[steps][seedCells]`.
        var seedCells: [Int]
        var seed: [Double]
    }

    /// The cells the cost reads, each once: the gauges' cells in gauge order, then the
    /// pseudo-observed cells. The discharge `evaluate` takes is at these cells, in this order.
    static func cells(data: CalibrationData, pseudo: PseudoObservations?) -> [Int] {
        var cells: [Int] = []
        var seen: Set<Int> = []
        for cell in data.gauges.map(\.cell) + (pseudo?.cells ?? []) where seen.insert(cell).inserted { cells.append(cell) }
        return cells
    }

    /// The cost over `window` of discharge (m³/s) at `cells` (`CalibrationLoss.cells`),
    /// `[steps][cells.count]`, and its seed at those cells.
    func evaluate(discharge: [Double], cells seedCells: [Int], data: CalibrationData, steps: Int, window: Range<Int>) -> Value {
        let n = seedCells.count
        precondition(discharge.count == steps * n, "discharge has \(discharge.count) values, expected \(steps) x \(n)")
        var columnOfCell: [Int: Int] = [:]
        for (j, cell) in seedCells.enumerated() { columnOfCell[cell] = j }
        var seed = [Double](repeating: 0, count: steps * seedCells.count)
        var value = 0.0
        func series(_ cell: Int) -> [Double] { let j = columnOfCell[cell]!; return window.map { discharge[$0 * n + j] } }
        /// Adds `scale` × loss at `cell` against `observed` (over the window) to value and seed.
        func add(cell: Int, observed: [Double], scale: Double) {
            let (l, dl) = loss.evaluate(simulated: series(cell), observed: observed)
            value += scale * l
            let j = columnOfCell[cell]!
            for (k, t) in window.enumerated() { seed[t * seedCells.count + j] += scale * dl[k] }
        }

        let totalWeight = gaugeWeights.reduce(0, +)
        var nse: [Double?] = Array(repeating: nil, count: data.gauges.count)
        for (g, gauge) in data.gauges.enumerated() {
            guard let observed = gauge.observed else { continue }
            let obs = Array(observed[window])
            guard obs.contains(where: { !$0.isNaN }) else { continue }
            nse[g] = DischargeMetrics(simulated: series(gauge.cell), observed: obs)?.nse
            guard gaugeWeights[g] > 0, totalWeight > 0 else { continue }
            add(cell: gauge.cell, observed: obs, scale: gaugeWeights[g] / totalWeight)
        }
        if let pseudo, !pseudo.cells.isEmpty {
            // The source gauge's window decides for every cell: q_c is a multiple of it.
            if pseudo.gaugeObserved[window].contains(where: { !$0.isNaN }) {
                let scale = pseudo.weight / Double(pseudo.cells.count)
                for (k, cell) in pseudo.cells.enumerated() { add(cell: cell, observed: Array(pseudo.observed(k)[window]), scale: scale) }
            }
        }
        return Value(value: value, nse: nse, seedCells: seedCells, seed: seed)
    }
}
