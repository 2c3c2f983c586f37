import Foundation

/// The shipped Lez case copied into a temporary folder (absolute data paths) so a test can
/// change one thing and run `validate`, `train`, `simulate` on it.
struct LezRunFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let folder: URL
    var text: String

    /// The config without its calibration section, results into `folder/results`, and a
    /// training section of `training` (a YAML flow mapping's contents).
    init(training: String = "optimizer: lbfgs, iterations: 1, checkpoint_interval: 1, loss: nse") throws {
        folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var text = try String(contentsOf: Self.repository.appending(path: "configs/lez.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../data/lez", with: Self.repository.appending(path: "data/lez").path)
            .replacingOccurrences(of: "folder: ../results/lez", with: "folder: results")
        if let cut = text.range(of: "# Calibration (hydrogpu train") { text = String(text[..<cut.lowerBound]) }
        text += "training: {\(training)}\n"
        self.text = text
    }

    /// Replaces `old` (which must occur) in the config text.
    mutating func replace(_ old: String, with new: String) {
        precondition(text.contains(old), "fixture text has no '\(old)'")
        text = text.replacingOccurrences(of: old, with: new)
    }

    /// Writes the config as `name` and returns its path.
    func write(_ name: String = "lez.yaml") throws -> URL {
        let url = folder.appending(path: name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The 1-based line of the config holding `fragment`.
    func line(of fragment: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(fragment) } ?? -1) + 1
    }

    var results: URL { folder.appending(path: "results") }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
