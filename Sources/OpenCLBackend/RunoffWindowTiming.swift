import DeviceTensor

/// The device commands one call enqueued, for timing from profiling events.
public struct RunoffLaunches {
    public var events: [DeviceEvent]

    /// Seconds the device spent executing the commands (waits for them).
    public func deviceSeconds() throws(OpenCLRunoffError) -> Double {
        var total = 0.0
        for event in events { total += try onDevice { () throws(OpenCLError) in try event.executionSeconds() } }
        return total
    }
}
