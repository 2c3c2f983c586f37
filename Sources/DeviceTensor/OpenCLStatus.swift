import COpenCL

/// An OpenCL status as a named value a caller can match, as swift-system's `Errno`:
///
/// ```swift
/// do { try buffer.write(values) }
/// catch let error where error.code == .outOfResources { ... }
/// ```
///
/// Every OpenCL 1.2 status (plus the ICD loader's `CL_PLATFORM_NOT_FOUND_KHR`) has a static
/// constant; an unknown raw value is kept as it came and named `CL_UNKNOWN_STATUS`.
public struct OpenCLStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The symbolic OpenCL name, e.g. `CL_OUT_OF_RESOURCES`.
    public var name: String { Self.names[rawValue] ?? "CL_UNKNOWN_STATUS" }
    public var description: String { "\(name) (\(rawValue))" }

    public static let success = OpenCLStatus(rawValue: 0)
    public static let deviceNotFound = OpenCLStatus(rawValue: -1)
    public static let deviceNotAvailable = OpenCLStatus(rawValue: -2)
    public static let compilerNotAvailable = OpenCLStatus(rawValue: -3)
    public static let memObjectAllocationFailure = OpenCLStatus(rawValue: -4)
    public static let outOfResources = OpenCLStatus(rawValue: -5)
    public static let outOfHostMemory = OpenCLStatus(rawValue: -6)
    public static let profilingInfoNotAvailable = OpenCLStatus(rawValue: -7)
    public static let memCopyOverlap = OpenCLStatus(rawValue: -8)
    public static let imageFormatMismatch = OpenCLStatus(rawValue: -9)
    public static let imageFormatNotSupported = OpenCLStatus(rawValue: -10)
    public static let buildProgramFailure = OpenCLStatus(rawValue: -11)
    public static let mapFailure = OpenCLStatus(rawValue: -12)
    public static let misalignedSubBufferOffset = OpenCLStatus(rawValue: -13)
    public static let execStatusErrorForEventsInWaitList = OpenCLStatus(rawValue: -14)
    public static let compileProgramFailure = OpenCLStatus(rawValue: -15)
    public static let linkerNotAvailable = OpenCLStatus(rawValue: -16)
    public static let linkProgramFailure = OpenCLStatus(rawValue: -17)
    public static let devicePartitionFailed = OpenCLStatus(rawValue: -18)
    public static let kernelArgInfoNotAvailable = OpenCLStatus(rawValue: -19)
    public static let invalidValue = OpenCLStatus(rawValue: -30)
    public static let invalidDeviceType = OpenCLStatus(rawValue: -31)
    public static let invalidPlatform = OpenCLStatus(rawValue: -32)
    public static let invalidDevice = OpenCLStatus(rawValue: -33)
    public static let invalidContext = OpenCLStatus(rawValue: -34)
    public static let invalidQueueProperties = OpenCLStatus(rawValue: -35)
    public static let invalidCommandQueue = OpenCLStatus(rawValue: -36)
    public static let invalidHostPointer = OpenCLStatus(rawValue: -37)
    public static let invalidMemObject = OpenCLStatus(rawValue: -38)
    public static let invalidImageFormatDescriptor = OpenCLStatus(rawValue: -39)
    public static let invalidImageSize = OpenCLStatus(rawValue: -40)
    public static let invalidSampler = OpenCLStatus(rawValue: -41)
    public static let invalidBinary = OpenCLStatus(rawValue: -42)
    public static let invalidBuildOptions = OpenCLStatus(rawValue: -43)
    public static let invalidProgram = OpenCLStatus(rawValue: -44)
    public static let invalidProgramExecutable = OpenCLStatus(rawValue: -45)
    public static let invalidKernelName = OpenCLStatus(rawValue: -46)
    public static let invalidKernelDefinition = OpenCLStatus(rawValue: -47)
    public static let invalidKernel = OpenCLStatus(rawValue: -48)
    public static let invalidArgIndex = OpenCLStatus(rawValue: -49)
    public static let invalidArgValue = OpenCLStatus(rawValue: -50)
    public static let invalidArgSize = OpenCLStatus(rawValue: -51)
    public static let invalidKernelArgs = OpenCLStatus(rawValue: -52)
    public static let invalidWorkDimension = OpenCLStatus(rawValue: -53)
    public static let invalidWorkGroupSize = OpenCLStatus(rawValue: -54)
    public static let invalidWorkItemSize = OpenCLStatus(rawValue: -55)
    public static let invalidGlobalOffset = OpenCLStatus(rawValue: -56)
    public static let invalidEventWaitList = OpenCLStatus(rawValue: -57)
    public static let invalidEvent = OpenCLStatus(rawValue: -58)
    public static let invalidOperation = OpenCLStatus(rawValue: -59)
    public static let invalidGLObject = OpenCLStatus(rawValue: -60)
    public static let invalidBufferSize = OpenCLStatus(rawValue: -61)
    public static let invalidMipLevel = OpenCLStatus(rawValue: -62)
    public static let invalidGlobalWorkSize = OpenCLStatus(rawValue: -63)
    public static let invalidProperty = OpenCLStatus(rawValue: -64)
    public static let invalidImageDescriptor = OpenCLStatus(rawValue: -65)
    public static let invalidCompilerOptions = OpenCLStatus(rawValue: -66)
    public static let invalidLinkerOptions = OpenCLStatus(rawValue: -67)
    public static let invalidDevicePartitionCount = OpenCLStatus(rawValue: -68)
    public static let platformNotFound = OpenCLStatus(rawValue: -1001)

    private static let names: [Int32: String] = [
        0: "CL_SUCCESS", -1: "CL_DEVICE_NOT_FOUND", -2: "CL_DEVICE_NOT_AVAILABLE",
        -3: "CL_COMPILER_NOT_AVAILABLE", -4: "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        -5: "CL_OUT_OF_RESOURCES", -6: "CL_OUT_OF_HOST_MEMORY", -7: "CL_PROFILING_INFO_NOT_AVAILABLE",
        -8: "CL_MEM_COPY_OVERLAP", -9: "CL_IMAGE_FORMAT_MISMATCH", -10: "CL_IMAGE_FORMAT_NOT_SUPPORTED",
        -11: "CL_BUILD_PROGRAM_FAILURE", -12: "CL_MAP_FAILURE", -13: "CL_MISALIGNED_SUB_BUFFER_OFFSET",
        -14: "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST", -15: "CL_COMPILE_PROGRAM_FAILURE",
        -16: "CL_LINKER_NOT_AVAILABLE", -17: "CL_LINK_PROGRAM_FAILURE", -18: "CL_DEVICE_PARTITION_FAILED",
        -19: "CL_KERNEL_ARG_INFO_NOT_AVAILABLE", -30: "CL_INVALID_VALUE", -31: "CL_INVALID_DEVICE_TYPE",
        -32: "CL_INVALID_PLATFORM", -33: "CL_INVALID_DEVICE", -34: "CL_INVALID_CONTEXT",
        -35: "CL_INVALID_QUEUE_PROPERTIES", -36: "CL_INVALID_COMMAND_QUEUE", -37: "CL_INVALID_HOST_PTR",
        -38: "CL_INVALID_MEM_OBJECT", -39: "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR", -40: "CL_INVALID_IMAGE_SIZE",
        -41: "CL_INVALID_SAMPLER", -42: "CL_INVALID_BINARY", -43: "CL_INVALID_BUILD_OPTIONS",
        -44: "CL_INVALID_PROGRAM", -45: "CL_INVALID_PROGRAM_EXECUTABLE", -46: "CL_INVALID_KERNEL_NAME",
        -47: "CL_INVALID_KERNEL_DEFINITION", -48: "CL_INVALID_KERNEL", -49: "CL_INVALID_ARG_INDEX",
        -50: "CL_INVALID_ARG_VALUE", -51: "CL_INVALID_ARG_SIZE", -52: "CL_INVALID_KERNEL_ARGS",
        -53: "CL_INVALID_WORK_DIMENSION", -54: "CL_INVALID_WORK_GROUP_SIZE", -55: "CL_INVALID_WORK_ITEM_SIZE",
        -56: "CL_INVALID_GLOBAL_OFFSET", -57: "CL_INVALID_EVENT_WAIT_LIST", -58: "CL_INVALID_EVENT",
        -59: "CL_INVALID_OPERATION", -60: "CL_INVALID_GL_OBJECT", -61: "CL_INVALID_BUFFER_SIZE",
        -62: "CL_INVALID_MIP_LEVEL", -63: "CL_INVALID_GLOBAL_WORK_SIZE", -64: "CL_INVALID_PROPERTY",
        -65: "CL_INVALID_IMAGE_DESCRIPTOR", -66: "CL_INVALID_COMPILER_OPTIONS", -67: "CL_INVALID_LINKER_OPTIONS",
        -68: "CL_INVALID_DEVICE_PARTITION_COUNT", -1001: "CL_PLATFORM_NOT_FOUND_KHR",
    ]
}
