import COpenCL
import Testing
import DeviceTensor

/// The named statuses against the values of the OpenCL headers (an independent source).
@Suite struct OpenCLStatusTests {
    @Test func namedStatusesHaveTheHeaderValues() {
        let pairs: [(OpenCLStatus, Int32, String)] = [
            (.success, CL_SUCCESS, "CL_SUCCESS"),
            (.outOfResources, CL_OUT_OF_RESOURCES, "CL_OUT_OF_RESOURCES"),
            (.outOfHostMemory, CL_OUT_OF_HOST_MEMORY, "CL_OUT_OF_HOST_MEMORY"),
            (.memObjectAllocationFailure, CL_MEM_OBJECT_ALLOCATION_FAILURE, "CL_MEM_OBJECT_ALLOCATION_FAILURE"),
            (.buildProgramFailure, CL_BUILD_PROGRAM_FAILURE, "CL_BUILD_PROGRAM_FAILURE"),
            (.invalidArgSize, CL_INVALID_ARG_SIZE, "CL_INVALID_ARG_SIZE"),
            (.invalidKernelName, CL_INVALID_KERNEL_NAME, "CL_INVALID_KERNEL_NAME"),
            (.invalidWorkGroupSize, CL_INVALID_WORK_GROUP_SIZE, "CL_INVALID_WORK_GROUP_SIZE"),
            (.invalidBufferSize, CL_INVALID_BUFFER_SIZE, "CL_INVALID_BUFFER_SIZE"),
            (.invalidDevicePartitionCount, CL_INVALID_DEVICE_PARTITION_COUNT, "CL_INVALID_DEVICE_PARTITION_COUNT"),
        ]
        for (status, raw, name) in pairs {
            #expect(status.rawValue == raw, "\(name)")
            #expect(status.name == name)
            #expect(OpenCLError(call: "clTest", status: raw).code == status)
        }
    }

    @Test func unknownStatusKeepsItsValue() {
        let odd = OpenCLStatus(rawValue: -9999)
        #expect(odd.name == "CL_UNKNOWN_STATUS")
        #expect(odd.description == "CL_UNKNOWN_STATUS (-9999)")
        #expect(OpenCLError(call: "clTest", status: -9999).description.contains("CL_UNKNOWN_STATUS (-9999)"))
    }
}
