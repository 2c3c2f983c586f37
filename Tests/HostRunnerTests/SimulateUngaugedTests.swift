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
        let simulated = try Self.column("Y3204040_simulated", of: folder.appending(path: "gauged"))
        let poiColumn = try Self.column("Y3204040_simulated", of: folder.appending(path: "poi"))
        #expect(simulated.count == 364 && simulated == poiColumn)
        // No gauges at all: discharge at the outlet, which is Y3204040's cell (row 26, column 12).
        let none = folder.appending(path: "none.yaml")
        try text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("- {id: Y32") }.joined(separator: "\n")
            .write(to: none, atomically: true, encoding: .utf8)
        r = try ExecutableTests.run(["simulate", none.path, "--device", "reference", "--output", folder.appending(path: "none").path])
        #expect(r.status == 0, "\(r.stderr)")
        let outlet = try Self.column("outlet_r26_c12_simulated", of: folder.appending(path: "none"))
        #expect(outlet == simulated)
        // train still needs observations, and says so.
        r = try ExecutableTests.run(["train", poi.path, "--device", "reference", "--iterations", "1", "--output", folder.appending(path: "t").path])
        #expect(r.status != 0 && r.stderr.contains("no gauge has observations to calibrate against"), "\(r.stderr)")
    }
}

/// A Caravan folder of two basins (made from the CAMELS-US rows of 01022500 and 01547700) as a
/// multi-case config: one regionalisation network over both, descriptors from the attributes.
@Suite("Caravan multi-case (binary)")
struct CaravanMultiCaseTests {
    static let shared = TrainCommandTests.repository.deletingLastPathComponent().appending(path: "shared/data/camels-us")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shared.path), "needs ../shared/data"))
    func twoBasinsTrainJointly() throws {
        let root = try TrainCommandTests.temporaryFolder()
        var attributes = "gauge_id,gauge_lat,gauge_lon,area,p_mean\n"
        for (k, id) in ["01022500", "01547700"].enumerated() {
            let forcing = try String(contentsOf: Self.shared.appending(path: "basin_mean_forcing/daymet/\(id)_lump_cida_forcing_leap.txt"), encoding: .utf8)
                .split(separator: "\n")
            var csv = "date,total_precipitation_sum,temperature_2m_mean,potential_evaporation_sum,streamflow\n"
            for line in forcing.dropFirst(4) {
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                let t = (Double(f[8])! + Double(f[9])!) / 2
                // Streamflow: a damped copy of the rain is enough for the joint run to have a loss.
                csv += "\(f[0])-\(f[1])-\(f[2]),\(f[5]),\(t),2.0,\(0.5 + 0.3 * Double(f[5])!)\n"
            }
            let ts = root.appending(path: "timeseries/csv/camels/camels_\(id).csv")
            try FileManager.default.createDirectory(at: ts.deletingLastPathComponent(), withIntermediateDirectories: true)
            try csv.write(to: ts, atomically: true, encoding: .utf8)
            attributes += "camels_\(id),\(forcing[0].trimmingCharacters(in: .whitespaces)),-70,\(Double(forcing[2].trimmingCharacters(in: .whitespaces))! / 1e6),\(3.0 + Double(k))\n"
        }
        let attributesURL = root.appending(path: "attributes/camels/attributes_other_camels.csv")
        try FileManager.default.createDirectory(at: attributesURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try attributes.write(to: attributesURL, atomically: true, encoding: .utf8)
        try """
            time: {step: 1d, start: 2000-01-01, end: 2001-12-31}
            periods: {warmup: [2000-01-01, 2000-12-31], calibration: [2001-01-01, 2001-12-31]}
            model: {snow: true}
            parameters: {FC: {spatial: network}, BETA: {spatial: network}}

            """.write(to: root.appending(path: "basin.yaml"), atomically: true, encoding: .utf8)
        let multi = root.appending(path: "caravan.yaml")
        try """
            name: caravan-two
            caravan: {folder: ., source: camels}
            case: basin.yaml
            regionalisation: {descriptors: [p_mean, area], hidden: [4], seed: 1}
            training: {optimizer: adam, iterations: 1, loss: nse}
            output: {folder: results}

            """.write(to: multi, atomically: true, encoding: .utf8)
        let r = try ExecutableTests.run(["train", multi.path, "--device", "reference"])
        #expect(r.status == 0, "\(r.stderr)")
        for id in ["01022500", "01547700"] {
            #expect(FileManager.default.fileExists(atPath: root.appending(path: "results/camels_\(id)/discharge.csv").path), "\(id)")
        }
        #expect(FileManager.default.fileExists(atPath: root.appending(path: "results/network.json").path))
    }
}
