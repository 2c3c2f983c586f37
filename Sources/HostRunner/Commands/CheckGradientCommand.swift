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

    @Argument(help: "Case config (YAML), or a multi-case config (top-level cases:): check its training gradient at its initial values instead of the built-in synthetic problem (report only; the exit status is 0).")
    var config: String?

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
        if let config { return try checkCase(config) }
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

    /// The case's whole training chain: reference adjoint vs central differences, OpenCL (Float)
    /// loss and gradient vs the reference (Double) when the device selection gives OpenCL.
    private func checkCase(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        if MultiCaseConfig.declaresCases(url) { return try checkMultiCase(url) }
        let session: CaseSession
        do { session = try CaseSession.open(url, device: deviceOptions, outputGiven: true) } catch let error as InputError {
            throw ValidationError("\(error)")
        }
        var reference = session.objective
        var openCL: CalibrationObjective?
        if case .openCL = reference.backend {
            openCL = reference
            reference.backend = .reference
        }
        try printReport(try CaseGradientCheck.run(reference: reference, openCL: openCL), openCL: openCL?.backend.name)
    }

    /// A multi-case config: the joint objective (every case's own free values, then the shared
    /// network's weights) on the reference, and on the selected OpenCL device when there is one.
    private func checkMultiCase(_ url: URL) throws {
        let reference: JointCalibrationObjective
        var openCL: JointCalibrationObjective?
        do {
            let loaded = try TrainCommand.loadMultiCase(url, solver: nil)
            let backend = try deviceOptions.select(quiet: json).runoffBackend()
            reference = try JointCalibrationObjective.from(config: loaded.config, cases: loaded.cases, backend: .reference, initialValues: [])
            if case .openCL = backend {
                openCL = try JointCalibrationObjective.from(config: loaded.config, cases: loaded.cases, backend: backend, initialValues: [])
            }
        } catch let error as InputError {
            throw ValidationError("\(error)")
        }
        try printReport(try CaseGradientCheck.run(reference: reference, openCL: openCL), openCL: openCL?.cases.first?.backend.name)
    }

    private func printReport(_ report: CaseGradientCheckReport, openCL: String?) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("check-gradient \(report.caseName): \(report.freeValues) free values at the config's initial values; loss (reference, Double) \(format(report.referenceLoss))")
        print("FD: central, step \(report.step) on the raw values; OpenCL: \(openCL ?? "not used (reference backend selected)")")
        let header = ["free value", "adjoint (Double)", "finite diff.", "rel. error", "OpenCL (Float)", "rel. diff."]
        print(header.enumerated().map { $0.element.padding(toLength: $0.offset == 0 ? 34 : 17, withPad: " ", startingAt: 0) }.joined())
        for row in report.rows {
            let cells = [row.name, format(row.adjoint), format(row.finiteDifference), format(row.relativeError, short: true),
                         row.openCL.map { format($0) } ?? "-", row.openCLRelativeDifference.map { format($0, short: true) } ?? "-"]
            print(cells.enumerated().map { $0.element.padding(toLength: $0.offset == 0 ? 34 : 17, withPad: " ", startingAt: 0) }.joined())
        }
        print("worst adjoint vs FD relative error \(format(report.worstRelativeError, short: true))")
        if let l = report.lossDrift, let g = report.gradientDrift, let cl = report.openCLLoss {
            print("Float vs Double: loss \(format(cl)) (relative drift \(format(l, short: true))), gradient norm drift \(format(g, short: true))")
        }
    }

    private func format(_ value: Double, short: Bool = false) -> String {
        String(format: short ? "%.2e" : "% .8e", value)
    }
}
