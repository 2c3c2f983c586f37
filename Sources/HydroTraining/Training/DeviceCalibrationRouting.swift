import DeviceTensor
import HydroRouting

/// The routing step of the calibration chain on the OpenCL device (Float), for cases routed by
/// D8 linear reservoirs: the counterpart of `CalibrationRouting` whose fields never leave the
/// device.
///
/// Forward: the runoff buffer the runoff solver left on the device (the runoff the units
/// deliver, after their runoff exchange) routed with `OpenCLLinearReservoirRouting`; only the
/// series at the loss's cells (gauges, pseudo-observed cells) are gathered on the device and
/// downloaded.
///
/// Adjoint: dL/dQ at those cells uploaded as the routing's gauge seed; the routing adjoint
/// writes dL/d(HBV runoff) straight into the buffer the runoff solver's reverse sweep reads
/// (`runoffAdjoint`), and what the free vector needs of the velocity gradient comes back: one
/// sum when uniform (reduced on the device in a fixed order), one value per cell when
/// distributed (the free vector has as many).
///
/// Per evaluation with gradient this moves velocity values up, the gathered
/// series down, their seeds up, and the routing block's gradient down: O(free values +
/// loss cells x steps), not O(cells x steps). One instance serves one step count; its
/// adjoint is that of its last forward (the buffers hold that run). Not thread-safe.
final class DeviceCalibrationRouting {
    let data: CalibrationData
    let setup: TrainingSetup
    let steps: Int
    let device: ComputeDevice
    private let routing: OpenCLLinearReservoirRouting<Float>
    private let initialStorage: DeviceBuffer<Float>
    private let discharge: DeviceBuffer<Float>
    private let finalStorage: DeviceBuffer<Float>
    private let velocityGradient: DeviceBuffer<Float>
    private let initialStorageGradient: DeviceBuffer<Float>
    /// One-value buffer the device sums of a uniform parameter's gradient go to.
    private let sum: DeviceBuffer<Float>
    /// The velocity of the last forward, as uploaded (1 value or one per cell).
    private var velocity: DeviceBuffer<Float>?
    /// Gathered series and their seeds, `[steps][loss cells]`, sized at the first use.
    private var gathered: DeviceBuffer<Float>?
    private var seed: DeviceBuffer<Float>?

    init(device: ComputeDevice, data: CalibrationData, setup: TrainingSetup, steps: Int) throws {
        precondition(setup.gamma == nil, "device routing is the D8 linear-reservoir routing; gamma cases route on the host")
        self.data = data
        self.setup = setup
        self.steps = steps
        self.device = device
        let n = data.cells
        routing = try OpenCLLinearReservoirRouting<Float>(device: device, network: data.network)
        initialStorage = try DeviceBuffer(device: device, shape: [n])
        try initialStorage.fill(0)
        discharge = try DeviceBuffer(device: device, shape: [steps, n])
        finalStorage = try DeviceBuffer(device: device, shape: [n])
        velocityGradient = try DeviceBuffer(device: device, shape: [n])
        initialStorageGradient = try DeviceBuffer(device: device, shape: [n])
        sum = try DeviceBuffer(device: device, shape: [1])
    }

    /// Discharge (m³/s) at `cells`, `[steps][cells.count]`, of HBV runoff `runoff` (mm per
    /// step, `[steps][cells]` on the device) and the routing of free vector `x`.
    func forward(runoff: DeviceBuffer<Float>, x: [Double], cells: [Int]) throws -> [Double] {
        let velocityValues = setup.velocity(x).values.map(Float.init)
        velocity = try upload(velocityValues, reusing: velocity)
        try routing.forward(steps: steps, stepSeconds: data.stepSeconds, runoff: runoff, velocity: velocity!,
                            initialStorage: initialStorage, discharge: discharge, finalStorage: finalStorage)
        let count = steps * cells.count
        if gathered?.count != count { gathered = try DeviceBuffer(device: device, shape: [steps, cells.count]) }
        try routing.gather(steps: steps, field: discharge, cells: cells, into: gathered!)
        return try gathered!.download().map(Double.init)
    }

    /// Runs the adjoint of the last forward for dL/dQ `seed` at `cells` (`[steps][cells.count]`):
    /// writes dL/d(HBV runoff) into `runoffAdjoint` (`[steps][cells]`, on the device) and returns
    /// dL/d(routing block) of the free vector, as `CalibrationRouting`.
    func adjoint(x: [Double], cells: [Int], seed seedValues: [Double], runoffAdjoint: DeviceBuffer<Float>) throws -> [Double] {
        guard let velocity else { throw RoutingError("device routing: adjoint asked before a forward run") }
        let count = steps * cells.count
        if seed?.count != count { seed = try DeviceBuffer(device: device, shape: [steps, cells.count]) }
        try seed!.upload(seedValues.map(Float.init))
        try routing.adjoint(steps: steps, stepSeconds: data.stepSeconds, velocity: velocity, discharge: discharge,
                            seed: .gauges(cells: cells, adjoint: seed!), runoffGradient: runoffAdjoint,
                            velocityGradient: velocityGradient, initialStorageGradient: initialStorageGradient)
        var free: [Double] = []
        if setup.fixedVelocity == nil {
            free += try reduced(velocityGradient, distributed: setup.distributedVelocity, derivatives: setup.velocity(x).derivatives)
        }
        return free
    }

    /// dL/d(free values) of a per-cell gradient: one per cell (distributed) or their sum
    /// (uniform, summed on the device), times d(physical)/d(free).
    private func reduced(_ perCell: DeviceBuffer<Float>, distributed: Bool, derivatives: [Double]) throws -> [Double] {
        if distributed {
            return zip(try perCell.download(), derivatives).map { Double($0) * $1 }
        }
        try routing.sum(perCell, into: sum)
        return [Double(try sum.download()[0]) * derivatives[0]]
    }

    private func upload(_ values: [Float], reusing buffer: DeviceBuffer<Float>?) throws -> DeviceBuffer<Float> {
        var target = buffer
        if target?.count != values.count { target = try DeviceBuffer<Float>(device: device, shape: [values.count]) }
        try target!.upload(values)
        return target!
    }
}
