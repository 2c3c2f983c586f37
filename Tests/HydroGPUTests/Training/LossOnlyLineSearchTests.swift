import DeviceTensor
import HydroGPU
import Testing

/// L-BFGS trial points evaluate the loss only and the gradient comes where the step is
/// accepted (issue 12): the iterates must be those of evaluating both at every trial, and the
/// gradient completing a loss-only evaluation must equal a fresh evaluation's.
@Suite("Loss-only line search")
struct LossOnlyLineSearchTests {
    /// Rosenbrock function, minimum 0 at (1, 1).
    static func rosenbrock(_ x: [Double]) -> (loss: Double, gradient: [Double]) {
        let a = 1 - x[0], b = x[1] - x[0] * x[0]
        return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
    }

    @Test func splitEvaluationGivesTheIteratesOfFullEvaluations() {
        // An upper bound that becomes active, so projection and the active set are exercised too.
        let optimizer = BoundedLBFGS(lower: [-5, -5], upper: [0.8, 5])
        var combined = optimizer.start(at: [-1.2, 1], evaluate: Self.rosenbrock)
        var split = combined
        var lossCalls = 0, gradientCalls = 0, lastLossPoint: [Double] = []
        for _ in 0..<100 where !combined.converged {
            optimizer.iterate(&combined, evaluate: Self.rosenbrock)
            optimizer.iterate(&split, loss: { x in
                lossCalls += 1
                lastLossPoint = x
                return Self.rosenbrock(x).loss
            }, gradientAtAccepted: { x in
                gradientCalls += 1
                // The accepted point is the last trial, so its forward run can be reused.
                #expect(x == lastLossPoint)
                return Self.rosenbrock(x).gradient
            })
            #expect(split == combined)
        }
        #expect(combined.x[0] == 0.8)
        // Backtracking happened (more trials than accepted steps) and only accepted steps took a gradient.
        #expect(gradientCalls == split.iteration)
        #expect(lossCalls == split.evaluations - 1)
        #expect(lossCalls > gradientCalls, "no backtracking on Rosenbrock: \(lossCalls) trials, \(gradientCalls) accepted")
    }

    @Test func gradientAfterALossOnlyEvaluationEqualsAFreshOne() throws {
        for backend in ObjectiveSessionTests.backends() {
            var objective = try ObjectiveSessionTests.objective(backend)
            let clock = EvaluationStageClock()
            objective.stageClock = clock
            let x0 = objective.setup.initialFreeValues()
            let x = x0.map { $0 + 0.25 }, other = x0.map { $0 - 0.15 }
            let fresh = try ObjectiveSessionTests.objective(backend).evaluate(x, gradient: true)

            let trial = try objective.lossEvaluation(x)
            #expect(trial.gradient == nil)
            #expect(trial.loss == fresh.loss, "\(backend.name)")
            #expect(trial.nse == fresh.nse, "\(backend.name)")
            clock.reset()
            let accepted = try objective.evaluate(x, gradient: true)
            // Only the reverse sweeps (and the loss again, to seed them) ran: no runoff forward.
            #expect(clock.totals[.runoff] == nil, "\(backend.name): the forward ran again")
            #expect(clock.totals[.runoffAdjoint] != nil)
            #expect(accepted.loss == fresh.loss, "\(backend.name)")
            #expect(accepted.gradient == fresh.gradient, "\(backend.name)")
            #expect(accepted.discharge == fresh.discharge, "\(backend.name)")

            // A loss-only run at one point, then a gradient at another: nothing reused.
            _ = try objective.lossEvaluation(other)
            clock.reset()
            let elsewhere = try objective.evaluate(x, gradient: true)
            #expect(clock.totals[.runoff] != nil)
            #expect(elsewhere.gradient == fresh.gradient, "\(backend.name)")
            // A kept run is used once: a second gradient at the same point runs the forward again.
            _ = try objective.lossEvaluation(other)
            _ = try objective.evaluate(other, gradient: true)
            clock.reset()
            _ = try objective.evaluate(other, gradient: true)
            #expect(clock.totals[.runoff] != nil)
        }
    }

    /// A copy with another loss shares the session and the kept forward: the loss and its
    /// seed are recomputed from the kept discharge, so the copy's own loss is what it gets.
    @Test func aCopyWithAnotherLossGetsItsOwnGradient() throws {
        let objective = try ObjectiveSessionTests.objective(.reference)
        var kge = objective
        kge.loss = .oneMinusKGE
        let x = objective.setup.initialFreeValues().map { $0 + 0.1 }
        let expected = try ObjectiveSessionTests.objective(.reference).with(loss: .oneMinusKGE).evaluate(x, gradient: true)
        _ = try objective.lossEvaluation(x)
        let got = try kge.evaluate(x, gradient: true)
        #expect(got.loss == expected.loss)
        #expect(got.gradient == expected.gradient)
    }
}

private extension CalibrationObjective {
    func with(loss: DischargeLoss) -> CalibrationObjective {
        var copy = self
        copy.loss = loss
        return copy
    }
}

/// `check-gradient CONFIG`'s check on a real case chain (the Lez sub-basin): the reference
/// adjoint against central differences, the OpenCL Float loss and gradient against Double.
@Suite("Case gradient check")
struct CaseGradientCheckTests {
    @Test func adjointMatchesFiniteDifferencesAndFloatStaysNearDouble() throws {
        let reference = try ObjectiveSessionTests.objective(.reference)
        let openCL = try ObjectiveSessionTests.backends().dropFirst().first.map { try ObjectiveSessionTests.objective($0) }
        let report = try CaseGradientCheck.run(reference: reference, openCL: openCL)
        #expect(report.rows.count == reference.freeCount)
        #expect(report.worstRelativeError < 1e-5, "\(report.rows.map { ($0.name, $0.relativeError) })")
        // The finite differences are independent of the adjoint; check one is not trivially zero.
        #expect(report.rows.contains { abs($0.finiteDifference) > 1e-6 })
        if openCL != nil {
            #expect(report.lossDrift! < 1e-4, "loss drift \(report.lossDrift!)")
            #expect(report.gradientDrift! < 1e-3, "gradient drift \(report.gradientDrift!)")
        }
    }
}
