/// The forcing corrected to each cell's elevation (docs/ELEVATION.md): a temperature lapse rate
/// and a precipitation gradient, for a cell standing DZ metres above (DZ < 0: below) the
/// elevation its forcing stands for:
///
///     T_cell = T + TLAPSE · DZ / 1000              (TLAPSE in °C/km, −6.5 by default)
///     P_cell = P · c,  c = max(0, 1 + PGRAD · DZ / 100)   (PGRAD per 100 m, HBV-light's PCALT)
///
/// The HBV processes read temperature only against a threshold (the snow's T − TT in the
/// rain/snow split, melt and refreeze; the glacier's T − TTG) and precipitation only through the
/// snow's corrections (rain RFCF · P, snowfall SFCF · P). So the corrected forcing is, exactly,
/// the uncorrected forcing with effective parameters
///
///     TT' = TT − TLAPSE · DZ/1000,  TTG' = TTG − TLAPSE · DZ/1000,  RFCF' = RFCF · c,  SFCF' = SFCF · c
///
/// and the correction is applied there, between the parameter expansion and the solvers: the
/// solvers and kernels stay as they are (they see TLAPSE and PGRAD as 0), the forcing is read
/// once for all cells of a lumped basin's elevation bands, and the gradients of TLAPSE and PGRAD
/// follow by the chain rule from those of TT', TTG', RFCF' and SFCF', which every solver
/// already computes:
///
///     dL/dTLAPSE = −(dL/dTT' + dL/dTTG') · DZ/1000,  dL/dTT = dL/dTT',  dL/dTTG = dL/dTTG'
///     dL/dPGRAD  = (dL/dRFCF' · RFCF + dL/dSFCF' · SFCF) · DZ/100 where c > 0,  dL/dRFCF = c · dL/dRFCF'
///
/// TLAPSE and PGRAD must be constant in time (one slot) so that TT' keeps TT's slots; they may
/// vary in space like any parameter.
public struct ElevationCorrection: Sendable, Equatable {
    /// DZ per cell: the cell's elevation minus the elevation its forcing stands for (m).
    public let offsets: [Double]

    /// The standard atmosphere's lapse rate (°C/km): TLAPSE when a case gives elevations and does
    /// not list TLAPSE under `parameters:`.
    public static let standardLapseRate = -6.5

    /// The correction's own parameters, consumed before the solvers.
    public static let parameters: [HBVParameter] = [.tlapse, .pgrad]
    /// The parameters it turns effective: TT, TTG by the lapse rate, RFCF, SFCF by the gradient.
    public static let corrected: [HBVParameter] = [.tt, .ttg, .rfcf, .sfcf]

    public init(offsets: [Double]) {
        self.offsets = offsets
    }

    /// Whether any cell stands away from its forcing's elevation.
    public var isNeutral: Bool { offsets.allSatisfy { $0 == 0 } }

    /// The precipitation factor c = max(0, 1 + PGRAD · DZ/100) and dc/dPGRAD (0 where c is clamped).
    @inlinable
    static func precipitationFactor(pgrad: Double, offset: Double) -> (factor: Double, derivative: Double) {
        let c = 1 + pgrad * offset / 100
        return c > 0 ? (c, offset / 100) : (0, 0)
    }

    /// The series the solvers read: TT, TTG, RFCF, SFCF made effective per unit (`components`
    /// units per cell) and TLAPSE, PGRAD removed. RFCF and SFCF appear (from their neutral 1)
    /// when only PGRAD is given; TTG stays absent without a glacier.
    public func apply<Real: Real_>(_ given: [HBVParameter: ParameterSeries<Real>], components: Int) -> [HBVParameter: ParameterSeries<Real>] {
        var series = given
        for p in Self.parameters { series[p] = nil }
        let lapse = given[.tlapse], gradient = given[.pgrad]
        if let lapse {
            for p in [HBVParameter.tt, .ttg] {
                guard var s = series[p] else { continue }
                for slot in 0..<s.slots {
                    for u in 0..<s.units {
                        let shift = Double(lapse.values[u]) * offsets[u / components] / 1000
                        s.values[slot * s.units + u] = Real(Double(s.values[slot * s.units + u]) - shift)
                    }
                }
                series[p] = s
            }
        }
        if let gradient {
            let units = gradient.units, steps = gradient.slotOfStep.count
            for p in [HBVParameter.rfcf, .sfcf] {
                var s = series[p] ?? .uniform(Real(p.offValue ?? 1), units: units, steps: steps)
                for slot in 0..<s.slots {
                    for u in 0..<s.units {
                        let c = Self.precipitationFactor(pgrad: Double(gradient.values[u]), offset: offsets[u / components]).factor
                        s.values[slot * s.units + u] = Real(Double(s.values[slot * s.units + u]) * c)
                    }
                }
                series[p] = s
            }
        }
        return series
    }

    /// dL/d(the given series) from dL/d(the effective series the solvers read), `given` as
    /// `apply` took it: TLAPSE's and PGRAD's gradients appear, RFCF's and SFCF's are scaled by c,
    /// TT's and TTG's pass unchanged.
    public func pullBack<Real: Real_>(_ effective: [HBVParameter: [Real]], given: [HBVParameter: ParameterSeries<Real>],
                                      components: Int) -> [HBVParameter: [Real]] {
        var gradient = effective
        if let lapse = given[.tlapse] {
            var g = [Double](repeating: 0, count: lapse.units)
            for p in [HBVParameter.tt, .ttg] {
                guard let e = effective[p], let s = given[p] else { continue }
                for slot in 0..<s.slots {
                    for u in 0..<s.units { g[u] -= Double(e[slot * s.units + u]) * offsets[u / components] / 1000 }
                }
            }
            gradient[.tlapse] = g.map { Real($0) }
        }
        if let pgrad = given[.pgrad] {
            var g = [Double](repeating: 0, count: pgrad.units)
            for p in [HBVParameter.rfcf, .sfcf] {
                guard let e = effective[p] else { continue }
                let s = given[p] ?? .uniform(Real(p.offValue ?? 1), units: pgrad.units, steps: pgrad.slotOfStep.count)
                var scaled = e
                for slot in 0..<s.slots {
                    for u in 0..<s.units {
                        let i = slot * s.units + u
                        let c = Self.precipitationFactor(pgrad: Double(pgrad.values[u]), offset: offsets[u / components])
                        g[u] += Double(e[i]) * Double(s.values[i]) * c.derivative
                        scaled[i] = Real(Double(e[i]) * c.factor)
                    }
                }
                gradient[p] = given[p] == nil ? nil : scaled
            }
            gradient[.pgrad] = g.map { Real($0) }
        }
        return gradient
    }
}
