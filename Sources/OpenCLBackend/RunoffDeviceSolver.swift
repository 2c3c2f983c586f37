import DeviceTensor
import HydroModel

/// What every device-resident runoff solver offers (sequential and implicit), so tools such as
/// `hydrogpu bench runoff` and training loops drive either one the same way.
public protocol RunoffDeviceSolver: AnyObject {
    var data: RunoffDeviceData { get }
    var vectorWidth: Int { get }
    var plan: CheckpointPlan { get }
    /// Storages at the end of the run, `[storages][units]`.
    var finalStates: DeviceBuffer<Float> { get }
    /// Runoff per cell (mean over components), `[steps][cells]`.
    var cellRunoff: DeviceBuffer<Float> { get }
    /// The reverse-sweep buffers, allocated on first use.
    func reverse() throws(OpenCLRunoffError) -> SequentialRunoffSolver.ReverseSweepBuffers
    @discardableResult func forward(recordForAdjoint: Bool) throws(OpenCLRunoffError) -> RunoffLaunches
    @discardableResult func adjoint() throws(OpenCLRunoffError) -> RunoffLaunches
    func audit() throws(OpenCLRunoffError) -> WaterBalanceAudit
    /// Unit-steps of the last forward run whose solver did not converge (implicit Newton).
    func nonConvergedSteps() throws(OpenCLRunoffError) -> Int
}

extension SequentialRunoffSolver: RunoffDeviceSolver {
    /// An explicit step always completes.
    public func nonConvergedSteps() throws(OpenCLRunoffError) -> Int { 0 }
}
extension ImplicitRunoffSolver: RunoffDeviceSolver {}
