import Foundation
import Kernels
import Testing

/// Every typed launch description in Sources/ (`struct X: KernelArguments`) against the OpenCL C
/// signature of its kernel, read from the embedded kernel sources: its stored properties must be
/// the kernel's parameters, in order, named after them (snake_case in C, camelCase in Swift), and
/// its `arguments` must bind them in that same order. A parameter added to a kernel, or two
/// arguments swapped in the binding, fails here before any launch.
struct KernelArgumentsSignatureTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct Description {
        var file: String
        var type: String
        var kernel: String
        var properties: [String]
        var bound: [String]
    }

    /// The descriptions declared in Sources/, parsed from their text.
    static func descriptions() throws -> [Description] {
        var found: [Description] = []
        let sources = repository.appending(path: "Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        let header = #/(?m)^(?:package |public |private |fileprivate )?struct (\w+)(?:<[^>]*>)?: KernelArguments \{\n/#
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: header) {
                // The struct's body: up to the first line that closes it at column 0.
                let rest = text[match.range.upperBound...]
                let body = String(rest[..<(rest.range(of: "\n}")?.lowerBound ?? rest.endIndex)])
                let kernel = body.firstMatch(of: /kernelName: String \{ "(\w+)" \}/).map { String($0.1) } ?? ""
                let properties = body.matches(of: #/(?m)^    (?:package |public )?var (\w+): /#).map { String($0.1) }
                    .filter { $0 != "arguments" }
                let binding = body[(body.range(of: "var arguments")?.upperBound ?? body.endIndex)...]
                let bound = binding.matches(of: /\.(?:uint32|int32|float|double|real|buffer)\((\w+)\)|\.local\(bytes: (\w+)\.bytes\)/)
                    .map { String($0.1 ?? $0.2 ?? "") }
                found.append(Description(file: file.lastPathComponent, type: String(match.1), kernel: kernel,
                                         properties: properties, bound: bound))
            }
        }
        return found
    }

    /// The parameter names of `__kernel void name(...)` in whichever embedded program defines it.
    static func parameters(of kernel: String) -> [String]? {
        for program in KernelProgram.allCases {
            let source = KernelSources.source(of: program)
            guard let start = source.range(of: "__kernel void \(kernel)(") else { continue }
            let list = source[start.upperBound...].prefix { $0 != ")" }
            return list.split(separator: ",").map { parameter in
                String(parameter.split(whereSeparator: { " \n\t*".contains($0) }).last ?? "")
            }
        }
        return nil
    }

    static func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { out, c in out += c.isUppercase ? "_" + c.lowercased() : String(c) }
    }

    @Test func descriptionsMatchTheirKernelSignatures() throws {
        let all = try Self.descriptions()
        // The routing, perceptron and runoff kernels at least (one file each); more as launches move over.
        #expect(Set(all.map(\.kernel)).isSuperset(of: ["route_forward_level", "route_adjoint_level", "route_scale_runoff_adjoint",
                                                        "mlp_forward", "mlp_backward_partial", "mlp_sum_partials",
                                                        "hbv_sequential_forward", "hbv_sequential_adjoint",
                                                        "hbv_implicit_forward", "hbv_implicit_adjoint",
                                                        "runoff_component_mean", "runoff_balance_reduce",
                                                        "expand_parameter", "pull_back_partial", "pull_back_reduce"]))
        for d in all {
            let parameters = try #require(Self.parameters(of: d.kernel), "\(d.file): \(d.type) names kernel '\(d.kernel)', which no program defines")
            #expect(d.properties.map(Self.snakeCase) == parameters, "\(d.file): \(d.type) declares \(d.properties); \(d.kernel) takes \(parameters)")
            #expect(d.bound == d.properties, "\(d.file): \(d.type).arguments binds \(d.bound); its properties are \(d.properties)")
        }
    }

    @Test func snakeCaseOfPropertyNames() {
        #expect(Self.snakeCase("initialStorageAdjoint") == "initial_storage_adjoint")
        #expect(Self.snakeCase("dt") == "dt")
    }
}
