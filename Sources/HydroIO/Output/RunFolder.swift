import Foundation
import HydroDomain

/// The id of the run whose results this process is writing (set by `RunFolder`): NetCDF
/// results carry it as the global attribute `run_id`; every file is bound to it by `run.json`.
public enum RunIdentity {
    nonisolated(unsafe) public static var current: String?
}

/// `run.json`: which run wrote a results folder, and the size and checksum of every file it
/// left there, so `evaluate` can tell a folder of one run from one mixing two.
public struct RunManifest: Codable, Sendable, Equatable {
    public struct FileRecord: Codable, Sendable, Equatable {
        public var bytes: Int
        public var fnv1a64: String
    }
    public static let fileName = "run.json"
    public var runID: String
    public var command: String
    public var finished: String
    /// Relative path -> size and checksum.
    public var files: [String: FileRecord]
}

/// A results folder while a run uses it (`train`, `simulate`):
///
/// - an advisory lock (`OutputFolderLock`): a second run on the folder is refused, naming the
///   holder's pid;
/// - temp files and staging folders left by a killed run are removed when the next run starts
///   (with or without `--resume`);
/// - results are written into a hidden staging folder (`stagingFolder`) and moved into place
///   by `commit` only once all of them are written: a run that fails (disk full, permission)
///   leaves the previous run's results as they were;
/// - `commit` first removes the previous run's results (the files its `run.json` lists, and
///   the known result names), so the folder never mixes the files of two runs, then writes
///   `run.json` with this run's id and each file's checksum.
///
/// `checkpoint.json` is written in the folder itself while training (resume needs it); it is
/// listed in `run.json` like the other files.
public final class RunFolder {
    public let url: URL
    public let runID: String
    public let stagingFolder: URL
    private let lock: OutputFolderLock
    /// Stale temp files and staging folders removed when the run started (relative paths).
    public private(set) var cleaned: [String] = []
    /// Files the previous run's run.json listed.
    private var previousFiles: Set<String> = []

    public init(_ url: URL) throws(InputError) {
        self.url = url
        lock = try OutputFolderLock(url)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        runID = "\(stamp)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        stagingFolder = url.appending(path: ".staging-\(runID)")
        RunIdentity.current = runID
        cleaned = removeStaleTemporaries()
        // What the previous run wrote is remembered so `commit` removes all of it; its run.json
        // stays until then, so a run that fails leaves the previous run whole (and a fresh
        // train that removed the old checkpoint leaves a folder `evaluate` calls incomplete).
        let manifest = url.appending(path: RunManifest.fileName)
        if let data = FileManager.default.contents(atPath: manifest.path), let previous = try? JSONDecoder().decode(RunManifest.self, from: data) {
            previousFiles = Set(previous.files.keys)
        }
    }

    /// Names of files a run writes into a results folder (hydrograph_*.svg and the maps folder
    /// by pattern); removed before a new run's results move in, even without a run.json.
    static func isKnownResult(_ relative: String) -> Bool {
        let name = (relative as NSString).lastPathComponent
        if relative.hasPrefix("maps/") || relative.contains("/maps/") { return name.hasSuffix(".tif") || name.hasSuffix(".svg") || name == "parameters.nc" }
        return ["metrics.json", "discharge.csv", "discharge.nc", "parameters.json", "fields.nc", "network.json", "checkpoint.json", "starts.csv", RunManifest.fileName].contains(name)
            || (["hydrograph_", "regime_", "fdc_"].contains { name.hasPrefix($0) } && name.hasSuffix(".svg"))
    }

    /// The folders a run owns: the folder, and its subfolders (case results of a multi-case
    /// run, `maps`) down to two levels, except hidden ones and those holding another run
    /// (their own `run.json` or `.lock`, e.g. `simulate/` inside a train folder).
    static func ownedFolders(_ root: URL) -> [URL] {
        var out = [root]
        var frontier = [root]
        for _ in 0..<2 {
            var next: [URL] = []
            for folder in frontier {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !name.hasPrefix(".") {
                    let sub = folder.appending(path: name)
                    var isFolder: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: sub.path, isDirectory: &isFolder), isFolder.boolValue else { continue }
                    let foreign = [RunManifest.fileName, OutputFolderLock.fileName].contains { FileManager.default.fileExists(atPath: sub.appending(path: $0).path) }
                    if !foreign { next.append(sub) }
                }
            }
            out += next
            frontier = next
        }
        return out
    }

    /// Non-hidden regular files in the owned folders, relative to `root`, sorted.
    static func ownedFiles(_ root: URL) -> [String] {
        let prefix = root.standardizedFileURL.path + "/"
        var files: [String] = []
        for folder in ownedFolders(root) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !name.hasPrefix(".") {
                let file = folder.appending(path: name)
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                files.append(String(file.standardizedFileURL.path.dropFirst(prefix.count)))
            }
        }
        return files.sorted()
    }

    private func removeStaleTemporaries() -> [String] {
        var removed: [String] = []
        for folder in Self.ownedFolders(url) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            where name.hasPrefix(".staging-") || (name.hasPrefix(".") && name.contains(".tmp-")) {
                if (try? FileManager.default.removeItem(at: folder.appending(path: name))) != nil { removed.append(name) }
            }
        }
        return removed
    }

    /// Moves the staged results into the folder, after removing the previous run's results,
    /// and writes `run.json`. `command` names what wrote them (train, simulate); `keep` names
    /// files this run wrote in the folder itself (train's checkpoints, `--starts` summary).
    public func commit(command: String, keep: (String) -> Bool = { _ in false }) throws(InputError) {
        let fm = FileManager.default
        let staged = FileManager.default.fileExists(atPath: stagingFolder.path) ? Self.ownedFiles(stagingFolder) : []
        // The previous run's files: those its run.json listed (read before it was removed, if
        // any survived) and every known result name; this run's checkpoint stays.
        for relative in Self.ownedFiles(url) where (Self.isKnownResult(relative) || previousFiles.contains(relative)) && !keep(relative) && !staged.contains(relative) {
            do { try fm.removeItem(at: url.appending(path: relative)) } catch {
                throw InputError(file: url.appending(path: relative).path, message: "cannot remove the previous run's result: \(error.localizedDescription)")
            }
        }
        for relative in staged {
            let target = url.appending(path: relative)
            do { try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
                throw InputError(file: target.deletingLastPathComponent().path, message: "cannot create: \(error.localizedDescription)")
            }
            guard rename(stagingFolder.appending(path: relative).path, target.path) == 0 else {
                throw InputError(file: target.path, message: "cannot move the result into place: \(String(cString: strerror(errno)))")
            }
        }
        try? fm.removeItem(at: stagingFolder)
        var files: [String: RunManifest.FileRecord] = [:]
        for relative in Self.ownedFiles(url) where relative != RunManifest.fileName {
            let h = try ContentHash.ofFile(url.appending(path: relative))
            files[relative] = .init(bytes: h.bytes, fnv1a64: h.hex)
        }
        let manifest = RunManifest(runID: runID, command: command, finished: ISO8601DateFormatter().string(from: Date()), files: files)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(manifest) } catch { throw InputError(file: url.path, message: "cannot encode run.json: \(error)") }
        try AtomicFile.write(data, to: url.appending(path: RunManifest.fileName))
    }

    /// Runs `write` on the staging folder; a failure is reported on the file's final path,
    /// saying that the previous results were left as they were.
    public func writing<T>(_ write: (URL) throws -> T) throws -> T {
        do { return try write(stagingFolder) } catch let error as InputError {
            var e = error
            e.file = e.file.replacingOccurrences(of: stagingFolder.path, with: url.path)
            e.message += " (the results in \(url.path) were left as they were)"
            throw e
        }
    }

    /// Drops the staged results of a failed run (the previous results stay as they were).
    public func abandon() {
        try? FileManager.default.removeItem(at: stagingFolder)
    }

    public func release() { lock.release() }

    /// Checks that `folder` holds the results of one run: every file `run.json` lists has its
    /// size and checksum, and no other result file is there. Returns the manifest; nil when
    /// the folder has no `run.json` (results from before run ids). Throws naming the file
    /// that does not belong.
    public static func verify(_ folder: URL) throws(InputError) -> RunManifest? {
        let file = folder.appending(path: RunManifest.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let manifest: RunManifest
        do { manifest = try JSONDecoder().decode(RunManifest.self, from: try InputFile.read(file)) } catch let error as InputError {
            throw error
        } catch {
            throw InputError(file: file.path, message: "not a run manifest: \(error)")
        }
        for (relative, record) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let path = folder.appending(path: relative)
            guard FileManager.default.fileExists(atPath: path.path) else {
                throw InputError(file: path.path, message: "listed in run.json (run \(manifest.runID)) but missing: the folder is incomplete")
            }
            let h = try ContentHash.ofFile(path)
            guard h.bytes == record.bytes, h.hex == record.fnv1a64 else {
                throw InputError(file: path.path, message: "differs from what run \(manifest.runID) wrote (size \(h.bytes) bytes, checksum \(h.hex); run.json: \(record.bytes) bytes, \(record.fnv1a64)): the folder mixes the files of two runs")
            }
        }
        for relative in ownedFiles(folder) where relative != RunManifest.fileName && manifest.files[relative] == nil && isKnownResult(relative) {
            throw InputError(file: folder.appending(path: relative).path, message: "not written by run \(manifest.runID) (not in run.json): the folder mixes the files of two runs")
        }
        return manifest
    }
}
