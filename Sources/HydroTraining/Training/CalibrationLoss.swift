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

    /// The cost of discharge `[steps][cells]` (m³/s) over `window`, and its seed.
    func evaluate(discharge: [Double], data: CalibrationData, steps: Int, window: Range<Int>) -> Value {
        let n = data.cells
        var seedCells: [Int] = []
        var columnOfCell: [Int: Int] = [:]
        func column(_ cell: Int) -> Int {
            if let j = columnOfCell[cell] { return j }
            columnOfCell[cell] = seedCells.count
            seedCells.append(cell)
            return seedCells.count - 1
        }
        for gauge in data.gauges { _ = column(gauge.cell) }
        for cell in pseudo?.cells ?? [] { _ = column(cell) }
        var seed = [Double](repeating: 0, count: steps * seedCells.count)
        var value = 0.0
        func series(_ cell: Int) -> [Double] { window.map { discharge[$0 * n + cell] } }
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
