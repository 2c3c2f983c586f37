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
        // Swift declarations of the model table (model/hbv.table) for the model target.
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
        // The model: domain, forcing, parameters, solvers, adjoints, losses, training, I/O.
        .target(name: "HydroGPU", dependencies: [
            "DeviceTensor", "Kernels", "CNetCDF", "CGDAL",
            .product(name: "RealModule", package: "swift-numerics"),
            .product(name: "Yams", package: "Yams"),
        ], plugins: ["GenerateModel"]),
        .executableTarget(
            name: "HostRunner",
            dependencies: [
                "HydroGPU", "DeviceTensor", "Kernels", "BuiltInCaseData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DeviceTensorTests", dependencies: ["DeviceTensor", "Kernels"]),
        .testTarget(name: "HydroGPUTests", dependencies: ["HydroGPU", "DeviceTensor", "Kernels"]),
        .testTarget(name: "HostRunnerTests", dependencies: ["HostRunner"]),
    ]
)
