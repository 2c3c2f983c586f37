/// Regular time steps: step `i` covers `[start + i*step, start + (i+1)*step)` in `calendar`.
///
/// Files label steps differently (smash exports by the step's end, mHM and CAMELS by its
/// start); readers turn labels into this one form so records align by dates.
public struct TimeAxis: Sendable, Equatable {
    public var calendar: CFCalendar
    /// Seconds from 0001-01-01 to the start of step 0.
    public var startSeconds: Int64
    public var stepSeconds: Int64
    public var count: Int

    public init(calendar: CFCalendar, start: CivilTime, stepSeconds: Int64, count: Int) {
        self.calendar = calendar
        self.startSeconds = calendar.seconds(of: start)
        self.stepSeconds = stepSeconds
        self.count = count
    }

    public init(calendar: CFCalendar, startSeconds: Int64, stepSeconds: Int64, count: Int) {
        self.calendar = calendar
        self.startSeconds = startSeconds
        self.stepSeconds = stepSeconds
        self.count = count
    }

    public var start: CivilTime { calendar.time(seconds: startSeconds) }
    /// End of the last step.
    public var end: CivilTime { calendar.time(seconds: startSeconds + Int64(count) * stepSeconds) }
    public var stepDays: Double { Double(stepSeconds) / 86_400 }

    public func stepStart(_ i: Int) -> CivilTime { calendar.time(seconds: startSeconds + Int64(i) * stepSeconds) }
    public func stepEnd(_ i: Int) -> CivilTime { calendar.time(seconds: startSeconds + Int64(i + 1) * stepSeconds) }

    /// The step starting exactly at `time`, or nil (off the grid of steps or outside).
    public func index(ofStepStartingAt time: CivilTime) -> Int? {
        let offset = calendar.seconds(of: time) - startSeconds
        guard offset >= 0, offset % stepSeconds == 0 else { return nil }
        let i = Int(offset / stepSeconds)
        return i < count ? i : nil
    }

    /// Steps lying within `[from, to]` (whole steps only).
    public func steps(from: CivilTime, to: CivilTime) -> Range<Int> {
        let a = calendar.seconds(of: from) - startSeconds
        let b = calendar.seconds(of: to) - startSeconds
        let first = max(0, Int((a + stepSeconds - 1).dividedRoundingDown(by: stepSeconds)))
        let last = min(count, Int(b.dividedRoundingDown(by: stepSeconds)))
        return first..<max(first, last)
    }

    /// Label of step `i` as the user sees it: its start for daily-or-longer steps, its end
    /// otherwise is ambiguous, so both ends are always given where precision matters.
    public func describe(_ i: Int) -> String { "\(i) (\(stepStart(i)) to \(stepEnd(i)))" }
}

extension Int64 {
    func dividedRoundingDown(by b: Int64) -> Int64 { self >= 0 ? self / b : -((-self + b - 1) / b) }
}
