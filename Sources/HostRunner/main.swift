import ArgumentParser

HydroGPUCommand.main()
