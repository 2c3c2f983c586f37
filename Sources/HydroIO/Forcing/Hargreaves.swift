import Foundation

/// Potential evapotranspiration by Hargreaves and Samani (FAO-56 eq. 52), for forcing that
/// gives daily minimum and maximum temperature but no PET.
///
///     ET0 = 0.0023 (Tmean + 17.8) sqrt(Tmax - Tmin) * 0.408 Ra      [mm/day]
///
/// with Tmean = (Tmax + Tmin)/2 and Ra the extraterrestrial radiation (MJ m⁻² day⁻¹, FAO-56
/// eq. 21); 0.408 converts MJ m⁻² to mm of evaporated water.
public enum Hargreaves {
    /// Solar constant, MJ m⁻² min⁻¹.
    public static let solarConstant = 0.0820

    /// Extraterrestrial radiation Ra (MJ m⁻² day⁻¹) at `latitude` degrees on day `dayOfYear`
    /// (1...366), FAO-56 eqs. 21 to 25. Polar day and night clamp the sunset hour angle.
    public static func extraterrestrialRadiation(latitude: Double, dayOfYear: Int) -> Double {
        let phi = latitude * .pi / 180
        let j = Double(dayOfYear)
        let dr = 1 + 0.033 * cos(2 * .pi * j / 365)                 // inverse relative Earth-Sun distance (23)
        let delta = 0.409 * sin(2 * .pi * j / 365 - 1.39)           // solar declination, rad (24)
        let x = min(1, max(-1, -tan(phi) * tan(delta)))
        let omega = acos(x)                                         // sunset hour angle, rad (25)
        let ra = 24 * 60 / Double.pi * solarConstant * dr
            * (omega * sin(phi) * sin(delta) + cos(phi) * cos(delta) * sin(omega))
        return max(0, ra)
    }

    /// Daily PET in mm/day. A day with Tmax < Tmin (data error) counts as no range; PET is
    /// never negative (very cold days give 0).
    public static func pet(minimumTemperature tmin: Double, maximumTemperature tmax: Double, latitude: Double, dayOfYear: Int) -> Double {
        let ra = extraterrestrialRadiation(latitude: latitude, dayOfYear: dayOfYear)
        let mean = (tmax + tmin) / 2
        let range = max(0, tmax - tmin)
        return max(0, 0.0023 * (mean + 17.8) * range.squareRoot() * 0.408 * ra)
    }

    /// PET in mm per step for each step of `time` (daily or finer: a day's PET spread evenly
    /// over its steps), from daily `tmin`/`tmax` series on the same axis. NaN where either is.
    public static func series(tmin: [Double], tmax: [Double], latitude: Double, time: TimeAxis) -> [Double] {
        (0..<time.count).map { i in
            guard !tmin[i].isNaN, !tmax[i].isNaN else { return .nan }
            let date = time.stepStart(i)
            let day = time.calendar.dayNumber(year: date.year, month: date.month, day: date.day)
                - time.calendar.dayNumber(year: date.year, month: 1, day: 1) + 1
            return pet(minimumTemperature: tmin[i], maximumTemperature: tmax[i], latitude: latitude, dayOfYear: day) * time.stepDays
        }
    }
}
