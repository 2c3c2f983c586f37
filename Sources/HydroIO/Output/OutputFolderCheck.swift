import Foundation
import HydroDomain

/// Whether a results folder can be used, checked before a run starts (by `validate` as by
/// `train` and `simulate`), so a long calibration never ends unable to write its results.
public enum OutputFolderCheck {
    /// Throws unless `folder` is a writable folder or can be created: the nearest existing
    /// ancestor must be a folder this process may write into. `configFile`/`line` name where
    /// the folder was configured, when it was.
    public static func check(_ folder: URL, configFile: String? = nil, line: Int? = nil) throws(InputError) {
        func refuse(_ message: String) -> InputError {
            if let configFile { return InputError(file: configFile, line: line, place: "key 'output.folder'", message: "\(folder.path): \(message)") }
            return InputError(file: folder.path, message: message)
        }
        var candidate = folder.standardizedFileURL
        var isFolder: ObjCBool = false
        while !FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder) {
            let parent = candidate.deletingLastPathComponent()
            guard parent.path != candidate.path else { throw refuse("no existing folder above it") }
            candidate = parent
        }
        guard isFolder.boolValue else {
            throw refuse(candidate.path == folder.standardizedFileURL.path
                         ? "is a file, expected a results folder"
                         : "cannot be created: \(candidate.path) is a file, not a folder")
        }
        guard access(candidate.path, W_OK | X_OK) == 0 else {
            throw refuse(candidate.path == folder.standardizedFileURL.path
                         ? "is not writable (permission denied)"
                         : "cannot be created: \(candidate.path) is not writable (permission denied)")
        }
    }
}
