import Foundation
import HydroDomain
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a results folder (`flock` on `<folder>/.lock`), held while a run
/// writes there, so two runs never interleave their files. The file holds the holder's pid,
/// which the refusal names. The kernel drops the lock when the holder exits, however it exits
/// (SIGKILL included), so `--resume` after a kill finds the folder free.
public final class OutputFolderLock {
    public static let fileName = ".lock"
    public let folder: URL
    private var descriptor: Int32

    /// Takes the lock, creating the folder when needed; throws naming the holder when another
    /// process has it.
    public init(_ folder: URL) throws(InputError) {
        self.folder = folder
        try OutputFolderCheck.check(folder)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw InputError(file: folder.path, message: "cannot create the results folder: \(error.localizedDescription)")
        }
        let path = folder.appending(path: Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputError(file: path, message: "cannot open the results folder's lock file: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
            if reason == EWOULDBLOCK {
                throw InputError(file: folder.path, message: "the results folder is in use by another run (pid \(holder)); wait for it to end or choose another output folder")
            }
            throw InputError(file: path, message: "cannot lock the results folder: \(String(cString: strerror(reason)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    /// Releases the lock (also done when the lock is dropped, and by the kernel at exit).
    public func release() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
