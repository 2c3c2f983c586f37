import DeviceTensor
import Kernels

/// The kernels of kernels/hbv_implicit.cl built for one device and vector width.
///
/// Built once per device, width and process (`ComputeDevice.program` caches by source and
/// options); kernel objects are per instance because setting arguments is not thread-safe.
final class ImplicitRunoffKernels {
    let vectorWidth: Int
    let forward: DeviceKernel
    let adjoint: DeviceKernel
    let componentMean: DeviceKernel
    let balanceReduce: DeviceKernel

    init(device: ComputeDevice, vectorWidth: Int) throws(OpenCLRunoffError) {
        try RunoffVectorWidth.validate(vectorWidth)
        self.vectorWidth = vectorWidth
        (forward, adjoint, componentMean, balanceReduce) = try onDevice { () throws(OpenCLError) in
            let program = try device.program(source: KernelSources.source(of: .hbvImplicit), options: "-DHYDRO_VW=\(vectorWidth)")
            return (try program.kernel("hbv_implicit_forward"), try program.kernel("hbv_implicit_adjoint"),
                    try program.kernel("runoff_component_mean"), try program.kernel("runoff_balance_reduce"))
        }
    }
}
