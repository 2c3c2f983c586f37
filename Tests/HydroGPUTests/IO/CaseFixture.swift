import Foundation
import HydroGPU

/// A copy of the shipped Lez case in a temporary folder, to break one thing at a time.
struct CaseFixture {
    let folder: URL
    var config: URL { folder.appending(path: "case.yaml") }

    /// The shipped lez config with its paths pointing into the fixture folder.
    static let baseConfig: String = {
        let text = (try? String(contentsOf: IOTestData.config("lez"), encoding: .utf8)) ?? ""
        return text.replacingOccurrences(of: "../data/lez/", with: "")
    }()

    init() throws {
        folder = IOTestData.temporaryFolder()
        let source = IOTestData.repository.appending(path: "data/lez")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appending(path: name), to: folder.appending(path: name))
        }
    }

    /// Writes `text` as the config and validates it.
    func validate(_ text: String) throws -> Result<CaseSummary, InputError> {
        try text.write(to: config, atomically: true, encoding: .utf8)
        return CaseValidation.validate(config)
    }

    /// The base config with `old` replaced by `new` (which must occur).
    func edited(_ old: String, _ new: String) -> String {
        precondition(Self.baseConfig.contains(old), "fixture edit: '\(old)' not in the lez config")
        return Self.baseConfig.replacingOccurrences(of: old, with: new)
    }

    /// Line number (1-based) of the first line of the config containing `text`.
    static func line(of text: String, in config: String) -> Int? {
        config.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) }.map { $0 + 1 }
    }

    /// Rewrites an ESRI ASCII grid of the fixture, changing the value at (row, column).
    func setCell(_ file: String, row: Int, column: Int, to value: String) throws {
        let url = folder.appending(path: file)
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var tokens = lines[6 + row].split(whereSeparator: \.isWhitespace).map(String.init)
        tokens[column] = value
        lines[6 + row] = tokens.joined(separator: " ")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }
}

extension Result where Failure == InputError {
    var error: InputError? { if case .failure(let e) = self { e } else { nil } }
}
