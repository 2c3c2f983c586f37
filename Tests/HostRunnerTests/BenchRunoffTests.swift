import Foundation
import Testing

/// `hydrogpu bench runoff` as a user runs it.
struct BenchRunoffTests {
    @Test func referenceReportsPositiveRatesInJSON() throws {
        let result = try ExecutableTests.run(["bench", "runoff", "--cells", "40", "--steps", "50", "--repeats", "1", "--device", "reference", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["backend"] as? String == "reference")
        #expect(report["cells"] as? Int == 40 && report["steps"] as? Int == 50)
        #expect((report["forwardCellStepsPerSecond"] as? Double ?? 0) > 0)
        #expect((report["gradientCellStepsPerSecond"] as? Double ?? 0) > 0)
        #expect((report["gradientPeakBytes"] as? Int ?? 0) > 0)
    }

    @Test(.enabled(if: ExecutableTests.hasOpenCLCPU, "needs an OpenCL CPU device"))
    func openCLReportsWidthCheckpointsAndDeviceTime() throws {
        let result = try ExecutableTests.run(["bench", "runoff", "--cells", "37", "--steps", "60", "--repeats", "1",
                                              "--device", "cpu-opencl", "--checkpoint-interval", "7", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["backend"] as? String == "opencl")
        #expect(report["checkpointInterval"] as? Int == 7)
        #expect([8, 16].contains(report["vectorWidth"] as? Int ?? 0))
        #expect((report["gradientDeviceSeconds"] as? Double ?? 0) > 0)
        // Storages for the reverse sweep: 9 checkpoints + 6 scratch rows of 5 x 37 floats, at least.
        #expect((report["gradientPeakBytes"] as? Int ?? 0) >= (9 + 6) * 5 * 37 * 4)
        #expect((report["waterBalanceRelativeError"] as? Double ?? 1) < 1e-4)
    }

    @Test func implicitSaysItIsNotBuilt() throws {
        let result = try ExecutableTests.run(["bench", "runoff", "--solver", "implicit", "--cells", "4", "--steps", "4", "--device", "reference"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("implicit solver is not built"))
        #expect(!result.stdout.contains("cell-steps/s"))
    }
}
