import Foundation
import HydroDomain

/// Opening a named input file, with the reason in words when it cannot be: missing, a folder
/// where a file was expected, or unreadable (instead of Foundation's "error 256").
public enum InputFile {
    /// Throws unless `url` names an existing file (not a folder) this process may read.
    public static func checkReadable(_ url: URL) throws(InputError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw InputError(file: url.path, message: "no such file")
        }
        guard !isFolder.boolValue else { throw InputError(file: url.path, message: "is a directory, expected a file") }
        guard access(url.path, R_OK) == 0 else { throw InputError(file: url.path, message: "cannot read: permission denied") }
    }

    /// The bytes of the file at `url`, after `checkReadable`.
    public static func read(_ url: URL) throws(InputError) -> Data {
        try checkReadable(url)
        do { return try Data(contentsOf: url) } catch {
            throw InputError(file: url.path, message: "cannot read: \(error.localizedDescription)")
        }
    }

    /// The text of the UTF-8 file at `url`, after `checkReadable`.
    public static func readText(_ url: URL) throws(InputError) -> String {
        let data = try read(url)
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(file: url.path, message: "is not UTF-8 text") }
        return text
    }
}
