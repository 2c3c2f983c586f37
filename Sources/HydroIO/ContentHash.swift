import Foundation
import HydroDomain

/// A 64-bit FNV-1a hash taken over 64-bit words (then the remaining bytes), as 16 hex digits:
/// the checksum of checkpoints and results files and the fingerprint of a case's inputs. Words
/// make it 8 times faster than bytewise FNV on forcing of gigabytes; each step (xor, multiply
/// by an odd prime) is a bijection of the state, so a single changed word always changes the
/// hash. It detects edits and mix-ups, not tampering.
public struct ContentHash: Sendable {
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var h = state
        let words = bytes.count / 8
        for i in 0..<words {
            h ^= bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            h &*= prime
        }
        for i in (words * 8)..<bytes.count {
            h ^= UInt64(bytes[i])
            h &*= prime
        }
        state = h
    }

    public mutating func add(_ data: Data) { data.withUnsafeBytes { add($0) } }
    public mutating func add(_ text: String) { add(Data(text.utf8)); add(Data([0])) }
    public mutating func add(_ values: [Double]) {
        var count = UInt64(values.count)
        withUnsafeBytes(of: &count) { add($0) }
        values.withUnsafeBytes { add($0) }
    }

    public var hex: String { String(format: "%016llx", state) }

    /// The hash of a file's bytes, read in 1 MiB pieces.
    public static func ofFile(_ url: URL) throws(InputError) -> (hex: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw InputError(file: url.path, message: "cannot open to checksum it") }
        defer { try? handle.close() }
        var hash = ContentHash(), total = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw InputError(file: url.path, message: "cannot read to checksum it: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            hash.add(chunk)
            total += chunk.count
        }
        return (hash.hex, total)
    }
}
