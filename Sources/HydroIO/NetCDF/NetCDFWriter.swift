import CNetCDF
import Foundation
import HydroDomain

/// Writes a netCDF-4 file safely: the file is built in memory (netCDF's in-memory files, HDF5's
/// core driver), and `finish()` writes its bytes to a temporary file beside the destination,
/// checked like any other write, then renames it over the destination. HDF5 never writes to
/// the disk itself: a disk that fills while HDF5 flushes leaves a half-closed file in HDF5's
/// tables, which crashes the process at exit (SIGSEGV in H5F__close_cb), while a full disk
/// during the plain write is an ordinary error naming the file.
///
/// Usage: define dimensions, variables and attributes, then `write` values, then `finish()`.
public final class NetCDFWriter {
    public let destination: URL
    private let temporary: URL
    private var id: Int32 = -1
    private var open = false
    private var defining = true
    private var variables: [String: Int32] = [:]
    private var dimensions: [String: Int32] = [:]

    public init(_ url: URL) throws(InputError) {
        destination = url
        let folder = url.deletingLastPathComponent()
        temporary = folder.appending(path: ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw InputError(file: url.path, message: "cannot create folder: \(error.localizedDescription)")
        }
        var ncid: Int32 = -1
        let path = temporary.path
        let status = NetCDFLibrary.locked { nc_create_mem(path, NC_NETCDF4, 1 << 20, &ncid) }
        guard status == NC_NOERR else {
            throw InputError(file: url.path, message: "cannot create netCDF file: \(NetCDFLibrary.message(status))")
        }
        id = ncid
        open = true
    }

    deinit {
        if open {
            let ncid = id
            NetCDFLibrary.locked {
                var info = NC_memio()
                if nc_close_memio(ncid, &info) == NC_NOERR { free(info.memory) }
            }
        }
    }

    private func check(_ status: Int32, _ place: String, _ what: String) throws(InputError) {
        guard status == NC_NOERR else {
            throw InputError(file: destination.path, place: place, message: "\(what): \(NetCDFLibrary.message(status))")
        }
    }

    /// Defines a dimension; `length` nil makes it unlimited.
    public func defineDimension(_ name: String, length: Int?) throws(InputError) {
        var dimid: Int32 = -1
        let ncid = id
        let status = NetCDFLibrary.locked { nc_def_dim(ncid, name, length ?? 0, &dimid) }
        try check(status, "dimension '\(name)'", "defining")
        dimensions[name] = dimid
    }

    /// Defines a variable over named dimensions (compressed with deflate level 4).
    public func defineVariable(_ name: String, type: NetCDFType, dimensions names: [String]) throws(InputError) {
        var dimids: [Int32] = []
        for n in names {
            guard let d = dimensions[n] else {
                throw InputError(file: destination.path, place: "variable '\(name)'", message: "dimension '\(n)' is not defined")
            }
            dimids.append(d)
        }
        var varid: Int32 = -1
        let ncid = id
        let status: Int32 = NetCDFLibrary.locked {
            let s = nc_def_var(ncid, name, type.code, Int32(dimids.count), dimids, &varid)
            guard s == NC_NOERR, !dimids.isEmpty else { return s }
            return nc_def_var_deflate(ncid, varid, 1, 1, 4)
        }
        try check(status, "variable '\(name)'", "defining")
        variables[name] = varid
    }

    private func varid(_ variable: String?) throws(InputError) -> Int32 {
        guard let variable else { return NC_GLOBAL }
        guard let v = variables[variable] else {
            throw InputError(file: destination.path, place: "variable '\(variable)'", message: "not defined")
        }
        return v
    }

    /// Sets a text attribute on `variable` (nil: a global attribute).
    public func setAttribute(_ name: String, _ text: String, on variable: String? = nil) throws(InputError) {
        let v = try varid(variable), ncid = id
        let bytes = Array(text.utf8)
        let status = NetCDFLibrary.locked {
            bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { nc_put_att_text(ncid, v, name, b.count, $0.baseAddress) }
            }
        }
        try check(status, "attribute '\(name)'", "writing")
    }

    /// Sets a numeric attribute with the variable's own type (`type`), e.g. `_FillValue`.
    public func setAttribute(_ name: String, _ values: [Double], type: NetCDFType = .double, on variable: String? = nil) throws(InputError) {
        let v = try varid(variable), ncid = id
        let status = NetCDFLibrary.locked { nc_put_att_double(ncid, v, name, type.code, values.count, values) }
        try check(status, "attribute '\(name)'", "writing")
    }

    /// Writes `values` (C order) into `variable` at `start` with shape `count` (whole variable
    /// when both are nil); netCDF converts to the variable's type.
    public func write(_ variable: String, _ values: [Double], start: [Int]? = nil, count: [Int]? = nil) throws(InputError) {
        let v = try varid(variable), ncid = id
        try endDefinitions()
        var ndims: Int32 = 0
        try check(NetCDFLibrary.locked { nc_inq_varndims(ncid, v, &ndims) }, "variable '\(variable)'", "reading its rank")
        var shape = count ?? []
        if count == nil {
            // Whole variable: its current dimension lengths (an unlimited one takes all values).
            var dimids = [Int32](repeating: 0, count: Int(ndims))
            try check(NetCDFLibrary.locked { nc_inq_vardimid(ncid, v, &dimids) }, "variable '\(variable)'", "reading its dimensions")
            for d in dimids {
                var length = 0
                try check(NetCDFLibrary.locked { nc_inq_dimlen(ncid, d, &length) }, "variable '\(variable)'", "reading a dimension's length")
                shape.append(length)
            }
            if let first = shape.first, first == 0 {
                let rest = shape.dropFirst().reduce(1, *)
                shape[0] = rest == 0 ? 0 : values.count / rest
            }
        }
        let start = start ?? [Int](repeating: 0, count: shape.count)
        guard shape.reduce(1, *) == values.count else {
            throw InputError(file: destination.path, place: "variable '\(variable)'", message: "\(values.count) values for shape \(shape)")
        }
        let status = NetCDFLibrary.locked { nc_put_vara_double(ncid, v, start, shape, values) }
        try check(status, "variable '\(variable)'", "writing values")
    }

    /// Writes fixed-length names into a `char` variable `(n, length)`, padding with NULs.
    public func writeText(_ variable: String, _ texts: [String], length: Int) throws(InputError) {
        var bytes = [UInt8](repeating: 0, count: texts.count * length)
        for (i, t) in texts.enumerated() {
            for (k, b) in t.utf8.prefix(length).enumerated() { bytes[i * length + k] = b }
        }
        let v = try varid(variable), ncid = id
        try endDefinitions()
        let status = NetCDFLibrary.locked {
            bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { nc_put_vara_text(ncid, v, [0, 0], [texts.count, length], $0.baseAddress) }
            }
        }
        try check(status, "variable '\(variable)'", "writing text")
    }

    /// Leaves define mode before the first values are written, stamping the run id of the
    /// results folder being written (`RunIdentity`) as the global attribute `run_id`.
    private func endDefinitions() throws(InputError) {
        guard defining else { return }
        if let run = RunIdentity.current { try setAttribute("run_id", run) }
        let ncid = id
        try check(NetCDFLibrary.locked { nc_enddef(ncid) }, "header", "ending definitions")
        defining = false
    }

    /// Closes the file and renames it over the destination.
    public func finish() throws(InputError) {
        let ncid = id
        var info = NC_memio()
        let status = NetCDFLibrary.locked { nc_close_memio(ncid, &info) }
        open = false
        guard status == NC_NOERR, let memory = info.memory else {
            throw InputError(file: destination.path, message: "closing: \(NetCDFLibrary.message(status))")
        }
        let bytes = Data(bytesNoCopy: memory, count: info.size, deallocator: .free)
        do { try bytes.write(to: temporary) } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError(file: destination.path, message: "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw InputError(file: destination.path, message: "cannot rename the finished file into place: \(reason)")
        }
    }
}
