import Foundation
import Testing

/// `hydrogpu bench routing` run as a user would, on the Cance grid.
struct RoutingBenchCommandTests {
    static let cance = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appending(path: "shared/data/cance/flwdir_esri.asc")
    static var hasData: Bool { FileManager.default.fileExists(atPath: cance.path) }

    @Test(.enabled(if: hasData, "needs ../shared/data"))
    func reportsNetworkAndRoutingFigures() throws {
        let result = try ExecutableTests.run(["bench", "routing", "--grid", Self.cance.path, "--steps", "24", "--repeat", "1", "--device", "reference", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        // 28 x 28 cells, all with a direction; smash's longest chain (max flwpar) is 31 cells.
        #expect(report?["cells"] as? Int == 784)
        #expect(report?["levels"] as? Int == 31)
        #expect((report?["forwardSeconds"] as? Double ?? -1) > 0)
        #expect((report?["forwardGradientCellStepsPerSecond"] as? Double ?? -1) > 0)
        #expect((report?["massBalanceRelativeError"] as? Double ?? 1) < 1e-5)
    }

    @Test func missingGridIsAnError() throws {
        let result = try ExecutableTests.run(["bench", "routing", "--grid", "/nonexistent/d8.asc", "--network-only"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/d8.asc"))
    }
}
