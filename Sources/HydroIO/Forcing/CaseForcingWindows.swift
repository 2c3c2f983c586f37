import Foundation
import CNetCDF
import HydroDomain
import HydroModel

/// A case's forcing read a window of steps at a time (`NetCDFForcingWindow` per variable), with
/// the checks the whole-record loader runs (`CaseLoader`) applied to each window as it is read:
/// missing values (policy `fail`), values outside [0, physical maximum] for precipitation and
/// PET, implausible air temperatures. Places name the case's time index, not the window's.
///
/// Used by `simulate` when every forcing variable is a gridded NetCDF variable, PET is read from
/// a file and `forcing.missing` is `fail`; other cases (basin-mean text files, Hargreaves PET,
/// interpolation of gaps, which needs values beyond a window) are read whole as before.
public struct CaseForcingWindows: Sendable {
    public var precipitation: NetCDFForcingWindow
    /// Air temperature, nil when snow is off: the case has no snow process and reads no
    /// temperature file; its windows' temperature rows are 0 °C, which no operator of a
    /// snow-free run reads (see `HydroCase.hbvForcing`).
    public var temperature: NetCDFForcingWindow?
    public var pet: NetCDFForcingWindow
    public var time: TimeAxis
    public var limits: ForcingLimits
    /// "cell 3 (row 4, column 7)" for each model cell index, for messages.
    var grid: CaseGrid

    public var steps: Int { time.count }
    public var cells: Int { grid.cellCount }

    /// Forcing-grid cells read per step and variable (the domain's bounding box).
    public var slabCells: Int { precipitation.slabCells }

    /// The model forcing of case steps `range`.
    public func read(_ range: Range<Int>) throws(InputError) -> HBVForcing<Double> {
        let p = try precipitation.read(range)
        try check(p, precipitation, range, low: 0, high: ForcingLimits.perStep(limits.precipitationMaxMmPerDay, stepSeconds: time.stepSeconds),
                  what: "mm", limitKey: "forcing.limits.precipitation_max_mm_per_day")
        let e = try pet.read(range)
        try check(e, pet, range, low: 0, high: ForcingLimits.perStep(limits.petMaxMmPerDay, stepSeconds: time.stepSeconds),
                  what: "mm", limitKey: "forcing.limits.pet_max_mm_per_day")
        let t: [Double]
        if let temperature {
            t = try temperature.read(range)
            try check(t, temperature, range, low: -90, high: 60, what: "°C", limitKey: nil)
        } else {
            t = [Double](repeating: 0, count: range.count * cells)   // snow-free: not read by the model
        }
        return HBVForcing(steps: range.count, cells: cells, precipitation: p, temperature: t, pet: e)
    }

    /// The first missing or out-of-range value of a window, as an error naming the case's time
    /// index, its date and the cell's row and column.
    private func check(_ values: [Double], _ source: NetCDFForcingWindow, _ range: Range<Int>, low: Double, high: Double,
                       what: String, limitKey: String?) throws(InputError) {
        let bad: Int? = values.withUnsafeBufferPointer { v in
            for i in 0..<v.count where !(v[i] >= low && v[i] <= high) { return i }
            return nil
        }
        guard let i = bad else { return }
        let t = range.lowerBound + i / cells, c = i % cells, x = values[i]
        let flat = grid.activeCells[c]
        let place = "time index \(t) (\(time.stepStart(t)) to \(time.stepEnd(t))), cell \(c) (row \(flat / grid.columns), column \(flat % grid.columns))"
        let message: String
        if x.isNaN {
            message = "\(source.name) is missing; set forcing.missing: interpolate to fill gaps in time"
        } else if let limitKey {
            message = x < low ? "negative \(source.name) \(x) \(what)"
                : "\(source.name) \(x) \(what) in one step of \(time.stepSeconds) s exceeds the physical maximum \(high) \(what) (units wrong? override with \(limitKey))"
        } else {
            message = "\(source.name) \(x) \(what) is not a plausible air temperature (units wrong?)"
        }
        throw InputError(file: source.source, place: place, message: message)
    }
}
