import Foundation
import Testing

/// `hydrogpu validate` as a user runs it, from /tmp.
@Suite("Validate command (binary)")
struct ValidateCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func shippedLezCaseValidates() throws {
        let result = try ExecutableTests.run(["validate", Self.repository.appending(path: "configs/lez.yaml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("grid       27 rows x 14 columns"))
        #expect(result.stdout.contains("active     172 cells, 172.0 km²"))
        #expect(result.stdout.contains("gauge      Y3204040 at row 26, column 12, declared area 169.0 km²"))
        #expect(result.stdout.hasSuffix("ok\n"))
    }

    @Test func unknownKeyFailsWithFileLineAndKey() throws {
        let folder = try Self.temporaryFolder()
        let config = folder.appending(path: "bad.yaml")
        try "name: x\ndomain:\n  lumped: {area_km2: 5}\ntime: {step: 1d}\nforcing:\n  precipitation: {file: p.txt, variable: prcp}\n  pet: {file: p.txt, variable: pet}\n  rainfall: 3\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let result = try ExecutableTests.run(["validate", config.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(config.path), line 8, key 'forcing.rainfall': unknown key 'rainfall'"))
        #expect(result.stdout.isEmpty)
    }

    @Test func truncatedForcingAndEmptyConfigFailCleanly() throws {
        let folder = try Self.temporaryFolder()
        let lez = Self.repository.appending(path: "data/lez")
        for name in try FileManager.default.contentsOfDirectory(atPath: lez.path) {
            try FileManager.default.copyItem(at: lez.appending(path: name), to: folder.appending(path: name))
        }
        let forcing = folder.appending(path: "forcing.nc")
        let data = try Data(contentsOf: forcing)
        try data.prefix(4096).write(to: forcing)
        let text = try String(contentsOf: Self.repository.appending(path: "configs/lez.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../data/lez/", with: "")
        let config = folder.appending(path: "lez.yaml")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let result = try ExecutableTests.run(["validate", config.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(forcing.path): "))
        #expect(result.stderr.contains("truncated"))

        let empty = folder.appending(path: "empty.yaml")
        try "".write(to: empty, atomically: true, encoding: .utf8)
        let second = try ExecutableTests.run(["validate", empty.path])
        #expect(second.status == 1)
        #expect(second.stderr == "error: \(empty.path): empty configuration\n")
    }

    @Test func multiCaseConfigValidatesEveryCase() throws {
        guard FileManager.default.fileExists(atPath: Self.repository.deletingLastPathComponent().appending(path: "shared/data/cance/forcing.nc").path) else {
            print("skipped: ../shared/data/cance not found"); return
        }
        let result = try ExecutableTests.run(["validate", Self.repository.appending(path: "configs/lez-cance-regionalised.yaml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("multi-case lez-cance-regionalised: 2 cases\n  case lez-regionalised\n"))
        #expect(result.stdout.contains("  case cance-regionalised\n"))
        #expect(result.stdout.contains("network    [2, 16, 9]"))
        #expect(result.stdout.hasSuffix("ok\n"))
    }
}
