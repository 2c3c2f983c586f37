import HydroGPU
import Testing

struct DischargeObjectiveTests {
    let observed: [Double] = [1, 2, 4, .nan, 8, 5, 3, 2, 1.5, 1.2]
    let simulated: [Double] = [1.2, 1.8, 4.5, 9, 7, 5.5, 2.5, 2.1, 1.4, 1.0]

    @Test func metricsMatchHandComputedValues() throws {
        let m = try #require(DischargeMetrics(simulated: simulated, observed: observed))
        // The nine pairs with an observation, worked by hand:
        let pairs = zip(simulated, observed).filter { !$0.1.isNaN }
        #expect(m.count == 9)
        let sse = pairs.reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }  // .04+.04+.25+1+.25+.25+.01+.01+.04
        #expect(abs(sse - 1.89) < 1e-12)
        let obsMean = 27.7 / 9
        let ssObs = pairs.reduce(0.0) { $0 + ($1.1 - obsMean) * ($1.1 - obsMean) }
        #expect(abs(m.nse - (1 - 1.89 / ssObs)) < 1e-12)
        #expect(abs(m.rmse - (1.89 / 9).squareRoot()) < 1e-12)
        #expect(abs(m.bias - (27.0 - 27.7) / 9) < 1e-12)
        #expect(abs(m.volumeDifference - (27.0 - 27.7) / 27.7 * 100) < 1e-10)
        // A perfect simulation scores NSE = KGE = 1 and zero errors.
        let perfect = try #require(DischargeMetrics(simulated: observed.map { $0.isNaN ? 0 : $0 }, observed: observed))
        #expect(perfect.nse == 1 && abs(perfect.kge - 1) < 1e-12 && abs(perfect.kge2012 - 1) < 1e-12)
        #expect(perfect.fhv == 0 && perfect.flv == 0 && perfect.peakFlowRMSE == 0)
    }

    @Test func kgeOfAScaledSeriesIsAnalytic() throws {
        // sim = 2 obs: r = 1, alpha = 2, beta = 2 -> KGE = 1 - sqrt(2); gamma = 1 -> KGE2012 = 0.
        let obs: [Double] = [1, 3, 2, 5, 4]
        let m = try #require(DischargeMetrics(simulated: obs.map { 2 * $0 }, observed: obs))
        #expect(abs(m.kge - (1 - 2.0.squareRoot())) < 1e-12)
        #expect(abs(m.kge2012 - 0) < 1e-12)
        #expect(abs(m.correlation - 1) < 1e-12)
    }

    @Test(arguments: DischargeLoss.allCases)
    func lossGradientMatchesFiniteDifferences(loss: DischargeLoss) {
        let (_, gradient) = loss.evaluate(simulated: simulated, observed: observed)
        for i in simulated.indices {
            let h = 1e-6
            var plus = simulated, minus = simulated
            plus[i] += h
            minus[i] -= h
            let fd = (loss.evaluate(simulated: plus, observed: observed).loss - loss.evaluate(simulated: minus, observed: observed).loss) / (2 * h)
            #expect(abs(fd - gradient[i]) <= 1e-6 * max(1, abs(fd)), "\(loss) element \(i): adjoint \(gradient[i]) vs FD \(fd)")
        }
        #expect(gradient[3] == 0, "masked observation must not contribute")
    }

    @Test func lossValuesAgreeWithMetrics() throws {
        let m = try #require(DischargeMetrics(simulated: simulated, observed: observed))
        #expect(abs(DischargeLoss.rmse.evaluate(simulated: simulated, observed: observed).loss - m.rmse) < 1e-12)
        #expect(abs(DischargeLoss.oneMinusNSE.evaluate(simulated: simulated, observed: observed).loss - (1 - m.nse)) < 1e-12)
        #expect(abs(DischargeLoss.oneMinusKGE.evaluate(simulated: simulated, observed: observed).loss - (1 - m.kge)) < 1e-12)
    }
}
