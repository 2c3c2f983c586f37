import Foundation
import HydroGPU
import Kernels
import Testing

/// The declarations generated from model/hbv.table: the Swift and OpenCL sides agree with each
/// other and with MODEL.md, and every backend applies the table's one absence rule.
struct ModelTableTests {
    /// MODEL.md section 3: δHBV's parameter order, storages, and the rates per day.
    @Test func tableMatchesModelDescription() {
        #expect(HBVParameter.allCases.map(\.name) == ["BETA", "FC", "K0", "K1", "K2", "LP", "PERC", "UZL", "TT", "CFMAX", "CFR", "CWH", "BETAET", "C", "GX", "GXREF", "GXPOW", "RFCF", "SFCF", "GFRAC", "CFICE", "TTG", "TLAPSE", "PGRAD", "EXCHANGE"])
        #expect(HBVParameter.count == HBVParameter.allCases.count)
        #expect(HBVStorage.allCases.map(\.name) == ["SNOWPACK", "MELTWATER", "SM", "SUZ", "SLZ", "ICE"])
        #expect(HBVStorage.count == HBVStorage.allCases.count)
        #expect(Set(HBVParameter.allCases.filter(\.isRatePerDay).map(\.name)) == ["K0", "K1", "K2", "PERC", "CFMAX", "C", "GX"])
        #expect(HBVParameter.fc.bounds == (50, 1000) && HBVParameter.betaet.bounds == (0.3, 5))
        #expect(HBVParameter(name: "parCFMAX") == .cfmax && HBVParameter(name: "cwh") == .cwh && HBVParameter(name: "X") == nil)
        // Every storage and parameter belongs to a process of the table.
        #expect(Set(HBVStorage.allCases.map(\.process)).isSubset(of: Set(HBVProcess.allCases)))
        #expect(HBVStorage.soilMoisture.process == .recharge && HBVParameter.c.process == .capillaryRise)
    }

    /// The kernels' generated header names the same positions and counts as the Swift enums.
    @Test func kernelHeaderAgreesWithSwift() throws {
        let program = try #require(KernelSources.source(of: "hbv_sequential"))
        func define(_ name: String) -> Int? {
            let prefix = "#define \(name) "
            guard let line = program.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
            return Int(line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces))
        }
        #expect(define("HBV_PARAMETER_COUNT") == HBVParameter.count)
        #expect(define("HBV_STORAGE_COUNT") == HBVStorage.count)
        for p in HBVParameter.allCases { #expect(define("HBV_PARAM_\(p.name)") == p.rawValue, "\(p.name)") }
        for s in HBVStorage.allCases { #expect(define("HBV_STORAGE_\(s.name)") == s.rawValue, "\(s.name)") }
        // Every process has its operator header in the program, in table order.
        let offsets = try HBVProcess.allCases.map { process -> String.Index in
            let snake = process.name.reduce(into: "") { $0 += $1.isUppercase ? "_" + $1.lowercased() : String($1) }
            return try #require(program.range(of: "inline void hbv_\(snake)_forward(")?.lowerBound, "\(process)")
        }
        #expect(offsets == offsets.sorted())
        // The kernels' process bits are the host's ActiveProcesses mask shifted past bit 0 (the ET exponent).
        for process in HBVProcess.allCases {
            let snake = process.name.reduce(into: "") { $0 += $1.isUppercase ? "_" + $1.lowercased() : String($1) }
            #expect(define("HBV_ACTIVE_\(snake)") == Int(ActiveProcesses([process]).mask << 1), "\(process)")
        }
    }

    /// The table's defaults: which parameters calibration leaves alone unless the config lists
    /// them (held at their off value), and which processes a problem has unless it asks.
    @Test func calibrationAndProcessDefaults() {
        let held = HBVParameter.allCases.filter { !$0.isCalibratedByDefault }
        #expect(held.contains(.c) && held.allSatisfy { $0.offValue != nil })
        #expect(HBVParameter.c.offValue == 0 && HBVParameter.fc.offValue == nil)
        let off = HBVProcess.allCases.filter { !$0.isOnByDefault }
        #expect(HBVParameter.onByDefault == HBVParameter.allCases.filter { !off.contains($0.process) && $0 != .tlapse && $0 != .pgrad })
        // Both solvers compose every operator of the table (the exchange included).
        #expect(HBVSolver.sequential.processes == .all && HBVSolver.implicit.processes == .all)
    }

    /// One absence rule: the snow's (its precipitation corrections at 1), C's (capillary rise)
    /// and the exchange's parameters may be absent (their processes off), BETAET is required
    /// with the ET exponent and 1 without it, everything else is required.
    @Test func absenceRuleAndActiveProcesses() {
        let with = HBVParameter.absenceRule(for: HBVConfiguration(usesETExponent: true))
        let without = HBVParameter.absenceRule(for: HBVConfiguration(usesETExponent: false))
        let switchable: [HBVParameter: Double] = [.gx: 0, .gxref: 100, .gxpow: 1, .c: 0, .tt: 0, .cfmax: 0, .cfr: 0, .cwh: 0, .rfcf: 1, .sfcf: 1,
                                                     .gfrac: 0, .cfice: 1, .ttg: 0, .tlapse: 0, .pgrad: 0, .exchangeFactor: 1]
        let all = Set(HBVParameter.allCases)
        #expect(with.required == all.subtracting(switchable.keys))
        #expect(with.defaults == switchable)
        #expect(without.required == all.subtracting(switchable.keys).subtracting([.betaet]))
        #expect(without.defaults == switchable.merging([.betaet: 1]) { a, _ in a })
        #expect(ActiveProcesses(given: all) == .all)
        let noC = ActiveProcesses(given: all.subtracting([.c]))
        #expect(!noC.contains(.capillaryRise))
        #expect(HBVProcess.allCases.filter { $0 != .capillaryRise }.allSatisfy(noC.contains))
        let noSnow = ActiveProcesses(given: all.subtracting([.tt, .cfmax, .cfr, .cwh, .rfcf, .sfcf, .tlapse, .pgrad]))
        #expect(!noSnow.contains(.snow))
        #expect(HBVProcess.allCases.filter { $0 != .snow }.allSatisfy(noSnow.contains))
        // One snow parameter given switches the snow on (the others take their neutral values).
        #expect(ActiveProcesses(given: all.subtracting([.cfmax, .cfr, .cwh, .rfcf, .sfcf, .tlapse, .pgrad])).contains(.snow))
        // So do the precipitation corrections alone: they belong to the snow's split.
        #expect(ActiveProcesses(given: all.subtracting([.tt, .cfmax, .cfr, .cwh])).contains(.snow))
    }

    /// The implicit reference used to default a missing BETAET to 1 even with the ET exponent
    /// on, where the sequential reference refused it; both now refuse it by the table's rule.
    @Test func bothReferenceSolversRefuseAMissingExponent() {
        let steps = 3
        let forcing = HBVForcing<Double>(steps: steps, cells: 1, precipitation: [1, 2, 0], temperature: [5, 5, 5], pet: [1, 1, 1])
        var parameters: [HBVParameter: ParameterSeries<Double>] = [:]
        for p in HBVParameter.onByDefault where p != .betaet && p != .c {
            let (lo, hi) = p.bounds
            parameters[p] = .uniform((lo + hi) / 2, units: 1, steps: steps)
        }
        for solver in HBVSolver.allCases {
            let problem = RunoffProblem(configuration: HBVConfiguration(solver: solver, usesETExponent: true),
                                        forcing: forcing, parameters: parameters)
            #expect(throws: RunoffProblemError.self, "\(solver)") {
                switch solver {
                case .sequential: _ = try SequentialReferenceModel<Double>().forward(problem)
                case .implicit: _ = try ImplicitReferenceModel<Double>().forward(problem)
                }
            }
            var withoutExponent = problem
            withoutExponent.configuration.usesETExponent = false
            #expect(throws: Never.self, "\(solver)") {
                switch solver {
                case .sequential: _ = try SequentialReferenceModel<Double>().forward(withoutExponent)
                case .implicit: _ = try ImplicitReferenceModel<Double>().forward(withoutExponent)
                }
            }
        }
    }
}
