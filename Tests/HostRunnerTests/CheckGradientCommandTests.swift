import Foundation
import Testing

struct CheckGradientCommandTests {
    @Test func jsonReportAndExitStatus() throws {
        let result = try ExecutableTests.run(["check-gradient", "--solver", "sequential", "--cells", "3", "--steps", "40", "--device", "reference", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["passed"] as? Bool == true)
        let rows = report?["rows"] as? [[String: Any]]
        #expect(rows?.count == 21)  // 16 parameters (the processes on by default) + 5 initial storages
    }

    @Test func badOptionsAreErrors() throws {
        let result = try ExecutableTests.run(["check-gradient", "--solver", "explicit"])
        #expect(result.status != 0)
        // The solver is an enum the parser checks, listing the valid values.
        #expect(result.stderr.contains("'explicit' is invalid for '--solver <solver>'. Please provide one of 'sequential' and 'implicit'"), "\(result.stderr)")
    }
}
