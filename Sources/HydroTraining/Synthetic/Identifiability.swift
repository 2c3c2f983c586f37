import RealModule
import HydroModel

/// Which parameters the gauge discharge can identify, computed at the true parameters from the
/// sensitivity matrix (local, linearised analysis in the spirit of Brun et al. 2001).
///
/// - J: central finite differences in Double of every gauge's discharge series with respect to
///   a domain-wide shift of each parameter's raw (sigmoid-space) value, step `h`.
/// - S: J in relative terms: column j scaled to d Q / d ln θ_j (θ_j the mean true value; the
///   sigmoid chain factor at that value), row (gauge g, step t) divided by the standard
///   deviation σ_g of the gauge's true discharge. Then (S^T S) / rows is the Gauss-Newton
///   Hessian of the twin loss (mean over gauges of 1 - NSE) in ln θ.
/// - Criterion: discharge errors of η = 1 % of σ_g (independent) give the Cramér-Rao standard
///   error SE_j = η sqrt((S_K^T S_K)^-1_jj) of ln θ_j when the set K is estimated jointly.
///   Starting from all parameters, the one with the largest SE is dropped until every SE in K is
///   at most `maximumStandardError` (1 %: a 5 % error is then a 5-sigma event). K is the
///   identifiable set; the others cannot be told apart from the rest with this data. (A ridge
///   of 1e-12 of the largest diagonal keeps S_K^T S_K invertible while insensitive or
///   duplicate columns are still in K.)
public struct Identifiability: Sendable {
    public struct Row: Sendable {
        public var parameter: HBVParameter
        public var trueValue: Double
        /// RMS over gauges and steps of (dQ/d ln θ) / σ_g: the relative discharge change per
        /// relative parameter change.
        public var sensitivity: Double
        /// SE of ln θ with K estimated jointly (for a parameter outside K: K plus it).
        public var standardError: Double
        public var identifiable: Bool
    }

    public var rows: [Row]
    /// Collinearity index of the identifiable set, 1/sqrt(λmin) of the column-normalised S_K^T S_K.
    public var collinearityIndex: Double
    /// Eigenvalues of S^T S / rows for all parameters, descending.
    public var eigenvalues: [Double]
    public var noiseFraction: Double
    public var maximumStandardError: Double

    public var identifiableParameters: [HBVParameter] { rows.filter(\.identifiable).map(\.parameter) }

    public init(_ catchment: SyntheticCatchment, parameters: [HBVParameter] = HBVParameter.onByDefault, h: Double = 1e-4,
                noiseFraction: Double = 0.01, maximumStandardError: Double = 0.01) throws {
        self.noiseFraction = noiseFraction
        self.maximumStandardError = maximumStandardError
        let truth = catchment.trueParameters
        let steps = catchment.options.days
        let sigma = catchment.discharge.map { q -> Double in
            let m = q.reduce(0, +) / Double(q.count)
            return (q.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(q.count)).squareRoot()
        }
        let rowCount = steps * catchment.gauges.count
        var columns: [[Double]] = []
        var means: [Double] = []
        for p in parameters {
            let values = truth[p]!
            func shifted(_ delta: Double) throws -> [Double] {
                var params = truth
                params[p] = values.map { v in
                    let (lo, hi) = p.bounds
                    let u = min(max((v - lo) / (hi - lo), 1e-12), 1 - 1e-12)
                    return ParameterTransform.physical(Double.log(u / (1 - u)) + delta, p)
                }
                return try catchment.simulate(params).flatMap { $0 }
            }
            let plus = try shifted(h), minus = try shifted(-h)
            let mean = values.reduce(0, +) / Double(values.count)
            let (lo, hi) = p.bounds
            let u = (mean - lo) / (hi - lo)
            let physicalPerRaw = (hi - lo) * u * (1 - u)
            // d Q / d ln θ = d Q / d raw * θ / (dθ/draw), per σ of the gauge.
            var column = [Double](repeating: 0, count: rowCount)
            for i in 0..<rowCount {
                let g = i / steps
                column[i] = (plus[i] - minus[i]) / (2 * h) * mean / physicalPerRaw / sigma[g]
            }
            columns.append(column)
            means.append(mean)
        }
        let n = parameters.count
        var gram = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in a..<n {
            let v = zip(columns[a], columns[b]).reduce(0) { $0 + $1.0 * $1.1 }
            gram[a * n + b] = v; gram[b * n + a] = v
        } }
        eigenvalues = SymmetricEigen.values(gram.map { $0 / Double(rowCount) }, n: n).sorted(by: >)

        func standardErrors(_ set: [Int]) -> [Double] {
            let m = set.count
            var sub = [Double](repeating: 0, count: m * m)
            for (i, a) in set.enumerated() { for (j, b) in set.enumerated() { sub[i * m + j] = gram[a * n + b] } }
            // A tiny ridge keeps the inverse defined when a column is zero or two are equal:
            // such parameters then get huge standard errors and are dropped first.
            let ridge = 1e-12 * max(set.map { gram[$0 * n + $0] }.max() ?? 1, 1e-300)
            for i in 0..<m { sub[i * m + i] += ridge }
            guard let inverseDiagonal = SymmetricEigen.inverseDiagonal(sub, n: m) else { return [Double](repeating: .infinity, count: m) }
            return inverseDiagonal.map { $0 > 0 ? noiseFraction * $0.squareRoot() : .infinity }
        }
        var set = Array(0..<n)
        while !set.isEmpty {
            let se = standardErrors(set)
            let worst = se.indices.max { se[$0] < se[$1] }!
            if se[worst] <= maximumStandardError { break }
            set.remove(at: worst)
        }
        let finalErrors = standardErrors(set)
        var rows: [Row] = []
        for j in 0..<n {
            let sensitivity = (columns[j].reduce(0) { $0 + $1 * $1 } / Double(rowCount)).squareRoot()
            let se: Double
            if let k = set.firstIndex(of: j) { se = finalErrors[k] } else { se = standardErrors(set + [j]).last! }
            rows.append(Row(parameter: parameters[j], trueValue: means[j], sensitivity: sensitivity, standardError: se, identifiable: set.contains(j)))
        }
        self.rows = rows
        // Collinearity index of K: columns normalised to unit length.
        let m = set.count
        var normalised = [Double](repeating: 0, count: m * m)
        for (i, a) in set.enumerated() { for (j, b) in set.enumerated() {
            normalised[i * m + j] = gram[a * n + b] / (gram[a * n + a] * gram[b * n + b]).squareRoot()
        } }
        let lambdaMin = m > 0 ? SymmetricEigen.values(normalised, n: m).min()! : 1
        collinearityIndex = 1 / max(lambdaMin, 1e-300).squareRoot()
    }

    /// The table as Markdown.
    public var markdown: String {
        var text = "| parameter | true value | sensitivity | SE of ln θ | identifiable |\n|---|---:|---:|---:|:---:|\n"
        for r in rows {
            text += "| \(r.parameter.name) | \(format(r.trueValue)) | \(format(r.sensitivity)) | \(r.standardError.isFinite ? format(r.standardError) : "∞") | \(r.identifiable ? "yes" : "no") |\n"
        }
        return text
    }
}

func format(_ x: Double) -> String {
    if x == 0 { return "0" }
    let a = abs(x)
    if a >= 0.01 && a < 1e4 {
        let digits = a >= 100 ? 1 : (a >= 1 ? 3 : 4)
        var s = String(Int((a * pow(10, Double(digits))).rounded()))
        while s.count <= digits { s = "0" + s }
        s.insert(".", at: s.index(s.endIndex, offsetBy: -digits))
        return (x < 0 ? "-" : "") + s
    }
    let e = Int(Double.log10(a).rounded(.down))
    let m = x / pow(10, Double(e))
    return format(m) + "e\(e)"
}

private func pow(_ a: Double, _ b: Double) -> Double { Double.pow(a, b) }

/// Small dense symmetric matrices: cyclic Jacobi eigenvalues and a Cholesky inverse diagonal.
public enum SymmetricEigen {
    /// Eigenvalues of the symmetric `n x n` matrix `a` (row-major).
    public static func values(_ a: [Double], n: Int) -> [Double] {
        var m = a
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += m[i * n + j] * m[i * n + j] } }
            if off < 1e-30 * max(1, (0..<n).reduce(0) { $0 + m[$1 * n + $1] * m[$1 * n + $1] }) { break }
            for p in 0..<n { for q in (p + 1)..<n where m[p * n + q] != 0 {
                let theta = (m[q * n + q] - m[p * n + p]) / (2 * m[p * n + q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let mkp = m[k * n + p], mkq = m[k * n + q]
                    m[k * n + p] = c * mkp - s * mkq
                    m[k * n + q] = s * mkp + c * mkq
                }
                for k in 0..<n {
                    let mpk = m[p * n + k], mqk = m[q * n + k]
                    m[p * n + k] = c * mpk - s * mqk
                    m[q * n + k] = s * mpk + c * mqk
                }
            } }
        }
        return (0..<n).map { m[$0 * n + $0] }
    }

    /// Diagonal of the inverse of the symmetric positive definite `a`, nil if Cholesky fails.
    public static func inverseDiagonal(_ a: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 1e-14 * max(a[i * n + i], 1e-300) else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        var diagonal = [Double](repeating: 0, count: n)
        // A^-1 = L^-T L^-1, so (A^-1)_jj is the squared norm of column j of L^-1 (L x = e_j).
        var inverse = [Double](repeating: 0, count: n * n)  // L^-1, lower triangular
        for j in 0..<n {
            for i in j..<n {
                var s = i == j ? 1.0 : 0.0
                for k in j..<i { s -= l[i * n + k] * inverse[k * n + j] }
                inverse[i * n + j] = s / l[i * n + i]
            }
        }
        for j in 0..<n { diagonal[j] = (0..<n).reduce(0) { $0 + inverse[$1 * n + j] * inverse[$1 * n + j] } }
        return diagonal
    }
}
