import Foundation

/// The built-in Lez case carried inside the binary (`configs/lez.yaml` and `data/lez/`,
/// embedded at build time by the EmbedBuiltInCase plugin), so `hydrogpu train` runs from any
/// folder with the binary alone and `hydrogpu init` can write the case out.
public enum EmbeddedBuiltInCase {
    /// Path of the config among `files`, relative to the folder the files are written into.
    public static let configPath = "configs/lez.yaml"

    /// Every embedded file: path relative to the case folder (`configs/lez.yaml`, `data/lez/...`) and bytes.
    public static var files: [(path: String, contents: Data)] {
        encodedFiles.map { ($0.path, Data(base64Encoded: $0.base64, options: .ignoreUnknownCharacters)!) }
    }

    /// Writes the files under `folder` (created as needed), keeping their relative paths, so
    /// `folder/configs/lez.yaml` finds its data at `../data/lez`. Existing files are not
    /// replaced unless `overwrite`: the first one found is reported instead.
    /// - Returns: the written config's URL.
    @discardableResult
    public static func write(to folder: URL, overwrite: Bool = false) throws -> URL {
        let manager = FileManager.default
        let files = files
        if !overwrite, let clash = files.first(where: { manager.fileExists(atPath: folder.appending(path: $0.path).path) }) {
            throw EmbeddedCaseError(description: "\(folder.appending(path: clash.path).path) already exists; choose an empty folder")
        }
        for f in files {
            let url = folder.appending(path: f.path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try f.contents.write(to: url, options: .atomic)
        }
        return folder.appending(path: configPath)
    }
}

public struct EmbeddedCaseError: Error, CustomStringConvertible {
    public var description: String
}
