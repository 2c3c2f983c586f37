import Foundation

/// Reads a whole text file, with an `InputError` naming it when that fails.
enum TextFile {
    static func lines(_ url: URL) throws(InputError) -> [Substring] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw InputError(file: url.path, message: "no such file") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw InputError(file: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }
}
