import Foundation
import Testing

/// `hydrogpu simulate` without observations: points of interest (gauges without `observed`)
/// and a case without gauges (discharge at every outlet).
@Suite("Simulate without observations (binary)")
struct SimulateUngaugedTests {
    /// A column of a discharge.csv by its header name.
    static func column(_ name: String, of folder: URL) throws -> [String] {
        let lines = try String(contentsOf: folder.appending(path: "discharge.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        guard let k = header.firstIndex(where: { $0 == name }) else { return [] }
        return lines.dropFirst().map { String($0.split(separator: ",", omittingEmptySubsequences: false)[k]) }
    }

    @Test func pointsOfInterestAndOutlets() throws {
        let folder = try TrainCommandTests.temporaryFolder()
        let gauged = try TrainCommandTests.lezConfig(in: folder, iterations: 1)
        let text = try String(contentsOf: gauged, encoding: .utf8)
        // The shipped run, with observations.
        var r = try ExecutableTests.run(["simulate", gauged.path, "--device", "reference", "--output", folder.appending(path: "gauged").path])
        #expect(r.status == 0, "\(r.stderr)")
        // The same gauges as points of interest: no observations anywhere.
        let poi = folder.appending(path: "poi.yaml")
        try text.replacingOccurrences(of: #", observed: \{file: [^}]*\}"#, with: "", options: .regularExpression).write(to: poi, atomically: true, encoding: .utf8)
        #expect(!(try String(contentsOf: poi, encoding: .utf8)).contains("observed"))
        r = try ExecutableTests.run(["simulate", poi.path, "--device", "reference", "--output", folder.appending(path: "poi").path])
        #expect(r.status == 0, "\(r.stderr)")
        let simulated = try Self.column("Y3204040", of: folder.appending(path: "gauged"))
        let poiColumn = try Self.column("Y3204040", of: folder.appending(path: "poi"))
        #expect(simulated.count == 364 && simulated == poiColumn)
        // No gauges at all: discharge at the outlet, which is Y3204040's cell (row 26, column 12).
        let none = folder.appending(path: "none.yaml")
        try text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("- {id: Y32") }.joined(separator: "\n")
            .write(to: none, atomically: true, encoding: .utf8)
        r = try ExecutableTests.run(["simulate", none.path, "--device", "reference", "--output", folder.appending(path: "none").path])
        #expect(r.status == 0, "\(r.stderr)")
        let outlet = try Self.column("outlet_r26_c12", of: folder.appending(path: "none"))
        #expect(outlet == simulated)
        // train still needs observations, and says so.
        r = try ExecutableTests.run(["train", poi.path, "--device", "reference", "--iterations", "1", "--output", folder.appending(path: "t").path])
        #expect(r.status != 0 && r.stderr.contains("no gauge has observations to calibrate against"), "\(r.stderr)")
    }
}
