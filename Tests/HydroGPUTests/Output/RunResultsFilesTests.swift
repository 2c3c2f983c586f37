import Foundation
import HydroGPU
import Testing

/// What a results folder holds beyond metrics: discharge.csv with the observations and both
/// step labels, parameters.json with bounds, the plots; and the end-of-training report.
@Suite("Results files")
struct RunResultsFilesTests {
    @Test func dischargeCSVHasObservedBesideSimulatedAndBothStepLabels() throws {
        let (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 100)
        let objective = try CalibrationPipelineTests.objective(config, data)
        let x = objective.setup.initialFreeValues()
        let folder = IOTestData.temporaryFolder()
        try RunResults.write(objective: objective, free: x, to: folder)
        let rows = try String(contentsOf: folder.appending(path: "discharge.csv"), encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows[0] == ["start", "end", "Y3204010_simulated", "Y3204010_observed"])
        #expect(rows.count == 101)
        #expect(rows[1][0] == "2012-08-01 00:00" && rows[1][1] == "2012-08-02 00:00")
        // Observed: the repository's data/lez/discharge.csv labels each day by its end, so the
        // results row ending at that label holds its value.
        var raw: [String: String] = [:]
        for line in try String(contentsOf: IOTestData.repository.appending(path: "data/lez/discharge.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            raw[f[0]] = f[3]
        }
        let simulated = try objective.evaluate(x, gradient: false, steps: data.steps).discharge[0]
        for (t, row) in rows.dropFirst().enumerated() {
            #expect(row[1] == data.time.stepEnd(t).description && row[0] == data.time.stepStart(t).description)
            let expected = raw[row[1]].flatMap(Double.init)
            #expect(Double(row[3]) == expected, "step \(t) ending \(row[1])")
            #expect(Double(row[2]) == simulated[t])
        }
        for plot in ["hydrograph", "regime", "fdc"] {
            #expect(FileManager.default.fileExists(atPath: folder.appending(path: "\(plot)_Y3204010.svg").path))
        }
    }

    @Test func parametersJSONCarriesTheBounds() throws {
        let (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 60)
        let objective = try CalibrationPipelineTests.objective(config, data)
        let folder = IOTestData.temporaryFolder()
        try RunResults.write(objective: objective, free: objective.setup.initialFreeValues(), to: folder)
        let json = try JSONDecoder().decode([String: [String: Double]].self, from: Data(contentsOf: folder.appending(path: "parameters.json")))
        // UZL's bounds are the test objective's own, K0's MODEL.md's, the velocity's the routing's.
        #expect(json["UZL"]?["lower"] == 5 && json["UZL"]?["upper"] == 60)
        #expect(json["K0"]?["lower"] == 0.05 && json["K0"]?["upper"] == 0.9)   // MODEL.md section 3
        #expect(json["velocity"]?["lower"] == 0.05 && json["velocity"]?["upper"] == 20)
        // Snow is off: the case has no snow process, so the snow's parameters are absent; C is
        // held at 0 and says so.
        #expect(["TT", "CFMAX", "CFR", "CWH"].allSatisfy { json[$0] == nil })
        #expect(json["C"]?["fixed"] == 1 && json["FC"]?["fixed"] == nil)
        // UZL starts in the middle of [5, 60].
        #expect(json["UZL"]?["mean"] == 32.5)
    }

    @Test func boundReportNamesValuesWithinOnePercentOfABound() {
        let bounds = ParameterBounds(lower: 0, upper: 100)
        let parameters = [
            ParameterValues(name: "K0", values: [0.9], bounds: bounds, fixed: false),        // 0.9 % of the width: reported
            ParameterValues(name: "K1", values: [1.1], bounds: bounds, fixed: false),        // 1.1 %: not
            ParameterValues(name: "FC", values: [99.5, 50, 99.2, 0.1], bounds: bounds, fixed: false),
            ParameterValues(name: "TT", values: [0], bounds: bounds, fixed: true),           // fixed: never reported
        ]
        let lines = CalibrationReport.nearBounds(parameters)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("K0 = 0.9 is within 1 % of its lower bound 0"))
        #expect(lines[1].hasPrefix("FC: 1 of 4 cells within 1 % of the lower bound 0"))
        #expect(lines[2].hasPrefix("FC: 2 of 4 cells within 1 % of the upper bound 100"))
    }

    @Test func unmovedReportGroupsFreeValuesByParameter() {
        let names = ["FC at cell 0", "FC at cell 1", "K0", "UZL", "PERC, month 1", "PERC, month 2", "network weight 0", "K1"]
        let moved = [true, false, true, false, false, false, true, true]
        let start = [0.0, 0, 0, 0, 1, 2, 0, 0.5]
        let final = [0.3, 0, 0.2, 0, 1, 2, 0.1, 0.5 + 1e-9]   // K1: a gradient, but it moved by 1e-9 only
        let lines = CalibrationReport.unmoved(nonZero: moved, start: start, final: final, describe: { names[$0] })
        #expect(lines == [
            "FC: 1 of 2 values stayed at their start (gradient zero in every evaluation)",
            "UZL: stayed at its start (gradient zero in every evaluation)",
            "PERC: stayed at its start (all 2 values) (gradient zero in every evaluation)",
            "K1: stayed at its start (gradient negligible)",
        ])
        // Without the start (older checkpoints) the gradient record decides alone.
        #expect(CalibrationReport.unmoved(nonZero: moved, start: nil, final: final, describe: { names[$0] }).count == 3)
    }

    /// The trainer records which free values ever had a non-zero gradient: a cost that does not
    /// depend on its second value leaves that one false and that value where it started.
    @Test func trainerRecordsFreeValuesWithoutGradient() throws {
        var config = TrainingConfig()
        config.iterations = 3
        config.optimizer = .adam
        let trainer = Trainer(objective: HalfBlindObjective(), config: config, folder: nil)
        let done = try trainer.run()
        #expect(done.nonZeroGradient == [true, false])
        #expect(done.startFree == HalfBlindObjective().initialFreeValues())
        #expect(done.free[1] == HalfBlindObjective().initialFreeValues()[1])
    }
}

/// L = (x0 - 1)²: x1 is free but the cost ignores it.
struct HalfBlindObjective: TrainableObjective {
    struct Evaluation: TrainableEvaluation {
        var loss: Double
        var gradient: [Double]?
        var nse: [Double?] { [] }
    }
    var runName: String { "half-blind" }
    var freeCount: Int { 2 }
    func initialFreeValues() -> [Double] { [0, 0.5] }
    var freeParameterNames: [String] { ["a", "b"] }
    func trainingEvaluation(_ x: [Double]) throws -> Evaluation { Evaluation(loss: (x[0] - 1) * (x[0] - 1), gradient: [2 * (x[0] - 1), 0]) }
    func describe(index: Int) -> String { ["a", "b"][index] }
    func nonFiniteInputs(_ evaluation: Evaluation) -> [String] { [] }
    func injectingNaNIntoForcing() -> HalfBlindObjective { self }
}
