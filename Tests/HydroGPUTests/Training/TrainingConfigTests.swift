import Foundation
import Testing
import HydroGPU

@Suite("Training config sections")
struct TrainingConfigTests {
    // Seven lines: the sections under test start on line 8.
    static let base = """
    name: t
    domain:
      lumped: {area_km2: 5}
    time: {step: 1d}
    forcing:
      precipitation: {file: p.txt, variable: prcp}
      pet: {file: p.txt, variable: pet}

    """

    static func parse(_ extra: String) throws(InputError) -> CaseConfig {
        try CaseConfig.parse(base + extra, file: URL(fileURLWithPath: "/tmp/t.yaml"))
    }

    /// `exchange` is the runoff model's parameter EXCHANGE (RunoffExchangeProcess): read under
    /// its table name, with any layout a table parameter may have.
    @Test func exchangeIsTheTableParameter() throws {
        let config = try Self.parse("parameters:\n  exchange: {temporal: monthly, initial: 1.2, bounds: [0.3, 2]}\n")
        let p = try #require(config.parameters["EXCHANGE"])
        #expect(p.temporal == .monthly && p.initial == 1.2 && p.bounds == ParameterBounds(lower: 0.3, upper: 2))
        #expect(config.parameters["exchange"] == nil)
    }

    @Test func parametersAndTrainingAreRead() throws {
        let config = try Self.parse("""
        parameters:
          fc: {spatial: distributed, initial: 250}
          parPERC: {temporal: monthly}
          TT: 0.5
          K0: {bounds: [0.05, 12]}
          velocity: {initial: 2}
        training:
          optimizer: adam
          learning_rate: 0.01
          schedule: cosine
          iterations: 12
          loss: kge
          gauge_weights: {A: 2, B: 0}
          checkpoint_interval: 3
          prior_weight: 0.1
          smoothness_weight: 0.2
        """)
        #expect(config.parameters["FC"] == ParameterConfig(spatial: .distributed, initial: 250, line: 9))
        #expect(config.parameters["K0"]?.bounds == ParameterBounds(lower: 0.05, upper: 12))
        #expect(config.parameters["PERC"]?.temporal == .monthly)
        #expect(config.parameters["TT"]?.fixed == 0.5)
        #expect(config.parameters["velocity"]?.initial == 2)
        let t = config.training
        #expect(t.optimizer == .adam && t.learningRate == 0.01 && t.schedule == .cosine && t.iterations == 12)
        #expect(t.loss == .oneMinusKGE && t.gaugeWeights == ["A": 2, "B": 0] && t.checkpointInterval == 3)
        #expect(t.priorWeight == 0.1 && t.smoothnessWeight == 0.2)
    }

    @Test(arguments: [
        ("parameters:\n  FCX: 3\n", "line 9", "'FCX' is not a parameter"),
        ("parameters:\n  FC: {spatial: everywhere}\n", "line 9", "everywhere"),
        ("parameters:\n  FC: {spatial: zones}\n", "line 9", "zones needs zones"),
        ("parameters:\n  velocity: {spatial: zones, zones: z.asc}\n", "line 9", "velocity is uniform or distributed"),
        ("training:\n  optimiser: sgd\n", "line 9", "sgd"),
        ("training:\n  iterations: -1\n", "line 9", "at least 0"),
        ("training:\n  checkpoint_interval: 0\n", "line 9", "at least 1"),
        ("training:\n  gauge_weights: {A: -1}\n", "line 9", "non-negative"),
        ("training:\n  lr: 3\n", "line 9", "unknown key 'lr'"),
        ("parameters:\n  K0: {bounds: [0.9, 0.05]}\n", "line 9", "lower < upper"),
        ("parameters:\n  K0: {bounds: [0.05]}\n", "line 9", "[lower, upper]"),
        ("parameters:\n  velocity: {bounds: [0.1, 5]}\n", "line 9", "velocity has fixed bounds"),
        ("parameters:\n  velocity: {temporal: monthly}\n", "line 9", "velocity is uniform or distributed"),
    ])
    func badValuesNameTheLine(text: String, line: String, message: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".contains(line), "\(error)")
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
