import DeviceTensor
import Kernels
import HydroModel

/// The kernels of one HBV solver's program (kernels/hbv_sequential.cl or hbv_implicit.cl),
/// built for one device and vector width, plus the output kernels both programs share
/// (runoff_outputs.h: component mean, water-balance reduction).
///
/// The program is built once per device, width and process (`ComputeDevice.program` caches
/// by source and options); kernel objects are per instance because setting arguments is not
/// thread-safe.
final class RunoffKernels {
    let vectorWidth: Int
    let forward: DeviceKernel
    let adjoint: DeviceKernel
    let componentMean: DeviceKernel
    let balanceReduce: DeviceKernel

    init(solver: HBVSolver, device: ComputeDevice, vectorWidth: Int) throws(OpenCLRunoffError) {
        try RunoffVectorWidth.validate(vectorWidth)
        self.vectorWidth = vectorWidth
        let (program, prefix): (KernelProgram, String) = switch solver {
        case .sequential: (.hbvSequential, "hbv_sequential")
        case .implicit: (.hbvImplicit, "hbv_implicit")
        }
        (forward, adjoint, componentMean, balanceReduce) = try onDevice { () throws(OpenCLError) in
            let built = try device.program(source: KernelSources.source(of: program), options: "-DHYDRO_VW=\(vectorWidth)")
            return (try built.kernel("\(prefix)_forward"), try built.kernel("\(prefix)_adjoint"),
                    try built.kernel("runoff_component_mean"), try built.kernel("runoff_balance_reduce"))
        }
    }
}
