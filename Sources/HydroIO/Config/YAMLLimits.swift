import HydroDomain

/// Limits checked on a config's text before the YAML parser sees it: the parser composes
/// nested nodes recursively, so a deeply nested document (`[[[[...`) would overflow the stack
/// inside it instead of ending in an error. Configs are small and shallow, so the limits are
/// far above any real one.
enum YAMLLimits {
    /// Largest config accepted, bytes.
    static let maximumBytes = 1 << 20
    /// Deepest nesting accepted (mappings, lists, flow brackets together). A case config needs 4.
    static let maximumDepth = 64

    /// Fails when `text` is too large or nests too deeply, naming the line where the limit is passed.
    static func check(_ text: String, file: String) throws(InputError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumBytes else {
            throw InputError(file: file, message: "\(bytes.count) bytes; a configuration may have at most \(maximumBytes) bytes")
        }
        // Block nesting: a stack of the indentations of open block levels; each `- ` or `? `
        // starting a line's content opens one more. Flow nesting: open brackets outside quotes
        // and comments, carried across lines.
        var indents: [Int] = []
        var flowDepth = 0
        var line = 1
        var i = 0
        let n = bytes.count
        while i < n {
            var indent = 0
            while i < n, bytes[i] == 0x20 { indent += 1; i += 1 }
            var blockIndicators = 0
            // Sequence and complex-key indicators at the start of the content nest further.
            while i + 1 < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "?"), bytes[i + 1] == 0x20 || bytes[i + 1] == 0x09 {
                blockIndicators += 1
                i += 2
                while i < n, bytes[i] == 0x20 { i += 1 }
            }
            let content = i < n && bytes[i] != 0x0A && bytes[i] != 0x0D && bytes[i] != UInt8(ascii: "#")
            if content || blockIndicators > 0, flowDepth == 0 {
                while let top = indents.last, top >= indent { indents.removeLast() }
                indents.append(indent)
            }
            var quote: UInt8 = 0
            var previous: UInt8 = 0x20
            var lineMaximum = flowDepth
            while i < n, bytes[i] != 0x0A {
                let b = bytes[i]
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == UInt8(ascii: "#"), previous == 0x20 || previous == 0x09 {
                    while i < n, bytes[i] != 0x0A { i += 1 }
                    break
                } else if b == UInt8(ascii: "\""), previous != UInt8(ascii: "\\") {
                    quote = b
                } else if b == UInt8(ascii: "'"), flowDepth > 0 || previous == 0x20 || previous == UInt8(ascii: ":") {
                    quote = b
                } else if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
                    flowDepth += 1
                    lineMaximum = max(lineMaximum, flowDepth)
                } else if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                    flowDepth = max(0, flowDepth - 1)
                }
                previous = b
                i += 1
            }
            let depth = indents.count + blockIndicators + lineMaximum
            if depth > maximumDepth {
                throw InputError(file: file, line: line,
                                 message: "nests \(depth) levels deep; a configuration may nest at most \(maximumDepth) (refused before parsing)")
            }
            i += 1
            line += 1
        }
    }
}
