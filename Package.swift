// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "HydroGPU",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hydrogpu", targets: ["HostRunner"]),
        .library(name: "HydroGPU", targets: ["HydroGPU"]),
        .library(name: "DeviceTensor", targets: ["DeviceTensor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // The thin C boundary: <CL/cl.h> at OpenCL 1.2, linked against the ICD loader.
        .systemLibrary(
            name: "COpenCL",
            pkgConfig: "OpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]
        ),
        // netCDF-C: CF forcing in, time series and fields out.
        .systemLibrary(
            name: "CNetCDF",
            pkgConfig: "netcdf",
            providers: [.apt(["libnetcdf-dev"])]
        ),
        // GDAL: static rasters (GeoTIFF, ESRI ASCII) in, parameter maps out.
        .systemLibrary(
            name: "CGDAL",
            pkgConfig: "gdal",
            providers: [.apt(["libgdal-dev"])]
        ),
        // Reads kernels/*.cl and kernels/*.h (and model/hbv.table) and writes them into Swift source files.
        .executableTarget(name: "KernelEmbedder", path: "Sources/KernelEmbedder"),
        .plugin(
            name: "EmbedKernels",
            capability: .buildTool(),
            dependencies: ["KernelEmbedder"],
            path: "Plugins/EmbedKernels"
        ),
        // Swift declarations of the model table (model/hbv.table) for the model core (HydroModel).
        .plugin(
            name: "GenerateModel",
            capability: .buildTool(),
            dependencies: ["KernelEmbedder"],
            path: "Plugins/GenerateModel"
        ),
        // The built-in Lez case (configs/lez.yaml, data/lez/), embedded at build time.
        .executableTarget(name: "CaseEmbedder", path: "Sources/CaseEmbedder"),
        .plugin(
            name: "EmbedBuiltInCase",
            capability: .buildTool(),
            dependencies: ["CaseEmbedder"],
            path: "Plugins/EmbedBuiltInCase"
        ),
        .target(name: "BuiltInCaseData", plugins: ["EmbedBuiltInCase"]),
        // The OpenCL C sources, embedded at build time, and their names.
        .target(name: "Kernels", plugins: ["EmbedKernels"]),
        // Swift ownership of OpenCL objects; knows nothing about hydrology.
        .target(name: "DeviceTensor", dependencies: ["COpenCL"]),
        // The model, in layers: a target may import only the targets listed as its dependencies,
        // so the compiler refuses an upward import and SwiftPM refuses a dependency cycle
        // (ARCHITECTURE.md, "Layers").
        // Layer 1. The model core: the table's declarations (generated), the runoff contract,
        // one operator per process and the sequential step that composes them.
        .target(name: "HydroModel", dependencies: [
            .product(name: "RealModule", package: "swift-numerics"),
        ], plugins: ["GenerateModel"]),
        // Layer 1. The grid: rasters, D8 flow directions, the drainage network, gauges, InputError.
        .target(name: "HydroDomain", dependencies: [
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Layer 2. Discharge losses and metrics.
        .target(name: "HydroObjectives", dependencies: [
            "HydroModel",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Layer 2. The regionalisation network (reference + OpenCL), descriptor normalisation.
        .target(name: "HydroRegionalisation", dependencies: [
            "HydroModel", "DeviceTensor", "Kernels",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Layer 2. D8 linear-reservoir routing (reference + OpenCL), gamma unit hydrograph.
        .target(name: "HydroRouting", dependencies: [
            "HydroModel", "HydroDomain", "DeviceTensor", "Kernels",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Layer 2. The plain-Swift runoff backend: sequential and implicit solvers with adjoints.
        .target(name: "ReferenceBackend", dependencies: [
            "HydroModel",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Layer 2. The OpenCL runoff backend: device-resident solvers for both formulations.
        .target(name: "OpenCLBackend", dependencies: ["HydroModel", "DeviceTensor", "Kernels"]),
        // Layer 3. Files in and out, the case configuration, the loaded case.
        .target(name: "HydroIO", dependencies: [
            "HydroModel", "HydroDomain", "HydroObjectives", "HydroRegionalisation", "HydroRouting", "CNetCDF", "CGDAL",
            .product(name: "RealModule", package: "swift-numerics"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // Layer 4. Calibration, synthetic cases and twin experiments, gradient checks, validation.
        .target(name: "HydroTraining", dependencies: [
            "HydroModel", "HydroDomain", "HydroObjectives", "HydroRegionalisation", "HydroRouting",
            "ReferenceBackend", "OpenCLBackend", "HydroIO", "DeviceTensor", "Kernels",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // The umbrella: re-exports every layer, so the CLI and the tests `import HydroGPU`.
        .target(name: "HydroGPU", dependencies: [
            "HydroModel", "HydroDomain", "HydroObjectives", "HydroRegionalisation", "HydroRouting",
            "ReferenceBackend", "OpenCLBackend", "HydroIO", "HydroTraining",
        ]),
        .executableTarget(
            name: "HostRunner",
            dependencies: [
                "HydroGPU", "DeviceTensor", "Kernels", "BuiltInCaseData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What several test targets share: the one OpenCL test device, central differences.
        .target(name: "TestSupport", dependencies: ["DeviceTensor"], path: "Tests/TestSupport"),
        .testTarget(name: "DeviceTensorTests", dependencies: ["DeviceTensor", "Kernels", "TestSupport"]),
        .testTarget(name: "HydroGPUTests", dependencies: ["HydroGPU", "DeviceTensor", "Kernels", "TestSupport"]),
        .testTarget(name: "HostRunnerTests", dependencies: ["HostRunner"]),
    ]
)
