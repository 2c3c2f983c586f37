import Foundation
import HydroDomain

/// How a file without time bounds labels its steps.
public enum TimeLabel: String, Sendable, Codable, CaseIterable {
    /// The label is the start of the step (mHM, CAMELS: a day is labelled by its date).
    case start
    /// The label is the end of the step (smash exports, most hourly radar products).
    case end
}

/// Reads one gridded forcing variable from a CF-NetCDF file.
public enum NetCDFForcingReader {
    /// Reads `variable` of `url` as a `quantity`.
    ///
    /// - The variable must be `(time, y, x)`; rows are flipped to north-first when the y
    ///   coordinate increases.
    /// - Steps come from the time variable's `bounds` when it has them, else from its values
    ///   with `label` saying which end of a step they name. Steps must be regular.
    /// - `_FillValue`, `missing_value`, `valid_*` and NaN become NaN; `scale_factor` and
    ///   `add_offset` apply; units convert to mm per step or degC (`unitsOverride` replaces a
    ///   missing or wrong `units` attribute).
    /// - `grid` replaces the geometry derived from the x/y coordinates (mHM's header.txt gives
    ///   the grid, its coordinates name cell corners).
    public static func read(_ url: URL, variable name: String, quantity: ForcingQuantity, label: TimeLabel = .start,
                            grid: GridGeometry? = nil, unitsOverride: String? = nil) throws(InputError) -> GriddedForcing {
        let file = try NetCDFFile(url)
        let variable = try file.variable(name)
        if isBasinMean(variable) {
            return try readBasinMean(file, variable, quantity: quantity, label: label, unitsOverride: unitsOverride)
        }
        let h = try header(file, url: url, variable: name, quantity: quantity, label: label, grid: grid, unitsOverride: unitsOverride)
        let (steps, rows, columns, northFirst, conversion, time, place) = (h.time.count, h.rows, h.columns, h.northFirst, h.conversion, h.time, h.place)
        var values = try file.readValues(variable, refuseUndeclaredNaN: true)
        let perStep = rows * columns
        for i in values.indices where !values[i].isNaN { values[i] = conversion.apply(values[i]) }
        if !northFirst {
            var flipped = values
            for t in 0..<steps {
                for r in 0..<rows {
                    let from = t * perStep + r * columns, to = t * perStep + (rows - 1 - r) * columns
                    flipped[to..<(to + columns)] = values[from..<(from + columns)]
                }
            }
            values = flipped
        }
        return GriddedForcing(name: name, source: "\(url.lastPathComponent), \(place)", quantity: quantity, time: time,
                              rows: rows, columns: columns, geometry: h.geometry, values: values)
    }

    /// Whether `variable` is a basin mean (time only, or one cell per step).
    static func isBasinMean(_ variable: NetCDFFile.Variable) -> Bool {
        variable.shape.count == 1 || (variable.shape.count == 3 && variable.shape[1] == 1 && variable.shape[2] == 1)
    }

    /// Everything `read` learns about a gridded `(time, y, x)` variable before its values:
    /// steps, grid, row order, unit conversion (checked as `read` checks them).
    static func header(_ file: NetCDFFile, url: URL, variable name: String, quantity: ForcingQuantity, label: TimeLabel,
                       grid: GridGeometry?, unitsOverride: String?) throws(InputError) -> NetCDFForcingHeader {
        let path = url.path
        let variable = try file.variable(name)
        let place = "variable '\(name)'"
        guard variable.shape.count == 3 else {
            throw InputError(file: path, place: place, message: "has dimensions (\(variable.dimensions.joined(separator: ", "))); expected (time, y, x)")
        }
        let timeName = variable.dimensions[0], yName = variable.dimensions[1], xName = variable.dimensions[2]
        guard timeName.lowercased().contains("time") || timeName == "t" else {
            throw InputError(file: path, place: place, message: "first dimension is '\(timeName)'; expected time first, as (time, y, x)")
        }
        let steps = variable.shape[0], rows = variable.shape[1], columns = variable.shape[2]
        guard steps > 0 else { throw InputError(file: path, place: place, message: "has no time steps") }

        let time = try readTimeAxis(file, timeName: timeName, steps: steps, label: label)

        // Row order and geometry from the coordinates.
        var northFirst = true
        var geometry = grid
        let yCoordinates = file.hasVariable(yName) ? try file.readRaw(try file.variable(yName)) : nil
        let xCoordinates = file.hasVariable(xName) ? try file.readRaw(try file.variable(xName)) : nil
        if let y = yCoordinates, y.count == rows, rows > 1 {
            northFirst = y[1] < y[0]
        }
        if let x = xCoordinates, x.count == columns, columns > 1, x[1] < x[0] {
            throw InputError(file: path, place: "coordinate '\(xName)'", message: "decreases from west to east; HydroGPU reads west-to-east columns only")
        }
        if geometry == nil {
            guard let x = xCoordinates, let y = yCoordinates, x.count == columns, y.count == rows else {
                throw InputError(file: path, place: place, message: "has no '\(xName)'/'\(yName)' coordinate variables; give the grid in the config (grid: header file)")
            }
            let dx = columns > 1 ? abs(x[1] - x[0]) : (rows > 1 ? abs(y[1] - y[0]) : 0)
            let dy = rows > 1 ? abs(y[1] - y[0]) : dx
            guard dx > 0, abs(dx - dy) <= 1e-6 * dx else {
                throw InputError(file: path, place: place, message: "cells are \(dx) by \(dy): HydroGPU needs square cells")
            }
            let units = try file.textAttribute("units", of: try file.variable(xName))?.lowercased() ?? ""
            let geographic = units.contains("degree")
            geometry = GridGeometry(xLowerLeft: x.min()! - dx / 2, yLowerLeft: y.min()! - dx / 2, cellSize: dx,
                                    isGeographic: geographic, crs: geographic ? "EPSG:4326" : try crsName(file, variable))
        }

        // Units.
        let conversion = try unitConversion(file, variable, quantity: quantity, unitsOverride: unitsOverride, stepSeconds: time.stepSeconds, place: place)

        return NetCDFForcingHeader(time: time, rows: rows, columns: columns, geometry: geometry!, northFirst: northFirst, conversion: conversion, place: place)
    }

    /// The regular step axis of a time coordinate (from its bounds when present).
    /// The conversion of `variable`'s values to the model's units: the config's `units`, else
    /// the variable's own `units` attribute; an error naming the variable when neither is usable.
    static func unitConversion(_ file: NetCDFFile, _ variable: NetCDFFile.Variable, quantity: ForcingQuantity, unitsOverride: String?,
                               stepSeconds: Int64, place: String) throws(InputError) -> UnitConversion {
        var stated = unitsOverride
        if stated == nil { stated = try file.textAttribute("units", of: variable) }
        guard let stated, !stated.isEmpty else {
            throw InputError(file: file.path, place: place, message: "has no 'units' attribute; give units in the config (\(UnitConversion.accepted(quantity)))")
        }
        guard let conversion = UnitConversion.to(quantity, from: stated, stepSeconds: stepSeconds) else {
            throw InputError(file: file.path, place: place, message: "units '\(stated)' are not \(quantity == .waterDepth ? "a water depth or rate" : "a temperature") HydroGPU converts (\(UnitConversion.accepted(quantity)))")
        }
        return conversion
    }

    static func readTimeAxis(_ file: NetCDFFile, timeName: String, steps: Int, label: TimeLabel) throws(InputError) -> TimeAxis {
        let path = file.path
        guard file.hasVariable(timeName) else {
            throw InputError(file: path, place: "variable '\(timeName)'", message: "no time coordinate variable")
        }
        let timeVariable = try file.variable(timeName)
        guard let unitsText = try file.textAttribute("units", of: timeVariable) else {
            throw InputError(file: path, place: "variable '\(timeName)'", message: "has no 'units' (expected e.g. 'hours since 2000-01-01')")
        }
        let units: CFTimeUnits
        let calendarText = try file.textAttribute("calendar", of: timeVariable)
        do throws(TimeUnitsError) { units = try CFTimeUnits(units: unitsText, calendar: calendarText) } catch {
            throw InputError(file: path, place: "variable '\(timeName)'", message: error.message)
        }
        let raw = try file.readRaw(timeVariable)
        // Seconds must fit the integer clock: a fill value or garbage here is an error, not a trap.
        let limit = 1e13 / units.secondsPerUnit
        if let bad = raw.firstIndex(where: { !$0.isFinite || abs($0) > limit }) {
            throw InputError(file: path, place: "variable '\(timeName)', index \(bad)", message: "time value \(raw[bad]) is not a usable time")
        }
        guard raw.count == steps else {
            throw InputError(file: path, place: "variable '\(timeName)'", message: "\(raw.count) values for \(steps) steps")
        }
        var starts: [Int64]
        var stepSeconds: Int64
        if let boundsName = try file.textAttribute("bounds", of: timeVariable), file.hasVariable(boundsName) {
            let bounds = try file.readRaw(try file.variable(boundsName))
            if let bad = bounds.firstIndex(where: { !$0.isFinite || abs($0) > limit }) {
                throw InputError(file: path, place: "variable '\(boundsName)', index \(bad / 2)", message: "time bound \(bounds[bad]) is not a usable time")
            }
            guard bounds.count == 2 * steps else {
                throw InputError(file: path, place: "variable '\(boundsName)'", message: "\(bounds.count) values for \(steps) steps x 2")
            }
            starts = (0..<steps).map { units.seconds(ofValue: bounds[2 * $0]) }
            stepSeconds = units.seconds(ofValue: bounds[1]) - starts[0]
            try TimeCoordinateCheck.check(values: raw.map { units.seconds(ofValue: $0) },
                                          bounds: (0..<steps).map { (starts[$0], units.seconds(ofValue: bounds[2 * $0 + 1])) },
                                          calendar: units.calendar, file: path, timeName: timeName, boundsName: boundsName)
        } else {
            let labels = raw.map { units.seconds(ofValue: $0) }
            try TimeCoordinateCheck.check(values: labels, bounds: nil, calendar: units.calendar, file: path, timeName: timeName, boundsName: nil)
            stepSeconds = steps > 1 ? labels[1] - labels[0] : 86_400
            starts = label == .start ? labels : labels.map { $0 - stepSeconds }
        }
        guard stepSeconds > 0 else {
            throw InputError(file: path, place: "variable '\(timeName)', index 0", message: "time does not increase")
        }
        for i in 1..<max(1, steps) where starts[i] - starts[i - 1] != stepSeconds {
            throw InputError(file: path, place: "variable '\(timeName)', index \(i)",
                             message: "irregular time step: \(units.calendar.time(seconds: starts[i - 1])) then \(units.calendar.time(seconds: starts[i])), expected steps of \(stepSeconds) s")
        }
        return TimeAxis(calendar: units.calendar, startSeconds: starts[0], stepSeconds: stepSeconds, count: steps)
    }

    /// "EPSG:nnnn" from the grid mapping's WKT when it names one at its end.
    static func crsName(_ file: NetCDFFile, _ variable: NetCDFFile.Variable) throws(InputError) -> String? {
        guard let mapping = try file.textAttribute("grid_mapping", of: variable), file.hasVariable(mapping) else { return nil }
        let crs = try file.variable(mapping)
        var text = try file.textAttribute("crs_wkt", of: crs)
        if text == nil { text = try file.textAttribute("spatial_ref", of: crs) }
        guard let wkt = text else { return nil }
        // The outermost ID is the last ID[...] of the WKT.
        guard let range = wkt.range(of: "ID[\"EPSG\",", options: .backwards) else { return nil }
        let digits = wkt[range.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty ? nil : "EPSG:\(digits)"
    }
}

/// What `NetCDFForcingReader.header` learns of a gridded forcing variable.
struct NetCDFForcingHeader: Sendable {
    var time: TimeAxis
    var rows: Int
    var columns: Int
    var geometry: GridGeometry
    /// Whether the file's first row is the northern one (else rows are flipped on reading).
    var northFirst: Bool
    var conversion: UnitConversion
    /// "variable 'name'", for messages.
    var place: String
}
