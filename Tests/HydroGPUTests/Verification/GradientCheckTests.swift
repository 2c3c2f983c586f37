import DeviceTensor
import HydroGPU
import Testing
import TestSupport

/// `GradientCheck` on the reference (Double) for every solver and temporal layout; the OpenCL
/// comparison runs where a device exists (PoCL in CI).
struct GradientCheckTests {
    @Test(arguments: [HBVSolver.sequential, .implicit], [SyntheticRunoff.TemporalLayout.constant, .monthly, .dynamic])
    func adjointsPassTheModelTolerances(solver: HBVSolver, layout: SyntheticRunoff.TemporalLayout) throws {
        let report = try GradientCheck.run(solver: solver, layout: layout, cells: 4, steps: 60, device: TestDevice.shared)
        for row in report.rows {
            #expect(row.passed, "\(solver) \(layout) \(row.name): adjoint \(row.adjoint) FD \(row.finiteDifference) OpenCL \(row.openCL ?? .nan)")
        }
        // Most inputs must be exercised (non-zero) and smooth at this point, or the check proves little.
        #expect(report.rows.filter { $0.adjoint != 0 && $0.smooth }.count >= 14)
        if TestDevice.shared != nil {
            #expect(try #require(report.openCLForwardError) <= 1e-4)
            #expect(try #require(report.openCLGradientNormError) <= 1e-3)
        }
        #expect(report.passed)
    }
}
