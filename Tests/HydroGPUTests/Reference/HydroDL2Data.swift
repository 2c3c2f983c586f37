import Foundation
import HydroGPU

/// The hydrodl2 reference cases in ../shared/reference/hydrodl2-hbv (see its README).
enum HydroDL2Data {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "shared/reference/hydrodl2-hbv")

    static var available: Bool { FileManager.default.fileExists(atPath: directory.appending(path: "forcing.npy").path) }

    static func load(_ name: String) throws -> NumpyArray { try NumpyArray.read(directory.appending(path: name)) }

    /// hydrodl2's HBV parameter order (12 of δHBV 1.0, then BETAET when dynamic).
    static let parameterOrder: [HBVParameter] = [.beta, .fc, .k0, .k1, .k2, .lp, .perc, .uzl, .tt, .cfmax, .cfr, .cwh, .betaet]

    /// torch's float32 `sigmoid` then `u * (hi - lo) + lo` (two roundings).
    static func physical(raw: Float, bounds: (lower: Double, upper: Double)) -> (u: Float, value: Float) {
        let u = ParameterTransform.sigmoid(raw)
        return (u, u * Float(bounds.upper - bounds.lower) + Float(bounds.lower))
    }

    /// d physical / d raw from the u torch used.
    static func chain(u: Float, bounds: (lower: Double, upper: Double)) -> Double {
        Double(u) * (1 - Double(u)) * (bounds.upper - bounds.lower)
    }

    /// Forcing [730, basins, 3] -> HBVForcing over days `range`.
    static func forcing(_ array: NumpyArray, days range: Range<Int>) -> HBVForcing<Float> {
        let basins = array.shape[1]
        var p = [Float](), t = [Float](), pet = [Float]()
        for day in range {
            for b in 0..<basins {
                let i = (day * basins + b) * 3
                p.append(Float(array.values[i]))
                t.append(Float(array.values[i + 1]))
                pet.append(Float(array.values[i + 2]))
            }
        }
        return HBVForcing(steps: range.count, cells: basins, precipitation: p, temperature: t, pet: pet)
    }
}

/// Closeness with a relative tolerance above an absolute floor: |a - b| <= rel * max(|b|, floor).
struct Closeness {
    var relative: Double
    var floor: Double
    var worst = 0.0
    var worstPlace = ""
    var failures = 0

    init(relative: Double, floor: Double) {
        self.relative = relative
        self.floor = floor
    }

    mutating func check(_ a: Double, _ b: Double, _ place: @autoclosure () -> String) {
        let scaled = abs(a - b) / max(abs(b), floor)
        if scaled > worst || scaled.isNaN {
            worst = scaled.isNaN ? .infinity : scaled
            worstPlace = place() + " got \(a) expected \(b)"
        }
        if !(scaled <= relative) { failures += 1 }
    }

    var summary: String { "\(failures) outside \(relative) (floor \(floor)); worst \(worst) at \(worstPlace)" }
}
