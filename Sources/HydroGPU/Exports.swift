// The umbrella module: `import HydroGPU` gives every layer, as before the split, so the CLI and
// the tests need not know which target a type lives in. Layers themselves never import this
// module (it depends on all of them); ARCHITECTURE.md, "Layers", says which may import which.
@_exported import HydroModel
@_exported import HydroDomain
@_exported import HydroObjectives
@_exported import HydroRegionalisation
@_exported import HydroRouting
@_exported import ReferenceBackend
@_exported import OpenCLBackend
@_exported import HydroIO
@_exported import HydroTraining
