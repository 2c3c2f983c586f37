import ArgumentParser
import DeviceTensor
import Foundation
import HydroGPU

/// `hydrogpu check-gradient`: the adjoints against finite differences and OpenCL against the
/// reference, on a small built-in case, with MODEL.md's tolerances deciding the exit status.
struct CheckGradientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-gradient",
        abstract: "Check adjoint gradients against finite differences (Double reference) and OpenCL against the reference.",
        discussion: "Exits 1 when a tolerance of MODEL.md section 7 is broken: adjoint vs FD 1e-6 relative where the function is smooth, OpenCL vs reference 1e-4 forward and 1e-3 gradients."
    )

    @Option(help: "HBV solver: sequential | implicit.")
    var solver: HBVSolver = .sequential

    @Option(help: "Temporal layout of every parameter: constant | monthly | dynamic.")
    var layout: TemporalLayoutChoice = .constant

    @Option(parsing: .unconditional, help: "Cells of the built-in synthetic case.")
    var cells: Int = 6

    @Option(parsing: .unconditional, help: "Daily steps of the built-in synthetic case.")
    var steps: Int = 120

    func validate() throws {
        guard cells > 0 else { throw ValidationError("--cells must be at least 1 (got \(cells))") }
        guard steps > 1 else { throw ValidationError("--steps must be at least 2 (got \(steps))") }
    }

    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let temporal: SyntheticRunoff.TemporalLayout
        switch layout {
        case .constant: temporal = .constant
        case .monthly: temporal = .monthly
        case .dynamic: temporal = .dynamic
        }
        let device = try ComputeDevice.open(try deviceOptions.select(quiet: json))
        let report = try GradientCheck.run(solver: solver, layout: temporal, cells: cells, steps: steps, device: device)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printTable(report)
        }
        if !report.passed { throw ExitCode(1) }
    }

    private func printTable(_ report: GradientCheckReport) {
        print("check-gradient: \(report.solver.rawValue) solver, \(report.layout) parameters, \(report.cells) cells x \(report.steps) steps; OpenCL: \(report.device)")
        print("loss: seeded weighted sum of runoff; FD: central, step 1e-6 of the bounds range (h and h/2 to detect kinks)")
        let header = ["input", "adjoint (Double)", "finite diff.", "rel. error", "OpenCL (Float)", "rel. error", ""]
        print(header.map { $0.padding(toLength: 17, withPad: " ", startingAt: 0) }.joined())
        for row in report.rows {
            let cells = [
                row.name, format(row.adjoint), format(row.finiteDifference),
                row.smooth ? format(row.relativeError, short: true) : "kink in step",
                row.openCL.map { format($0) } ?? "-", row.openCLRelativeError.map { format($0, short: true) } ?? "-",
                row.passed ? "ok" : "FAIL",
            ]
            print(cells.map { $0.padding(toLength: 17, withPad: " ", startingAt: 0) }.joined())
        }
        if let f = report.openCLForwardError, let g = report.openCLGradientNormError {
            print("OpenCL vs reference: runoff \(format(f, short: true)) (tolerance 1e-4), gradient norm \(format(g, short: true)) (tolerance 1e-3)")
        }
        print(report.passed ? "PASSED: every tolerance of MODEL.md section 7 holds" : "FAILED: a tolerance of MODEL.md section 7 is broken")
    }

    private func format(_ value: Double, short: Bool = false) -> String {
        String(format: short ? "%.2e" : "% .8e", value)
    }
}
