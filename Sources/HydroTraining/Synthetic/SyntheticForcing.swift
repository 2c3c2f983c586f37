import HydroRegionalisation

/// Daily synthetic weather for a synthetic catchment: seasonal temperature with an elevation
/// lapse rate, storms that arrive as a seeded random process and cover the domain with a
/// spatial gradient, and Hargreaves-like seasonal PET. Time-major `[steps][cells]`.
public struct SyntheticForcing: Sendable {
    public var steps: Int
    public var precipitation: [Double]
    public var temperature: [Double]
    public var pet: [Double]

    /// - Parameters:
    ///   - elevation: per active cell (m), sets the temperature lapse (-6.5 °C/km).
    ///   - meanTemperature: annual mean at 500 m (°C); lower values give a snow season.
    public init(steps: Int, elevation: [Double], meanTemperature: Double = 8, seed: UInt64) {
        self.steps = steps
        let cells = elevation.count
        var rng = SeededGenerator(seed: seed)
        precipitation = [Double](repeating: 0, count: steps * cells)
        temperature = precipitation
        pet = precipitation
        let (lowest, highest) = (elevation.min() ?? 0, elevation.max() ?? 1)
        var stormDaysLeft = 0
        var stormDepth = 0.0
        for t in 0..<steps {
            let season = Double.cos(2 * .pi * (Double(t % 365) - 200) / 365)  // +1 in mid-July
            if stormDaysLeft == 0 && rng.uniform() < 0.12 {
                stormDaysLeft = 1 + Int(rng.uniform(0, 3))
                stormDepth = -8 * Double.log(max(rng.uniform(), 1e-12))  // exponential, mean 8 mm/d
            }
            let drizzle = rng.uniform() < 0.25 ? rng.uniform(0, 2) : 0
            let dayAnomaly = 2 * rng.normal()
            for cell in 0..<cells {
                let relief = highest > lowest ? (elevation[cell] - lowest) / (highest - lowest) : 0
                let i = t * cells + cell
                let rain = (stormDaysLeft > 0 ? stormDepth : 0) * (0.8 + 0.5 * relief) + drizzle
                precipitation[i] = rain
                temperature[i] = meanTemperature + 9 * season + dayAnomaly - 0.0065 * (elevation[cell] - 500)
                pet[i] = max(0, 2.2 + 1.8 * season - 0.8 * relief)
            }
            if stormDaysLeft > 0 { stormDaysLeft -= 1 }
        }
    }
}
