import RealModule
import HydroModel
import HydroRegionalisation

/// Reproducible synthetic runoff problems for benchmarks and tests: forcing with seasons,
/// dry spells and storms, and parameters spread over their physical ranges.
///
/// Deterministic for a seed (`SeededGenerator`), independent of platform and thread count.
public enum SyntheticRunoff {
    /// How a synthetic parameter varies in time.
    public enum TemporalLayout: Sendable {
        /// One slot.
        case constant
        /// Twelve slots, by calendar month of a 365-day year.
        case monthly
        /// One slot per step.
        case dynamic
    }

    /// Forcing for `cells` cells over `steps` daily steps.
    ///
    /// Each cell has its own climate: mean temperature from -4 to 14 degC (so cold cells keep
    /// a snowpack through winter), a 12 degC seasonal swing plus day-to-day noise; rain on
    /// about a third of the days, wetter in winter, exponential amounts with mean 5 mm and a
    /// storm of 30-80 mm about twice a year; PET following the temperature (0 to ~5 mm/day).
    public static func forcing<Real: BinaryFloatingPoint & Sendable>(cells: Int, steps: Int, seed: UInt64 = 1) -> HBVForcing<Real> {
        var precipitation = [Real](repeating: 0, count: steps * cells)
        var temperature = [Real](repeating: 0, count: steps * cells)
        var pet = [Real](repeating: 0, count: steps * cells)
        for c in 0..<cells {
            var random = SeededGenerator(seed: seed &+ UInt64(c) &* 0x9E37_79B9)
            let meanT = -4 + 18 * random.uniform()
            let wetness = 0.6 + 0.8 * random.uniform()
            for t in 0..<steps {
                let season = Double.cos(2 * Double.pi * Double(t - 200) / 365)  // 1 in mid-July
                let temp = meanT + 12 * season + 3 * (random.uniform() * 2 - 1)
                var rain = 0.0
                if random.uniform() < wetness * (0.33 - 0.08 * season) {
                    rain = -5 * Double.log(max(random.uniform(), 1e-12))
                }
                if random.uniform() < 2.0 / 365 { rain += 30 + 50 * random.uniform() }
                let i = t * cells + c
                temperature[i] = Real(temp)
                precipitation[i] = Real(rain)
                pet[i] = Real(max(0, 0.2 * (temp + 5)) * (0.9 + 0.2 * random.uniform()))
            }
        }
        return HBVForcing(steps: steps, cells: cells, precipitation: precipitation, temperature: temperature, pet: pet)
    }

    /// Physical parameter values for `units` units: raw values uniform in [-2, 2] mapped to
    /// bounds (MODEL.md 5), so every parameter spans most of its range; `layouts` makes some
    /// monthly or dynamic (the others are constant). Processes off by default (the table's
    /// `default` column) get no parameters, so they are off.
    public static func parameters<Real: Real_>(units: Int, steps: Int, layouts: [HBVParameter: TemporalLayout] = [:],
                                               seed: UInt64 = 2) -> [HBVParameter: ParameterSeries<Real>] {
        var random = SeededGenerator(seed: seed)
        var out: [HBVParameter: ParameterSeries<Real>] = [:]
        for parameter in HBVParameter.onByDefault {
            let layout = layouts[parameter] ?? .constant
            let slotOfStep: [Int32]
            let slots: Int
            switch layout {
            case .constant: (slots, slotOfStep) = (1, [Int32](repeating: 0, count: steps))
            case .monthly: (slots, slotOfStep) = (12, (0..<steps).map { Int32(($0 % 365) * 12 / 365) })
            case .dynamic: (slots, slotOfStep) = (steps, (0..<steps).map { Int32($0) })
            }
            var values = [Real](repeating: 0, count: slots * units)
            for u in 0..<units {
                let base = -2 + 4 * random.uniform()
                for s in 0..<slots {
                    // Time-varying slots wander around the unit's value.
                    let raw = slots == 1 ? base : base + 0.5 * Double.sin(Double(s) * 0.7 + Double(u))
                    values[s * units + u] = ParameterTransform.physical(Real(raw), parameter)
                }
            }
            out[parameter] = ParameterSeries(slots: slots, units: units, values: values, slotOfStep: slotOfStep)
        }
        return out
    }

    /// A whole problem: forcing, parameters and the default initial storages.
    public static func problem<Real: Real_>(cells: Int, steps: Int, components: Int = 1,
                                            layouts: [HBVParameter: TemporalLayout] = [:],
                                            configuration: HBVConfiguration? = nil, seed: UInt64 = 1) -> RunoffProblem<Real> {
        var config = configuration ?? HBVConfiguration()
        config.components = components
        return RunoffProblem(configuration: config, forcing: forcing(cells: cells, steps: steps, seed: seed),
                             parameters: parameters(units: cells * components, steps: steps, layouts: layouts, seed: seed &+ 1))
    }
}

