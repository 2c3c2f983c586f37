import Foundation
import Testing

/// Runs the built `hydrogpu` binary as a user would, from a directory outside the package.
struct ExecutableTests {
    /// `hydrogpu` sits next to the test bundle in the build products folder.
    static let binary: URL = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [products, products.deletingLastPathComponent()]
        return candidates.map { $0.appending(path: "hydrogpu") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
            ?? products.appending(path: "hydrogpu")
    }()

    static func run(_ arguments: [String], in directory: String = "/tmp") throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static var hasOpenCLCPU: Bool {
        (try? run(["devices", "--json"]).stdout.contains("\"kind\" : \"cpu\"")) ?? false
    }

    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "looked for \(Self.binary.path)")
    }

    @Test func devicesJSONFromTmpListsTheDevices() throws {
        let result = try Self.run(["devices", "--json"])
        #expect(result.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let devices = report?["devices"] as? [[String: Any]]
        #expect(devices != nil)
        #expect((report?["autoChoice"] as? String)?.hasPrefix("auto:") == true)
        if ProcessInfo.processInfo.environment["CI"] != nil {
            // CI installs PoCL: its CPU device must be listed.
            #expect(devices?.contains { $0["kind"] as? String == "cpu" && ($0["platformName"] as? String)?.contains("Portable") == true } == true)
        }
    }

    @Test(.enabled(if: hasOpenCLCPU, "needs an OpenCL CPU device"))
    func kernelsBuildFromTmp() throws {
        let result = try Self.run(["kernels", "--device", "cpu-opencl"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("built tensor_ops"))
        #expect(result.stderr.contains("OpenCL CPU device requested"))
    }

    @Test func impossibleDeviceRequestFailsClearly() throws {
        let result = try Self.run(["kernels", "--device", "gpu"], in: "/tmp")
        if result.status == 0 { return }  // a machine with a GPU
        #expect(result.stderr.contains("no OpenCL GPU device found"))
        let bad = try Self.run(["kernels", "--device", "fpga"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("'fpga' is invalid for '--device"), "\(bad.stderr)")
    }
}
