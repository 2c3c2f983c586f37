import Foundation
import HydroGPU
import Testing

/// `hydrogpu validate` on multi-case configs: every case checked, then the joint setup.
@Suite("Multi-case validation")
struct MultiCaseValidationTests {
    static let configs = IOTestData.repository.appending(path: "configs")

    /// A multi-case file in a temporary folder (cases named by absolute paths).
    static func write(_ text: String) throws -> URL {
        let url = IOTestData.temporaryFolder().appending(path: "joint.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func shippedLezCanceConfigValidates() throws {
        guard FileManager.default.fileExists(atPath: IOTestData.shared.appending(path: "cance/forcing.nc").path) else {
            print("skipped: ../shared/data/cance not found"); return
        }
        let summary = try CaseValidation.validateMultiCase(Self.configs.appending(path: "lez-cance-regionalised.yaml")).get()
        #expect(summary.cases.map(\.name) == ["lez-regionalised", "cance-regionalised"])
        #expect(summary.cases[0].activeCells == 172)
        #expect(summary.lines.contains("  active     172 cells, 172.0 km²"))
        // Weights 1 and 1 are each half the cost; the network reads slope and drainage density.
        #expect(summary.joint.contains { $0.hasPrefix("case       lez-regionalised: 0.500 of the cost") })
        #expect(summary.joint[0].contains("over slope, drainage_density"))
    }

    @Test func aDescriptorMissingFromTheCasesNamesTheMultiCaseLine() throws {
        let lez = Self.configs.appending(path: "lez-regionalised.yaml").path
        let url = try Self.write("name: two\ncases: [\(lez)]\nregionalisation:\n  descriptors: [slope, porosity]\n")
        let error = try #require(CaseValidation.validateMultiCase(url).error)
        #expect(error.file == url.path && error.line == 4, "\(error)")
        #expect(error.message.contains("no descriptor 'porosity'"), "\(error)")
    }

    @Test func aBrokenCaseInputNamesTheCaseFile() throws {
        let folder = IOTestData.temporaryFolder()
        let lez = try String(contentsOf: Self.configs.appending(path: "lez-regionalised.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../data/lez/", with: IOTestData.repository.appending(path: "data/lez").path + "/")
            .replacingOccurrences(of: "discharge.csv", with: "missing-discharge.csv")
        try lez.write(to: folder.appending(path: "lez-regionalised.yaml"), atomically: true, encoding: .utf8)
        let joint = folder.appending(path: "joint.yaml")
        try "name: two\ncases: [lez-regionalised.yaml]\nregionalisation: {descriptors: [slope]}\n".write(to: joint, atomically: true, encoding: .utf8)
        let error = try #require(CaseValidation.validateMultiCase(joint).error)
        #expect(error.file.hasSuffix("data/lez/missing-discharge.csv"), "\(error)")
    }
}
