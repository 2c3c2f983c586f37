import HydroDomain

/// Physical maxima of the water-depth forcing (config `forcing.limits`). A value above its
/// limit is an error naming the variable, the time index and the cell: such values come from
/// wrong units, a fill value not declared as such, or a corrupted file, never from weather.
public struct ForcingLimits: Sendable, Equatable {
    /// Largest precipitation accepted, mm per day. Default 2000: above the world's largest
    /// measured daily rainfall (1825 mm, La Réunion, 1966).
    public var precipitationMaxMmPerDay: Double = 2000
    /// Largest potential evapotranspiration accepted, mm per day. Default 30: about twice
    /// the highest daily open-water evaporation measured in hot deserts.
    public var petMaxMmPerDay: Double = 30

    public init(precipitationMaxMmPerDay: Double = 2000, petMaxMmPerDay: Double = 30) {
        self.precipitationMaxMmPerDay = precipitationMaxMmPerDay
        self.petMaxMmPerDay = petMaxMmPerDay
    }

    /// The most a step of `stepSeconds` may hold, mm, for a daily limit: the daily limit times
    /// the step in days, and for steps shorter than a day the daily limit itself (a day's
    /// record may fall in one hour).
    public static func perStep(_ mmPerDay: Double, stepSeconds: Int64) -> Double {
        mmPerDay * max(1, Double(stepSeconds) / 86_400)
    }
}

/// Checks of precipitation and PET on the model's cells: every value present is finite, not
/// negative and within the physical maximum per step; missing values (NaN) are left to the
/// `forcing.missing` policy. Magnitudes no climate has (a record averaging under 0.05 mm/day of
/// rain: precipitation in metres read as millimetres) are returned as warnings naming the variable.
enum ForcingPlausibility {
    /// The lowest mean daily precipitation of any climate a catchment model is run in
    /// (18 mm per year); below it the units are suspect.
    static let precipitationMinimumMeanMmPerDay = 0.05
    /// The same for PET (3.7 mm per year).
    static let petMinimumMeanMmPerDay = 0.01

    /// Throws at the first implausible value; returns warnings about magnitudes.
    /// `cellPlace` names a cell (row and column of the grid) for messages; `limitKey` is the
    /// config key that overrides the limit.
    static func check(_ f: ForcingField, maxMmPerDay: Double, limitKey: String, cellPlace: (Int) -> String) throws(InputError) -> [String] {
        let limit = ForcingLimits.perStep(maxMmPerDay, stepSeconds: f.time.stepSeconds)
        var bad: Int?
        var sum = 0.0, count = 0
        f.values.withUnsafeBufferPointer { v in
            for i in 0..<v.count {
                let x = v[i]
                if x.isNaN { continue }
                if !(x >= 0 && x <= limit) { bad = i; return }
                sum += x
                count += 1
            }
        }
        if let i = bad {
            let t = i / f.cells, x = f.values[i]
            let place = "time index \(t) (\(f.time.stepStart(t)) to \(f.time.stepEnd(t))), \(cellPlace(i % f.cells))"
            let why: String
            if !x.isFinite {
                why = "\(f.name) \(x) is not a finite value"
            } else if x < 0 {
                why = "negative \(f.name) \(x) mm"
            } else {
                why = "\(f.name) \(x) mm in one step of \(f.time.stepSeconds) s exceeds the physical maximum \(limit) mm (\(maxMmPerDay) mm/day; units wrong? override with \(limitKey))"
            }
            throw InputError(file: f.source, place: place, message: why)
        }
        guard count > 0, f.time.count * Int(f.time.stepSeconds) >= 30 * 86_400 else { return [] }
        let meanPerDay = sum / Double(count) / f.time.stepDays
        let minimum = f.name == "pet" ? petMinimumMeanMmPerDay : precipitationMinimumMeanMmPerDay
        if meanPerDay == 0 {
            return ["\(f.name) (\(f.source)) is zero at every step and cell"]
        }
        if meanPerDay < minimum {
            return ["\(f.name) (\(f.source)) averages \(meanPerDay.formatted(.number.precision(.significantDigits(3)))) mm/day, less than any climate's \(minimum) mm/day: are the units metres given as millimetres?"]
        }
        return []
    }
}

/// Missing forcing values against the `forcing.missing` policy, checked when the case is
/// loaded so that `validate` refuses what a run would: under `fail` any missing value; under
/// `interpolate` a cell with no value at all or a gap at the start or end of the record (there
/// is nothing on one side to interpolate from); `interpolate_extend` fills end gaps with the
/// nearest value.
enum MissingForcing {
    static func check(_ f: ForcingField, policy: MissingForcingPolicy, cellPlace: (Int) -> String) throws(InputError) {
        let steps = f.time.count, cells = f.cells
        switch policy {
        case .fail:
            guard let i = f.values.firstIndex(where: \.isNaN) else { return }
            let t = i / cells
            let all = !f.values.contains { !$0.isNaN }
            throw InputError(file: f.source, place: "time index \(t) (\(f.time.stepStart(t)) to \(f.time.stepEnd(t))), \(cellPlace(i % cells))",
                             message: all ? "\(f.name) is missing at every step and cell (all fill values)"
                                          : "\(f.name) is missing; set forcing.missing: interpolate to fill gaps in time")
        case .interpolate, .interpolateExtend:
            try f.values.withUnsafeBufferPointer { (v: UnsafeBufferPointer<Double>) throws(InputError) in
                for c in 0..<cells {
                    var first: Int?
                    for t in 0..<steps where !v[t * cells + c].isNaN { first = t; break }
                    guard let first else {
                        throw InputError(file: f.source, place: cellPlace(c), message: "\(f.name) has no value at any step")
                    }
                    guard policy == .interpolate else { continue }
                    if first > 0 {
                        throw InputError(file: f.source, place: "time index 0 (\(f.time.stepStart(0))), \(cellPlace(c))",
                                         message: "\(f.name) is missing from the start of the record to time index \(first - 1): a gap at an end has no value on one side to interpolate from (shorten time, or set forcing.missing: interpolate_extend to copy the nearest value)")
                    }
                    var last = steps - 1
                    while v[last * cells + c].isNaN { last -= 1 }
                    if last < steps - 1 {
                        throw InputError(file: f.source, place: "time index \(last + 1) (\(f.time.stepStart(last + 1))), \(cellPlace(c))",
                                         message: "\(f.name) is missing from time index \(last + 1) to the end of the record: a gap at an end has no value on one side to interpolate from (shorten time, or set forcing.missing: interpolate_extend to copy the nearest value)")
                    }
                }
            }
        }
    }
}
