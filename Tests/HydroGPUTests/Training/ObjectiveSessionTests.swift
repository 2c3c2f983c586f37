import DeviceTensor
import HydroGPU
import Testing

/// `CalibrationObjective` keeps one runoff session across evaluations: results must be those of
/// a fresh objective at every point, whatever was evaluated before, on both backends.
@Suite("Objective session reuse")
struct ObjectiveSessionTests {
    /// The Lez sub-basin over 90 days, calibrating days 20..<70: training runs stop at day 70,
    /// so the session covers a prefix of the forcing.
    static func objective(_ backend: RunoffBackend) throws -> CalibrationObjective {
        var (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 90)
        data.calibrationSteps = 20..<70
        return try CalibrationPipelineTests.objective(config, data, backend: backend)
    }

    static func backends() -> [RunoffBackend] {
        [.reference] + (TrainingDevice.shared.map { [RunoffBackend.openCL(OpenCLRunoffModel(device: $0))] } ?? [])
    }

    @Test func evaluationsOnOneObjectiveEqualFreshObjectives() throws {
        for backend in Self.backends() {
            let reused = try Self.objective(backend)
            let x0 = reused.setup.initialFreeValues()
            let points = [x0.map { $0 + 0.3 }, x0.map { $0 - 0.2 }]
            for x in points {
                let a = try reused.evaluate(x, gradient: true)
                let b = try Self.objective(backend).evaluate(x, gradient: true)
                #expect(a.loss == b.loss, "\(backend.name)")
                #expect(a.gradient == b.gradient, "\(backend.name)")
                #expect(a.discharge == b.discharge, "\(backend.name)")
                // The recording forward gives the runoff of a plain one.
                #expect(try reused.evaluate(x, gradient: false).loss == a.loss, "\(backend.name)")
            }
            // A whole-record run (results) in between, then training steps again.
            let whole = try reused.evaluate(points[0], gradient: false, steps: reused.data.steps)
            #expect(whole.discharge[0].count == reused.data.steps)
            let again = try reused.evaluate(points[1], gradient: true)
            #expect(again.gradient == (try Self.objective(backend).evaluate(points[1], gradient: true)).gradient, "\(backend.name)")
        }
    }

    /// Changing the objective's data (as the trainer's NaN injection does on a copy) starts a
    /// new session in the copy and leaves the original's as it was.
    @Test func changedDataStartsANewSession() throws {
        for backend in Self.backends() {
            let original = try Self.objective(backend)
            let x = original.setup.initialFreeValues()
            let before = try original.evaluate(x, gradient: true)
            var copy = original
            copy.data.forcing.precipitation[copy.data.cells] = .nan
            #expect(try copy.evaluate(x, gradient: false).loss.isNaN, "\(backend.name)")
            #expect(try original.evaluate(x, gradient: true).gradient == before.gradient, "\(backend.name)")
        }
    }
}
