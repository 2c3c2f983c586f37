import Foundation

/// A memory size as written in a config or on the command line: bytes, or a number with
/// KB, MB, GB, TB (powers of 1024; KiB, MiB, GiB, TiB too), e.g. `8GB`, `512 MiB`.
public enum MemorySize {
    /// "1.5 GiB" or "300.0 MiB".
    public static func format(_ bytes: Double) -> String { MemoryEstimate.format(bytes) }

    public static func parse(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let k = 1024.0
        let units: [(String, Double)] = [("tib", k * k * k * k), ("tb", k * k * k * k), ("gib", k * k * k), ("gb", k * k * k), ("mib", k * k), ("mb", k * k),
                                         ("kib", k), ("kb", k), ("b", 1)]
        let lower = t.lowercased()
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let v = Double(lower.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v > 0, v.isFinite else { return nil }
            return v * factor
        }
        guard let v = Double(lower), v > 0, v.isFinite else { return nil }
        return v
    }
}
