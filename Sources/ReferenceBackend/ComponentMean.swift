/// δHBV's nmul: a cell's `components` HBV columns get the same forcing and their outputs are
/// averaged (plain mean: sum over components in order, then divide, as torch's `mean` does).
/// Units are `cell * components + k`; arrays are time-major.
public enum ComponentMean {
    /// `[steps][units]` -> `[steps][cells]`.
    public static func average<Real: BinaryFloatingPoint>(_ unitValues: [Real], steps: Int, cells: Int, components: Int) -> [Real] {
        precondition(unitValues.count == steps * cells * components)
        if components == 1 { return unitValues }
        var out = [Real](repeating: 0, count: steps * cells)
        let n = Real(components)
        for t in 0..<steps {
            for c in 0..<cells {
                var s: Real = 0
                let base = (t * cells + c) * components
                for k in 0..<components { s += unitValues[base + k] }
                out[t * cells + c] = s / n
            }
        }
        return out
    }

    /// Adjoint of `average`: dL/d(unit value) = dL/d(cell mean) / components.
    public static func spread<Real: BinaryFloatingPoint>(_ cellAdjoint: [Real], steps: Int, cells: Int, components: Int) -> [Real] {
        precondition(cellAdjoint.count == steps * cells)
        if components == 1 { return cellAdjoint }
        var out = [Real](repeating: 0, count: steps * cells * components)
        let n = Real(components)
        for i in 0..<(steps * cells) {
            let g = cellAdjoint[i] / n
            for k in 0..<components { out[i * components + k] = g }
        }
        return out
    }
}
