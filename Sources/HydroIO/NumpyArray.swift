import Foundation
import HydroDomain

/// A NumPy `.npy` array (format 1.0-3.0) of little-endian float32 or float64 in C order,
/// read into Double: enough to load δHBV / hydrodl2 reference arrays and forcing dumps.
public struct NumpyArray: Sendable, Equatable {
    public var shape: [Int]
    /// Values in C (row-major) order.
    public var values: [Double]

    public init(shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "shape must match the number of values")
        self.shape = shape
        self.values = values
    }

    public static func read(_ url: URL) throws -> NumpyArray {
        let data = try InputFile.read(url)
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Data, file: String) throws -> NumpyArray {
        let bytes = [UInt8](data)
        func fail(_ message: String) -> InputError { InputError(file: file, message: message) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw fail("not a .npy file (missing \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major)")
        }
        guard bytes.count >= headerStart + headerLength else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)

        guard let descr = field("descr", in: header) else { throw fail("header has no 'descr': \(header)") }
        let width: Int
        switch descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) {
        case "<f4": width = 4
        case "<f8": width = 8
        default: throw fail("dtype \(descr) not supported (need '<f4' or '<f8')")
        }
        if let order = field("fortran_order", in: header), order.hasPrefix("True") {
            throw fail("Fortran-order arrays are not supported")
        }
        guard let shapeText = field("shape", in: header) else { throw fail("header has no 'shape': \(header)") }
        let shape = try shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { text -> Int in
                guard let n = Int(text), n >= 0 else { throw fail("bad shape entry '\(text)'") }
                return n
            }
        let count = shape.reduce(1, *)
        let start = headerStart + headerLength
        guard bytes.count - start >= count * width else {
            throw fail("\(bytes.count - start) data bytes, shape \(shape) needs \(count * width)")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let offset = start + i * width
                if width == 4 {
                    values[i] = Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
                } else {
                    values[i] = Double(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
                }
            }
        }
        return NumpyArray(shape: shape, values: values)
    }

    /// The text after `'key':` up to the next top-level comma (tuples kept whole).
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var out = ""
        for ch in header[range.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if (ch == "," && depth == 0) || ch == "}" { break }
            out.append(ch)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
