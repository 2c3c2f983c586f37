import Foundation
import Testing

/// Every command-line value is checked before a command runs: no precondition, no "missing
/// value" for a negative number, no Foundation error codes for a folder given as a file.
@Suite("Argument checks (binary)")
struct ArgumentCheckTests {
    static func refused(_ arguments: [String], _ fragment: String) throws {
        let result = try ExecutableTests.run(arguments)
        #expect(result.status == 64, "\(arguments): status \(result.status) (a crash is 132/133/134 or a signal): \(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
    }

    @Test func synthAndTwinSizesAreValidated() throws {
        let out = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-args-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        for command in ["synth", "twin"] {
            let output = command == "synth" ? ["--output", out] : []
            try Self.refused([command, "--rows", "0"] + output, "--rows: 0 rows: a synthetic catchment needs at least 3 x 3 cells")
            try Self.refused([command, "--rows", "-4"] + output, "--rows: -4 rows")
            try Self.refused([command, "--rows", "1", "--cols", "1"] + output, "--rows: 1 rows")
            try Self.refused([command, "--cols", "-1"] + output, "--cols: -1 columns")
            try Self.refused([command, "--days", "0"] + output, "--days: 0 days: a synthetic catchment needs at least 2 days")
            try Self.refused([command, "--days", "1"] + output, "--days: 1 days")
            try Self.refused([command, "--gauges", "0"] + output, "--gauges: 0 gauges: at least 1 (the outlet) is needed")
            try Self.refused([command, "--rows", "3", "--cols", "3", "--gauges", "12"] + output, "--gauges: 12 gauges on 3 x 3 cells")
        }
        try Self.refused(["twin", "--starts", "-1"], "--starts must be at least 0 (got -1)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// `--iterations -3` is a value, and a wrong one (before: "missing value for --iterations").
    @Test func negativeIterationsAreAClearError() throws {
        try Self.refused(["train", "--iterations", "-3", "--device", "reference"], "--iterations must be at least 0 (got -3)")
        try Self.refused(["check-gradient", "--cells", "-3"], "--cells must be at least 1 (got -3)")
        try Self.refused(["bench", "runoff", "--steps", "-3"], "--cells, --steps, --components and --repeats must be positive")
    }

    @Test func choicesAreEnumsListingTheirValues() throws {
        try Self.refused(["train", "--solver", "euler"], "'euler' is invalid for '--solver")
        try Self.refused(["train", "--optimizer", "sgd"], "'sgd' is invalid for '--optimizer")
        try Self.refused(["kernels", "--device", "fpga"], "'fpga' is invalid for '--device")
        try Self.refused(["synth", "--truth", "random", "--output", "/tmp/x"], "'random' is invalid for '--truth")
        try Self.refused(["check-gradient", "--layout", "weekly"], "'weekly' is invalid for '--layout")
        let help = try ExecutableTests.run(["train", "--help"])
        #expect(help.stdout.contains("sequential") && help.stdout.contains("implicit"))
    }

    /// A folder where a file is expected, and a file where a folder is expected.
    @Test func pathsOfTheWrongKindAreNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-args-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.refused(["validate", folder.path], "\(folder.path): is a directory, expected a file")
        try Self.refused(["train", folder.path, "--device", "reference"], "\(folder.path): is a directory, expected a file")
        try Self.refused(["simulate", folder.path], "\(folder.path): is a directory, expected a file")
        let file = folder.appending(path: "file.txt")
        try Data("x".utf8).write(to: file)
        try Self.refused(["evaluate", file.path], "\(file.path) is a file, expected a results folder")
        try Self.refused(["synth", "--output", file.path], "\(file.path): is a file, expected a results folder")
        let lez = LezRunFixture.repository.appending(path: "configs/lez.yaml").path
        try Self.refused(["train", lez, "--output", file.path], "--output: \(file.path): is a file, expected a results folder")
        try Self.refused(["simulate", lez, "--parameters", file.path], "--parameters: \(file.path) is a file, expected a results folder")
        // A forcing path in the config that names a folder.
        var fixture = try LezRunFixture()
        defer { fixture.remove() }
        fixture.replace("{file: \(LezRunFixture.repository.appending(path: "data/lez/forcing.nc").path), variable: prcp}", with: "{file: \(folder.path), variable: prcp}")
        let result = try ExecutableTests.run(["validate", try fixture.write().path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(folder.path): is a directory, expected a file"), "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
    }
}
