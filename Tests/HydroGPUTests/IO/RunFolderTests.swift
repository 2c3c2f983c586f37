import Foundation
import Testing
import HydroGPU

/// Results-folder safety in the library: lock, directory-as-file, creatable folders, synthetic sizes.
@Suite("Run folder and input paths")
struct RunFolderTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-runfolder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// flock is per open file: a second lock in this process is refused like another process's.
    @Test func secondLockIsRefusedNamingThePid() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try OutputFolderLock(folder)
        #expect { _ = try OutputFolderLock(folder) } throws: { error in
            "\(error)" == "\(folder.path): the results folder is in use by another run (pid \(getpid())); wait for it to end or choose another output folder"
        }
        first.release()
        _ = try OutputFolderLock(folder)
    }

    @Test func aFolderGivenAsAFileIsNamed() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect { _ = try CaseConfig.load(folder) } throws: { error in "\(error)" == "\(folder.path): is a directory, expected a file" }
        #expect { _ = try EsriAsciiGrid.read(folder) } throws: { error in "\(error)" == "\(folder.path): is a directory, expected an ESRI ASCII grid file" }
        #expect { _ = try NetCDFFile(folder) } throws: { error in "\(error)" == "\(folder.path): is a directory, expected a file" }
        let missing = folder.appending(path: "nothing.yaml")
        #expect { _ = try CaseConfig.load(missing) } throws: { error in "\(error)" == "\(missing.path): no such file" }
    }

    @Test func outputFolderCheckNamesTheBlockingFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try OutputFolderCheck.check(folder.appending(path: "a/b/c"))
        let file = folder.appending(path: "file")
        try Data().write(to: file)
        #expect { try OutputFolderCheck.check(file) } throws: { error in "\(error)" == "\(file.path): is a file, expected a results folder" }
        #expect { try OutputFolderCheck.check(file.appending(path: "x/y")) } throws: { error in
            "\(error)".hasSuffix("cannot be created: \(file.path) is a file, not a folder")
        }
    }

    /// Sizes the terrain generator, forcing and gauges cannot take, and a size beyond memory.
    @Test func syntheticOptionsAreCheckedBeforeBuilding() throws {
        func refusal(_ rows: Int, _ columns: Int, _ days: Int, _ gauges: Int, memory: UInt64 = 1 << 34) -> String {
            do { try SyntheticCatchment.Options(rows: rows, columns: columns, days: days, gauges: gauges, seed: 1).check(physicalMemory: memory); return "" } catch {
                return error.description
            }
        }
        #expect(refusal(1, 1, 10, 1).hasPrefix("--rows: 1 rows"))
        #expect(refusal(0, 5, 10, 1).hasPrefix("--rows: 0 rows"))
        #expect(refusal(5, -2, 10, 1).hasPrefix("--cols: -2 columns"))
        #expect(refusal(5, 5, 1, 1).hasPrefix("--days: 1 days"))
        #expect(refusal(5, 5, 0, 1).hasPrefix("--days: 0 days"))
        #expect(refusal(5, 5, 10, 0).hasPrefix("--gauges: 0 gauges"))
        #expect(refusal(3, 3, 10, 10).hasPrefix("--gauges: 10 gauges on 3 x 3 cells"))
        // 4000 x 4000 cells x 3650 days x 5 arrays x 8 bytes = 2.1 TiB, over half of 16 GiB.
        #expect(refusal(4000, 4000, 3650, 4).contains("needs about 2175.6 GiB"))
        #expect(refusal(3, 3, 2, 1) == "")
    }

    /// The case's arrays estimated against a memory limit before the forcing is read.
    @Test func memoryEstimateRefusesWithTheEstimate() throws {
        try MemoryEstimate.check(cells: 1000, steps: 1000, what: "the case's forcing and model arrays", file: "case.yaml")
        do {
            try MemoryEstimate.check(cells: 1 << 20, steps: 1 << 20, what: "the case's forcing and model arrays", file: "case.yaml")
            Issue.record("8 TiB x 10 accepted")
        } catch {
            #expect(error.description.hasPrefix("case.yaml: the case's forcing and model arrays for 1048576 cells x 1048576 steps needs about 81920.0 GiB"), "\(error)")
        }
    }
}
