import Foundation
import Testing

/// `hydrogpu bench runoff --solver implicit` as a user runs it.
struct BenchRunoffImplicitTests {
    @Test func implicitReferenceReportsRatesAndAClosedBalance() throws {
        let result = try ExecutableTests.run(["bench", "runoff", "--solver", "implicit", "--cells", "20", "--steps", "30",
                                              "--repeats", "1", "--device", "reference", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["solver"] as? String == "implicit")
        #expect(report["backend"] as? String == "reference")
        #expect((report["forwardCellStepsPerSecond"] as? Double ?? 0) > 0)
        #expect((report["gradientCellStepsPerSecond"] as? Double ?? 0) > 0)
        // Float Newton tolerance 1e-4 mm per step over 30 steps, relative to tens of mm of rain.
        #expect((report["waterBalanceRelativeError"] as? Double ?? 1) < 1e-3)
    }
}
