// Reads model/hbv.table, the one description of the HBV model's processes, storages and
// parameters (format in the file's own header).
import Foundation

struct ModelTable {
    /// What the solvers do in place of a process that is off (column `absent`).
    enum Absence: String { case cannotBeOff = "-", skip, null }
    struct Process { var name: String; var isOnByDefault: Bool; var absence: Absence; var summary: String }
    struct Storage { var name, swift, c, process, summary: String }
    struct Parameter {
        var name, swift, process: String
        var lower, upper: String
        var isRatePerDay: Bool
        /// "required", "neutral=V" or "exponent=V" (see the table).
        var absent: String
        /// "positive", "fraction", "recession", "nonnegative" or "any" (see the table).
        var constraint: String
        /// Whether calibration adjusts it by default ("calibrate" column: yes/no).
        var calibratedByDefault: Bool
        var unit, summary: String
        /// From [values]: the twin's truth and its descriptor map ("-": none).
        var truth = "", map = "-"
    }

    var processes: [Process] = []
    var storages: [Storage] = []
    var parameters: [Parameter] = []

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var section = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") { section = line; continue }
            func fail(_ message: String) -> EmbedderError {
                EmbedderError(description: "\(path):\(index + 1): \(message)")
            }
            func columns(_ n: Int) throws -> [String] {
                // n - 1 words, then the rest of the line as the description.
                var rest = Substring(line)
                var out: [String] = []
                for _ in 0..<(n - 1) {
                    rest = rest.drop(while: { $0 == " " })
                    guard let end = rest.firstIndex(of: " ") else { throw fail("expected \(n) columns in \(section)") }
                    out.append(String(rest[..<end]))
                    rest = rest[end...]
                }
                out.append(rest.trimmingCharacters(in: .whitespaces))
                return out
            }
            switch section {
            case "[processes]":
                let c = try columns(4)
                guard c[1] == "on" || c[1] == "off" else { throw fail("default must be on or off, got '\(c[1])'") }
                guard let absence = Absence(rawValue: c[2]) else { throw fail("absent must be skip, null or -, got '\(c[2])'") }
                processes.append(Process(name: c[0], isOnByDefault: c[1] == "on", absence: absence, summary: c[3]))
            case "[storages]":
                let c = try columns(5)
                storages.append(Storage(name: c[0], swift: c[1], c: c[2], process: c[3], summary: c[4]))
            case "[parameters]":
                let c = try columns(11)
                guard Double(c[3]) != nil, Double(c[4]) != nil else { throw fail("bounds '\(c[3])' '\(c[4])' are not numbers") }
                guard c[5] == "day" || c[5] == "-" else { throw fail("rate must be 'day' or '-', got '\(c[5])'") }
                let absentOK = c[6] == "required"
                    || ((c[6].hasPrefix("neutral=") || c[6].hasPrefix("exponent=")) && Double(c[6].split(separator: "=")[1]) != nil)
                guard absentOK else { throw fail("absent must be required, neutral=V or exponent=V, got '\(c[6])'") }
                guard ["positive", "fraction", "recession", "nonnegative", "any"].contains(c[7]) else {
                    throw fail("constraint must be positive, fraction, recession, nonnegative or any, got '\(c[7])'")
                }
                guard c[8] == "yes" || c[8] == "no" else { throw fail("calibrate must be yes or no, got '\(c[8])'") }
                guard c[8] == "yes" || c[6].hasPrefix("neutral=") else {
                    throw fail("a parameter not calibrated by default needs absent = neutral=V (the value it is held at)")
                }
                parameters.append(Parameter(name: c[0], swift: c[1], process: c[2], lower: c[3], upper: c[4],
                                            isRatePerDay: c[5] == "day", absent: c[6], constraint: c[7],
                                            calibratedByDefault: c[8] == "yes", unit: c[9], summary: c[10]))
            case "[values]":
                let c = try columns(3)
                guard let i = parameters.firstIndex(where: { $0.name == c[0] }) else {
                    throw fail("[values] row names unknown parameter '\(c[0])'")
                }
                guard Double(c[1]) != nil else { throw fail("truth must be a number, got '\(c[1])'") }
                let map = c[2].split(separator: ":")
                guard c[2] == "-" || (map.count == 3 && ["soil", "slope", "flat"].contains(map[0])
                                      && Double(map[1]) != nil && Double(map[2]) != nil) else {
                    throw fail("map must be '-' or soil|slope|flat:A:B, got '\(c[2])'")
                }
                parameters[i].truth = c[1]
                parameters[i].map = c[2]
            default:
                throw fail("row outside [processes], [storages], [parameters] or [values]")
            }
        }
        let processNames = Set(processes.map(\.name))
        for s in storages where !processNames.contains(s.process) {
            throw EmbedderError(description: "\(path): storage \(s.name) names unknown process '\(s.process)'")
        }
        for p in parameters where !processNames.contains(p.process) {
            throw EmbedderError(description: "\(path): parameter \(p.name) names unknown process '\(p.process)'")
        }
        // The sequential kernels are built for the parameters a problem gives, named by a 64-bit
        // mask (kernels/hbv_specialisation.h).
        guard parameters.count <= 64 else {
            throw EmbedderError(description: "\(path): \(parameters.count) parameters; the given-parameter masks hold at most 64")
        }
        for p in parameters where p.truth.isEmpty {
            throw EmbedderError(description: "\(path): parameter \(p.name) has no row in [values]")
        }
        // A process can be off exactly when all its parameters are neutral when absent; one off by
        // default must be able to be off.
        for process in processes {
            let own = parameters.filter { $0.process == process.name }
            let switchable = !own.isEmpty && own.allSatisfy({ $0.absent.hasPrefix("neutral=") })
            guard switchable == (process.absence != .cannotBeOff) else {
                throw EmbedderError(description: "\(path): process \(process.name): absent must be skip or null exactly when all its parameters are neutral=V (found '\(process.absence.rawValue)')")
            }
            guard process.isOnByDefault || switchable else {
                throw EmbedderError(description: "\(path): process \(process.name) is off by default, so its parameters must all be neutral=V")
            }
        }
    }
}
