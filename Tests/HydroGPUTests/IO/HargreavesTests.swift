import Foundation
import HydroGPU
import Testing

@Suite("Hargreaves PET")
struct HargreavesTests {
    /// FAO-56 example 8: 3 September (J = 246) at 20° S gives Ra = 32.2 MJ m⁻² day⁻¹.
    @Test func extraterrestrialRadiationMatchesFAO56Example8() {
        let ra = Hargreaves.extraterrestrialRadiation(latitude: -20, dayOfYear: 246)
        #expect(abs(ra - 32.2) < 0.05)
    }

    /// A hand-computed day: latitude 45° N, 15 July (J = 196), Tmin 15 °C, Tmax 29 °C.
    ///
    ///     φ  = 45 π/180                       = 0.785398 rad
    ///     2πJ/365                             = 3.373984
    ///     dr = 1 + 0.033 cos(3.373984)        = 1 + 0.033 (-0.973118) = 0.967887
    ///     δ  = 0.409 sin(3.373984 - 1.39)     = 0.409 sin(1.983984) = 0.409 (0.915845) = 0.374581 rad
    ///     ωs = acos(-tan φ tan δ)             = acos(-1 (0.393142)) = 1.974843 rad
    ///     Ra = 24 60/π 0.0820 dr [ωs sin φ sin δ + cos φ cos δ sin ωs]
    ///        = 37.58603 (0.967887) [1.974843 (0.707107)(0.365882) + (0.707107)(0.930661)(0.919478)]
    ///        = 36.37903 [0.510927 + 0.605087] = 36.37903 (1.116014) = 40.5995 MJ m⁻² day⁻¹
    ///     ET0 = 0.0023 (22 + 17.8) sqrt(14) 0.408 Ra = 0.0023 (39.8)(3.741657)(0.408)(40.5995)
    ///         = 5.6736 mm/day
    @Test func handComputedDay() {
        let ra = Hargreaves.extraterrestrialRadiation(latitude: 45, dayOfYear: 196)
        #expect(abs(ra - 40.5995) < 1e-3)
        let pet = Hargreaves.pet(minimumTemperature: 15, maximumTemperature: 29, latitude: 45, dayOfYear: 196)
        #expect(abs(pet - 5.6736) < 2e-4)
    }

    @Test func coldOrInvertedDaysGiveNoNegativePET() {
        #expect(Hargreaves.pet(minimumTemperature: -40, maximumTemperature: -25, latitude: 60, dayOfYear: 10) == 0)
        #expect(Hargreaves.pet(minimumTemperature: 10, maximumTemperature: 5, latitude: 45, dayOfYear: 100) == 0)
        // Polar night: no radiation at all.
        #expect(Hargreaves.extraterrestrialRadiation(latitude: 80, dayOfYear: 355) == 0)
    }
}
