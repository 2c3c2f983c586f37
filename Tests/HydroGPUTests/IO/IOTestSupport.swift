import Foundation
import HydroGPU

/// Paths to the repository, its configs and the shared data, found from this file.
enum IOTestData {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repository.deletingLastPathComponent().appending(path: "shared/data")
    static var available: Bool { FileManager.default.fileExists(atPath: shared.appending(path: "cance/forcing.nc").path) }
    static func data(_ path: String) -> URL { shared.appending(path: path) }
    static func config(_ name: String) -> URL { repository.appending(path: "configs/\(name).yaml") }

    /// A fresh temporary folder.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-io-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Little-endian float32 file as doubles.
    static func float32(_ url: URL) throws -> [Double] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))) }
        }
    }
}
