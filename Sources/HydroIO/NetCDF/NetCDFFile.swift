import CNetCDF
import Foundation
import HydroDomain

/// A netCDF file open for reading. Every failure is an `InputError` naming the file, the
/// variable or attribute, and netCDF's own reason.
public final class NetCDFFile {
    public let path: String
    private let id: Int32

    /// A variable's name, type and shape.
    public struct Variable: Sendable, Equatable {
        public var name: String
        fileprivate var id: Int32
        public var type: NetCDFType
        /// Dimension names, slowest-varying first.
        public var dimensions: [String]
        public var shape: [Int]
        public var count: Int { shape.reduce(1, *) }
    }

    public init(_ url: URL) throws(InputError) {
        path = url.path
        try InputFile.checkReadable(url)
        var ncid: Int32 = -1
        let path = url.path
        let status = NetCDFLibrary.locked { nc_open(path, NC_NOWRITE, &ncid) }
        guard status == NC_NOERR else {
            throw InputError(file: path, message: "cannot open as netCDF (\(NetCDFLibrary.message(status)); truncated or not a netCDF file?)")
        }
        id = ncid
        try checkClassicSize()
    }

    /// A classic-format file (CDF-1/2/5) cut short still opens, and reads past its end return
    /// zeros; so compare the file's size with what its variables need.
    private func checkClassicSize() throws(InputError) {
        let ncid = id
        var format: Int32 = 0
        var needed = 0
        NetCDFLibrary.locked {
            guard nc_inq_format(ncid, &format) == NC_NOERR,
                  format == NC_FORMAT_CLASSIC || format == NC_FORMAT_64BIT_OFFSET || format == NC_FORMAT_CDF5 else { return }
            var count: Int32 = 0
            guard nc_inq_nvars(ncid, &count) == NC_NOERR else { return }
            for v in 0..<count {
                var type: nc_type = 0
                var ndims: Int32 = 0
                var dimids = [Int32](repeating: 0, count: Int(NC_MAX_VAR_DIMS))
                guard nc_inq_var(ncid, v, nil, &type, &ndims, &dimids, nil) == NC_NOERR else { return }
                var size = 0
                guard nc_inq_type(ncid, type, nil, &size) == NC_NOERR else { return }
                for d in dimids.prefix(Int(ndims)) {
                    var length = 0
                    guard nc_inq_dimlen(ncid, d, &length) == NC_NOERR else { return }
                    // A corrupted header can declare sizes whose product overflows: more than any file holds.
                    let (product, overflow) = size.multipliedReportingOverflow(by: length)
                    guard !overflow else { needed = Int.max; return }
                    size = product
                }
                let (sum, overflow) = needed.addingReportingOverflow(size)
                guard !overflow else { needed = Int.max; return }
                needed = sum
            }
        }
        guard needed > 0, format != 0 else { return }
        let actual = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? Int.max
        if actual < needed {
            throw InputError(file: path, message: "file is \(actual) bytes but its variables need at least \(needed) (truncated file?)")
        }
    }

    deinit {
        let ncid = id
        NetCDFLibrary.locked { _ = nc_close(ncid) }
    }

    private func check(_ status: Int32, _ place: String?, _ what: String) throws(InputError) {
        guard status == NC_NOERR else {
            throw InputError(file: path, place: place, message: "\(what): \(NetCDFLibrary.message(status))")
        }
    }

    /// Names of all variables, in file order.
    public func variableNames() throws(InputError) -> [String] {
        let ncid = id
        var names: [String] = []
        let status: Int32 = NetCDFLibrary.locked {
            var count: Int32 = 0
            let s = nc_inq_nvars(ncid, &count)
            guard s == NC_NOERR else { return s }
            for v in 0..<count {
                var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                let s2 = nc_inq_varname(ncid, v, &buffer)
                guard s2 == NC_NOERR else { return s2 }
                names.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return NC_NOERR
        }
        try check(status, nil, "listing variables")
        return names
    }

    /// The variable called `name`; the error lists the variables the file has.
    public func variable(_ name: String) throws(InputError) -> Variable {
        let ncid = id
        var varid: Int32 = -1
        let found = NetCDFLibrary.locked { nc_inq_varid(ncid, name, &varid) }
        guard found == NC_NOERR else {
            let names = (try? variableNames())?.joined(separator: ", ") ?? "?"
            throw InputError(file: path, place: "variable '\(name)'", message: "no such variable (the file has: \(names))")
        }
        var type: nc_type = 0
        var ndims: Int32 = 0
        var dimids = [Int32](repeating: 0, count: Int(NC_MAX_VAR_DIMS))
        var dimNames: [String] = []
        var shape: [Int] = []
        let status: Int32 = NetCDFLibrary.locked {
            var s = nc_inq_var(ncid, varid, nil, &type, &ndims, &dimids, nil)
            guard s == NC_NOERR else { return s }
            for d in dimids.prefix(Int(ndims)) {
                var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                var length = 0
                s = nc_inq_dim(ncid, d, &buffer, &length)
                guard s == NC_NOERR else { return s }
                dimNames.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                shape.append(length)
            }
            return NC_NOERR
        }
        try check(status, "variable '\(name)'", "reading its definition")
        return Variable(name: name, id: varid, type: NetCDFType(type), dimensions: dimNames, shape: shape)
    }

    public func hasVariable(_ name: String) -> Bool {
        let ncid = id
        var varid: Int32 = -1
        return NetCDFLibrary.locked { nc_inq_varid(ncid, name, &varid) } == NC_NOERR
    }

    /// A text attribute of `variable` (nil: global), or nil when absent.
    public func textAttribute(_ name: String, of variable: Variable?) throws(InputError) -> String? {
        let ncid = id, varid = variable?.id ?? NC_GLOBAL
        var type: nc_type = 0
        var length = 0
        var text: String?
        let status: Int32 = NetCDFLibrary.locked {
            guard nc_inq_att(ncid, varid, name, &type, &length) == NC_NOERR else { return NC_NOERR }
            if type == NC_CHAR {
                var buffer = [UInt8](repeating: 0, count: length + 1)
                let s = buffer.withUnsafeMutableBytes { nc_get_att_text(ncid, varid, name, $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
                guard s == NC_NOERR else { return s }
                text = String(decoding: buffer.prefix(length).prefix { $0 != 0 }, as: UTF8.self)
            } else if type == NC_STRING, length >= 1 {
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: length)
                let s = nc_get_att_string(ncid, varid, name, &pointers)
                guard s == NC_NOERR else { return s }
                text = pointers[0].map { String(cString: $0) }
                _ = nc_free_string(length, &pointers)
            }
            return NC_NOERR
        }
        try check(status, "\(variable.map { "variable '\($0.name)', " } ?? "")attribute '\(name)'", "reading")
        return text?.trimmingCharacters(in: .whitespaces)
    }

    /// A numeric attribute of `variable` (nil: global) as doubles, or nil when absent or textual.
    public func numericAttribute(_ name: String, of variable: Variable?) throws(InputError) -> [Double]? {
        let ncid = id, varid = variable?.id ?? NC_GLOBAL
        var type: nc_type = 0
        var length = 0
        var values: [Double]?
        let status: Int32 = NetCDFLibrary.locked {
            guard nc_inq_att(ncid, varid, name, &type, &length) == NC_NOERR else { return NC_NOERR }
            guard NetCDFType(type).isNumeric, length > 0 else { return NC_NOERR }
            var buffer = [Double](repeating: 0, count: length)
            let s = nc_get_att_double(ncid, varid, name, &buffer)
            guard s == NC_NOERR else { return s }
            values = buffer
            return NC_NOERR
        }
        try check(status, "\(variable.map { "variable '\($0.name)', " } ?? "")attribute '\(name)'", "reading")
        return values
    }

    /// Reads the hyperslab `start..<start+count` of `variable` as doubles, in file (C) order,
    /// without applying scale, offset or fill values.
    public func readRaw(_ variable: Variable, start: [Int]? = nil, count: [Int]? = nil) throws(InputError) -> [Double] {
        guard variable.type.isNumeric else {
            throw InputError(file: path, place: "variable '\(variable.name)'", message: "is \(variable.type), not numeric")
        }
        let start = start ?? [Int](repeating: 0, count: variable.shape.count)
        let count = count ?? variable.shape
        var total = 1
        for n in count {
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            guard !overflow, n >= 0 else {
                throw InputError(file: path, place: "variable '\(variable.name)'", message: "shape \(count) is too large to read (corrupted file?)")
            }
            total = product
        }
        var values = [Double](repeating: 0, count: total)
        let ncid = id, varid = variable.id
        let status: Int32 = total == 0 ? NC_NOERR : NetCDFLibrary.locked {
            values.withUnsafeMutableBufferPointer { buffer in
                nc_get_vara_double(ncid, varid, start, count, buffer.baseAddress)
            }
        }
        try check(status, "variable '\(variable.name)'", "reading values (truncated file?)")
        return values
    }

    /// Reads a `char` variable `(n, length)` as `n` strings (NULs trimmed).
    public func readText(_ variable: Variable) throws(InputError) -> [String] {
        guard variable.type == .char, variable.shape.count == 2 else {
            throw InputError(file: path, place: "variable '\(variable.name)'", message: "is not a (n, length) char variable")
        }
        let n = variable.shape[0], length = variable.shape[1]
        var bytes = [UInt8](repeating: 0, count: n * length)
        let ncid = id, varid = variable.id
        let status = NetCDFLibrary.locked {
            bytes.withUnsafeMutableBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { nc_get_vara_text(ncid, varid, [0, 0], [n, length], $0.baseAddress) }
            }
        }
        try check(status, "variable '\(variable.name)'", "reading text")
        return (0..<n).map { i in String(decoding: bytes[(i * length)..<((i + 1) * length)].prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Reads `variable` as physical values: fill and missing values (and NaN) become NaN, then
    /// `scale_factor` and `add_offset` apply, as CF prescribes (fill compared on packed values).
    /// With `refuseUndeclaredNaN`, a NaN in a variable that declares a fill or missing value
    /// other than NaN is an error naming its index: missing data must be the declared value.
    public func readValues(_ variable: Variable, start: [Int]? = nil, count: [Int]? = nil,
                           refuseUndeclaredNaN: Bool = false) throws(InputError) -> [Double] {
        var values = try readRaw(variable, start: start, count: count)
        var fills = (try numericAttribute("_FillValue", of: variable) ?? []) + (try numericAttribute("missing_value", of: variable) ?? [])
        // Without a declared fill value, never-written values hold netCDF's default fill.
        if try numericAttribute("_FillValue", of: variable) == nil {
            switch variable.type {
            case .float: fills.append(Double(Float(NC_FILL_FLOAT)))
            case .double: fills.append(NC_FILL_DOUBLE)
            default: break
            }
        }
        let scale = try numericAttribute("scale_factor", of: variable)?.first ?? 1
        let offset = try numericAttribute("add_offset", of: variable)?.first ?? 0
        let validMin = try numericAttribute("valid_min", of: variable)?.first
        let validMax = try numericAttribute("valid_max", of: variable)?.first
        let range = try numericAttribute("valid_range", of: variable)
        let low = range.flatMap { $0.count == 2 ? $0[0] : nil } ?? validMin ?? -.infinity
        let high = range.flatMap { $0.count == 2 ? $0[1] : nil } ?? validMax ?? .infinity
        let declared = (try numericAttribute("_FillValue", of: variable) ?? []) + (try numericAttribute("missing_value", of: variable) ?? [])
        if refuseUndeclaredNaN, !declared.isEmpty, !declared.contains(where: \.isNaN), let bad = values.firstIndex(where: \.isNaN) {
            // The index in the variable's dimensions, e.g. (time 12, y 3, x 5).
            let shape = count ?? variable.shape, origin = start ?? [Int](repeating: 0, count: shape.count)
            var rest = bad, position = [Int](repeating: 0, count: shape.count)
            for d in shape.indices.reversed() { position[d] = origin[d] + rest % max(shape[d], 1); rest /= max(shape[d], 1) }
            let place = zip(variable.dimensions, position).map { "\($0) \($1)" }.joined(separator: ", ")
            throw InputError(file: path, place: "variable '\(variable.name)', \(place)",
                             message: "NaN is not its declared missing value (\(declared.map { $0.formatted(.number.grouping(.never)) }.joined(separator: ", "))): a missing value must be the fill value")
        }
        for i in values.indices {
            let raw = values[i]
            if raw.isNaN || fills.contains(raw) || raw < low || raw > high {
                values[i] = .nan
            } else {
                values[i] = raw * scale + offset
            }
        }
        return values
    }
}
