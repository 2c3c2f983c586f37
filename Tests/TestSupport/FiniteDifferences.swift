import Testing

/// Holds an adjoint gradient against central differences of `loss` at `x` (step `h`) along
/// `indices`: the error is relative to the component, floored at 1e-3 of the largest
/// component so that near-zero entries are judged against the gradient's scale. Records an
/// issue per direction above `tolerance` and returns the worst error.
@discardableResult
public func expectAdjointMatchesCentralDifferences(_ gradient: [Double], at x: [Double], indices: [Int], tolerance: Double = 1e-6, h: Double = 1e-6,
                                            describe: (Int) -> String, loss: ([Double]) throws -> Double) throws -> Double {
    let scale = gradient.map(abs).max() ?? 0
    #expect(scale > 0, "the gradient is zero: nothing to check")
    var worst = 0.0
    for i in indices {
        var xp = x, xm = x
        xp[i] += h
        xm[i] -= h
        let fd = (try loss(xp) - loss(xm)) / (2 * h)
        let error = abs(fd - gradient[i]) / max(abs(gradient[i]), 1e-3 * scale)
        worst = max(worst, error)
        #expect(error < tolerance, "\(describe(i)): adjoint \(gradient[i]), finite differences \(fd)")
    }
    return worst
}
