import HydroDomain

/// Checks of a NetCDF time coordinate beyond regular steps: its values strictly increase (a
/// duplicated, swapped or reversed time is refused naming the indices, even when time bounds
/// look fine), each value lies within its own bounds, and values and bounds agree on the step
/// (a 12-hour file whose bounds say daily is an error, not a daily record).
enum TimeCoordinateCheck {
    /// `values`: the time values in seconds of `calendar`; `bounds`: each step's `[start, end]`
    /// in seconds when the file has a bounds variable.
    static func check(values: [Int64], bounds: [(start: Int64, end: Int64)]?, calendar: CFCalendar,
                      file: String, timeName: String, boundsName: String?) throws(InputError) {
        func when(_ s: Int64) -> String { "\(calendar.time(seconds: s))" }
        for i in values.indices.dropFirst() {
            if values[i] == values[i - 1] {
                throw InputError(file: file, place: "variable '\(timeName)', indices \(i - 1) and \(i)",
                                 message: "the same time \(when(values[i])) twice (duplicated step?)")
            }
            if values[i] < values[i - 1] {
                throw InputError(file: file, place: "variable '\(timeName)', indices \(i - 1) and \(i)",
                                 message: "time goes back from \(when(values[i - 1])) to \(when(values[i])): times must increase (swapped or reversed steps?)")
            }
        }
        guard let bounds, let boundsName else { return }
        if values.count >= 2, let first = bounds.first {
            let valueStep = values[1] - values[0], boundsStep = first.end - first.start
            guard valueStep == boundsStep else {
                throw InputError(file: file, place: "variable '\(timeName)', indices 0 and 1",
                                 message: "time values are \(valueStep) s apart but '\(boundsName)' gives steps of \(boundsStep) s: the file's step is ambiguous")
            }
        }
        for (i, b) in bounds.enumerated() {
            guard b.start < b.end else {
                throw InputError(file: file, place: "variable '\(boundsName)', index \(i)",
                                 message: "bounds \(when(b.start)) to \(when(b.end)) do not increase")
            }
            let width = b.end - b.start, first = bounds[0].end - bounds[0].start
            guard width == first else {
                throw InputError(file: file, place: "variable '\(boundsName)', index \(i)",
                                 message: "bounds \(when(b.start)) to \(when(b.end)) span \(width) s where the first step spans \(first) s: steps must be regular")
            }
            guard values[i] >= b.start, values[i] <= b.end else {
                throw InputError(file: file, place: "variable '\(timeName)', index \(i)",
                                 message: "time \(when(values[i])) lies outside its bounds \(when(b.start)) to \(when(b.end)) in '\(boundsName)'")
            }
        }
    }
}
