import Foundation
import HydroGPU
import Testing

/// Limits checked before the YAML parser runs: a deeply nested document would overflow the
/// stack inside the parser's recursive composer.
@Suite("YAML limits")
struct YAMLLimitTests {
    private let file = URL(fileURLWithPath: "/tmp/deep.yaml")

    @Test func deeplyNestedFlowListIsRefusedBeforeParsing() {
        let text = "name: deep\ndomain: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        let e = #expect(throws: InputError.self) { try CaseConfig.parse(text, file: file) }
        #expect(e?.file == file.path && e?.line == 2)
        // The `domain` mapping is one level, its brackets the other 100,000.
        #expect(e?.message == "nests 100001 levels deep; a configuration may nest at most 64 (refused before parsing)")
    }

    @Test func deeplyNestedBlockMappingIsRefused() {
        let text = "name: deep\n" + (0..<200).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n") + " 1\n"
        let e = #expect(throws: InputError.self) { try CaseConfig.parse(text, file: file) }
        #expect(e?.line == 2 + 64 && e?.message.hasPrefix("nests 65 levels deep") == true)
    }

    @Test func nestedSequencesOnOneLineAreRefused() {
        let text = "name: deep\ngauges:\n" + String(repeating: "- ", count: 500) + "x\n"
        let e = #expect(throws: InputError.self) { try CaseConfig.parse(text, file: file) }
        #expect(e?.line == 3 && e?.message.hasPrefix("nests 501 levels deep") == true)
    }

    @Test func oversizedConfigIsRefused() {
        let text = "name: big\n# " + String(repeating: "x", count: 1 << 20) + "\n"
        let e = #expect(throws: InputError.self) { try CaseConfig.parse(text, file: file) }
        #expect(e?.message.hasSuffix("bytes; a configuration may have at most 1048576 bytes") == true)
    }

    /// Brackets inside quotes and comments do not count; ten levels pass the limit and reach
    /// the config's own checks.
    @Test func ordinaryNestingPassesTheLimit() {
        let quoted = "name: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['  # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
        let nested = quoted + "domain: " + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "\n"
        let e = #expect(throws: InputError.self) { try CaseConfig.parse(nested, file: file) }
        #expect(e?.place == "key 'domain'" && e?.message.hasPrefix("expected a mapping") == true)
        // At the limit (63 brackets under one key) the parser itself copes.
        let deepest = "name: x\ndomain: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "\n"
        let d = #expect(throws: InputError.self) { try CaseConfig.parse(deepest, file: file) }
        #expect(d?.place == "key 'domain'" && d?.message.hasPrefix("expected a mapping") == true)
        // The shipped configs pass.
        for name in ["lez", "cance", "moselle", "camels-01022500", "lez-regionalised"] {
            #expect(throws: Never.self) { try CaseConfig.load(IOTestData.config(name)) }
        }
    }
}
