/// RMSE loss `sqrt(mean((sim - obs)^2))` over every entry with an observation, and its adjoint.
/// Observations that are NaN are masked (left out of the mean and given zero gradient), never
/// treated as zero. Sums run in Double whatever `Real` is.
public enum RootMeanSquareError {
    /// Loss value and dL/d(simulated), same shape as `simulated`.
    public static func evaluate<Real: BinaryFloatingPoint>(simulated: [Real], observed: [Real]) -> (value: Real, gradient: [Real]) {
        precondition(simulated.count == observed.count, "simulated and observed must have the same shape")
        var sum = 0.0
        var n = 0
        for i in simulated.indices where !observed[i].isNaN {
            let d = Double(simulated[i]) - Double(observed[i])
            sum += d * d
            n += 1
        }
        guard n > 0 else { return (0, [Real](repeating: 0, count: simulated.count)) }
        let rmse = (sum / Double(n)).squareRoot()
        var gradient = [Real](repeating: 0, count: simulated.count)
        if rmse > 0 {
            let scale = 1 / (Double(n) * rmse)
            for i in simulated.indices where !observed[i].isNaN {
                gradient[i] = Real((Double(simulated[i]) - Double(observed[i])) * scale)
            }
        }
        return (Real(rmse), gradient)
    }
}
