import Foundation
import HydroDomain

/// Reads a whole text file, with an `InputError` naming it when that fails.
enum TextFile {
    static func lines(_ url: URL) throws(InputError) -> [Substring] {
        let data = try InputFile.read(url)
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }
}
