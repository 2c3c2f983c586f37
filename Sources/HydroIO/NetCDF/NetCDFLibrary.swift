import CNetCDF
import Foundation
import Synchronization

/// One lock for every netCDF-C call: the library (and the HDF5 build under it) is not
/// thread-safe, and Swift Testing runs suites in parallel.
enum NetCDFLibrary {
    private static let lock = Mutex<Void>(())

    static func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try lock.withLock { (_: inout Void) throws(E) -> T in try body() }
    }

    /// netCDF's own text for a status code ("NetCDF: Variable not found").
    static func message(_ status: Int32) -> String {
        String(cString: nc_strerror(status))
    }
}

/// A netCDF external type, as the wrappers need it.
public enum NetCDFType: Sendable, Equatable {
    case byte, char, short, int, float, double, unsignedByte, unsignedShort, unsignedInt, int64, unsignedInt64, string, other(Int32)

    init(_ code: nc_type) {
        switch code {
        case NC_BYTE: self = .byte
        case NC_CHAR: self = .char
        case NC_SHORT: self = .short
        case NC_INT: self = .int
        case NC_FLOAT: self = .float
        case NC_DOUBLE: self = .double
        case NC_UBYTE: self = .unsignedByte
        case NC_USHORT: self = .unsignedShort
        case NC_UINT: self = .unsignedInt
        case NC_INT64: self = .int64
        case NC_UINT64: self = .unsignedInt64
        case NC_STRING: self = .string
        default: self = .other(code)
        }
    }

    var code: nc_type {
        switch self {
        case .byte: NC_BYTE
        case .char: NC_CHAR
        case .short: NC_SHORT
        case .int: NC_INT
        case .float: NC_FLOAT
        case .double: NC_DOUBLE
        case .unsignedByte: NC_UBYTE
        case .unsignedShort: NC_USHORT
        case .unsignedInt: NC_UINT
        case .int64: NC_INT64
        case .unsignedInt64: NC_UINT64
        case .string: NC_STRING
        case .other(let c): c
        }
    }

    /// Whether values can be read as numbers.
    public var isNumeric: Bool {
        switch self {
        case .char, .string, .other: false
        default: true
        }
    }
}
