import DeviceTensor
import Kernels
import HydroModel

/// The kernels of one HBV solver's program (kernels/hbv_sequential.cl or hbv_implicit.cl),
/// built for one device and vector width, plus the output kernels both programs share
/// (runoff_outputs.h: component mean, water-balance reduction).
///
/// The program is built once per device, width, solver and (sequential) specialisation
/// (`ComputeDevice.program` caches by source and options); kernel objects are per instance
/// because setting arguments is not thread-safe.
final class RunoffKernels {
    let vectorWidth: Int
    let forward: DeviceKernel
    let adjoint: DeviceKernel
    let componentMean: DeviceKernel
    let balanceReduce: DeviceKernel

    /// - Parameter specialisation: build-time defines of the problem (`specialisationDefines`),
    ///   empty for a program that serves any problem.
    init(solver: HBVSolver, device: ComputeDevice, vectorWidth: Int, specialisation: String = "") throws(OpenCLRunoffError) {
        try RunoffVectorWidth.validate(vectorWidth)
        self.vectorWidth = vectorWidth
        let (program, prefix): (KernelProgram, String) = switch solver {
        case .sequential: (.hbvSequential, "hbv_sequential")
        case .implicit: (.hbvImplicit, "hbv_implicit")
        }
        (forward, adjoint, componentMean, balanceReduce) = try onDevice { () throws(OpenCLError) in
            let built = try device.program(source: KernelSources.source(of: program), options: "-DHYDRO_VW=\(vectorWidth)" + specialisation)
            return (try built.kernel("\(prefix)_forward"), try built.kernel("\(prefix)_adjoint"),
                    try built.kernel("runoff_component_mean"), try built.kernel("runoff_balance_reduce"))
        }
    }

    /// The defines that build the sequential program for one problem (kernels/hbv_specialisation.h):
    /// its `options` word and the parameters it gives as constants, so that processes that are
    /// off and parameters it does not give cost the kernels nothing (no load, no gradient
    /// register or store). The problem's results are those of the unspecialised program.
    static func specialisationDefines(options: Int32, given: Set<HBVParameter>, layout: StateLayout) -> String {
        let mask = given.reduce(UInt64(0)) { $0 | 1 << UInt64($1.rawValue) }
        return " -DHBV_BUILD_OPTIONS=\(options) -DHBV_GIVEN_PARAMETERS=0x\(String(mask, radix: 16))ul" + layout.openCLDefine
    }
}
