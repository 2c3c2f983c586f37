import Testing
import HydroGPU
import Kernels

/// The implicit solver composed of process operators (`ImplicitProcess`, one per process,
/// summed in model/hbv.table's order): every flux an operator adds leaves one storage and enters
/// another or leaves the unit, so the sums must conserve water. Checked against that balance,
/// not against the code: a flux added to one row and not subtracted from its source, or a
/// Jacobian entry missing from one side, breaks it.
@Suite("Implicit process operators")
struct ImplicitProcessCompositionTests {
    typealias Fluxes = ImplicitHBVFluxes<Double>
    static let n = HBVStorage.count

    static func fluxes(_ s: [Double], precipitation: Double, temperature: Double, pet: Double) -> Fluxes {
        ImplicitHBVFluxTests.parameters.withUnsafeBufferPointer { v in
            Fluxes(states: s, parameters: ImplicitHBVParameters(v.baseAddress!), precipitation: precipitation,
                   temperature: temperature, pet: pet, stepDays: 0.7, usesETExponent: true)
        }
    }

    /// Sum over storages of h dS/dt = corrected precipitation + exchange + unlimited ice melt - ET - runoff (mm per
    /// step), in every regime (the fixture's exchange is a loss, so it is counted with its sign;
    /// its precipitation is rain times RFCF above TT, snowfall times SFCF below).
    @Test func ratesConserveWater() {
        for (s, temperature) in ImplicitHBVFluxTests.points {
            let f = Self.fluxes(s, precipitation: 6, temperature: temperature, pet: 2.5)
            var r = [Double](repeating: 0, count: Self.n)
            r.withUnsafeMutableBufferPointer { f.rates(into: $0.baseAddress!) }
            let p = ImplicitHBVFluxTests.parameters
            let corrected = 6 * (temperature >= p[HBVParameter.tt.rawValue] ? p[HBVParameter.rfcf.rawValue] : p[HBVParameter.sfcf.rawValue])
            // The fixture's glacier melts unlimited ice: water from outside the unit's storages.
            let expected = corrected + f.exchange + f.iceMelt - f.et - f.runoffRate
            #expect(abs(r.reduce(0, +) - expected) <= 1e-12 * max(1, abs(expected)), "\(s) T=\(temperature)")
            #expect(f.runoffRate > 0 && f.et >= 0 && f.exchange < 0)
        }
    }

    /// Column j of d(h f)/dS sums to d(exchange - ET - runoff)/dS_j: each internal flux's
    /// partials appear once with + (the storage it enters) and once with - (the storage it leaves).
    @Test func jacobianColumnsConserveWater() {
        for (s, temperature) in ImplicitHBVFluxTests.points {
            let f = Self.fluxes(s, precipitation: 6, temperature: temperature, pet: 2.5)
            var m = [Double](repeating: .nan, count: Self.n * Self.n)
            m.withUnsafeMutableBufferPointer { f.stateJacobian(into: $0.baseAddress!) }
            var dRunoff = [Double](repeating: 0, count: Self.n)
            // d(runoff)/dS: the solver's gradient is of the delivered runoff, EXCHANGE times it.
            dRunoff.withUnsafeMutableBufferPointer { f.accumulateRunoffStateGradient(1 / f.deliveredSlope, into: $0.baseAddress!) }
            for column in HBVStorage.allCases {
                let sum = HBVStorage.allCases.reduce(0.0) { $0 + m[ImplicitJacobian.at($1, column)] }
                let dET = column == .soilMoisture ? f.dETdSM : 0
                let dExchange = column == .lowerZone ? f.dExchangedSLZ : 0
                let dIce = column == .snowpack ? f.dIceMeltdSP : 0   // unlimited ice: the melt enters from outside
                let expected = dExchange + dIce - dET - dRunoff[column.rawValue]
                #expect(abs(sum - expected) <= 1e-12 * max(1, abs(expected)), "\(s) T=\(temperature) column \(column)")
            }
        }
    }

    /// The table's [values]: the synthetic truth (uniform and every map over descriptors in
    /// [0, 1]) lies inside the calibration bounds.
    @Test func tableValuesLieInsideTheBounds() {
        for p in HBVParameter.allCases {
            let (lower, upper) = p.bounds
            #expect(p.syntheticTruth >= lower && p.syntheticTruth <= upper, "\(p)")
            for x in stride(from: 0.0, through: 1.0, by: 0.25) {
                let value: Double? = switch p.syntheticTruthMap {
                case let .soil(offset, scale)?, let .slope(offset, scale)?: offset + scale * x
                case let .flat(offset, scale)?: offset + scale * (1 - x)
                case nil: nil
                }
                if let value { #expect(value >= lower && value <= upper, "\(p) at \(x)") }
            }
        }
        #expect(SyntheticCatchment.mappedParameters.count == HBVParameter.allCases.filter { $0.syntheticTruthMap != nil }.count)
        #expect(!SyntheticCatchment.mappedParameters.isEmpty)
    }

    /// The implicit kernel program holds every process's implicit operator, in table order, and
    /// both runoff programs scale rates in the one place (hbv_rates.h).
    @Test func implicitKernelHasEveryOperatorInTableOrder() throws {
        let program = try #require(KernelSources.source(of: "hbv_implicit"))
        let offsets = try HBVProcess.allCases.map { process -> String.Index in
            let snake = process.name.reduce(into: "") { $0 += $1.isUppercase ? "_" + $1.lowercased() : String($1) }
            return try #require(program.range(of: "inline void ihbv_\(snake)_evaluate(")?.lowerBound, "\(process)")
        }
        #expect(offsets == offsets.sorted())
        for name in ["hbv_implicit", "hbv_sequential"] {
            let source = try #require(KernelSources.source(of: name))
            #expect(source.contains("inline real hbv_step_factor("), "\(name)")
        }
    }
}
