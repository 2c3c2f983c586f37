import ArgumentParser
import Foundation
import HydroGPU

/// Paths given on the command line, checked before a command runs so a folder given as a
/// file (or the reverse) is named in words.
enum OutputPath {
    /// `path` (an option such as `--output`) must be a folder that exists or can be created.
    static func checkFolder(_ path: String?, option: String) throws {
        guard let path else { return }
        do { try OutputFolderCheck.check(URL(fileURLWithPath: path)) } catch {
            throw ValidationError("\(option): \(error)")
        }
    }
}

enum InputPath {
    /// `path` must be an existing, readable file (not a folder).
    static func checkFile(_ path: String?, what: String) throws {
        guard let path else { return }
        do { try InputFile.checkReadable(URL(fileURLWithPath: path)) } catch {
            throw ValidationError("\(what): \(error)")
        }
    }

    /// `path` must be an existing folder (a results folder, for `--parameters`, `--initial`, `evaluate`).
    static func checkFolder(_ path: String?, what: String) throws {
        guard let path else { return }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ValidationError("\(what): \(path): no such folder")
        }
        guard isFolder.boolValue else { throw ValidationError("\(what): \(path) is a file, expected a results folder") }
    }
}
