import Foundation
import HydroGPU
import Testing

struct RoutingReferenceTests {
    /// A straight chain of cells under constant runoff reaches the steady state in which the
    /// outlet discharges everything generated upstream: Q = Σ r·A / (1000·dt).
    @Test func chainReachesAnalyticSteadyState() throws {
        let network = try DrainageNetwork(flowDirections: smallRaster([[1, 1, 1, 1, 0]], cellSize: 1000))
        let steps = 400, n = network.cellCount
        let problem = RoutingProblem<Double>(steps: steps, stepSeconds: 3600, localRunoff: [Double](repeating: 1, count: steps * n), velocity: [0.5], cells: n)
        let result = try LinearReservoirRouting(network: network).forward(problem)
        let outlet = network.outlets[0]
        let expected = 5 * 1e6 * 1e-3 / 3600
        #expect(abs(result.discharge[(steps - 1) * n + outlet] - expected) / expected < 1e-12)
        // First step of the first cell by hand: V = dt·I/(1 + dt·k), Q = k·V.
        let k = 0.5 / 1000, inflow = 1e6 * 1e-3 / 3600
        #expect(abs(result.discharge[0] - k * 3600 * inflow / (1 + 3600 * k)) < 1e-15)
    }

    @Test(.enabled(if: RoutingTestData.available, "needs ../shared/data"))
    func massIsConservedInDoubleAndFloat() throws {
        let c = try CanceRoutingCase(steps: 200)
        let router = LinearReservoirRouting<Double>(network: c.network)
        let d = try router.forward(c.problem(Double.self)).massBalance
        #expect(d.relativeError < 1e-13, "Double closure \(d.relativeError)")
        #expect(d.maxCellRelativeError < 1e-13, "Double closure of one cell \(d.maxCellRelativeError)")
        #expect(d.storageChange != 0 && d.outletVolume > 0)
        let f = try LinearReservoirRouting<Float>(network: c.network).forward(c.problem(Float.self)).massBalance
        #expect(f.relativeError < 1e-5, "Float closure \(f.relativeError)")
        #expect(f.maxCellRelativeError < 1e-5, "Float closure of one cell \(f.maxCellRelativeError)")
        // The audit sees a leak: removing 1 m³ from one cell's final storage breaks both closures.
        let base = try router.forward(c.problem(Double.self))
        var leaky = base.finalStorage
        leaky[5] -= 1
        let audit = RoutingMassBalance(network: c.network, stepSeconds: c.stepSeconds, steps: c.steps, localRunoff: c.runoff,
                                       discharge: base.discharge, initialStorage: c.initialStorage, finalStorage: leaky)
        #expect(abs(audit.error - 1) < 1e-6 && abs(audit.maxCellError - 1) < 1e-6)
    }

    @Test(.enabled(if: RoutingTestData.available, "needs ../shared/data"))
    func adjointMatchesCentralDifferences() throws {
        let c = try CanceRoutingCase(steps: 48)
        let router = LinearReservoirRouting<Double>(network: c.network)
        let base = try router.forward(c.problem(Double.self))
        let gradient = try router.adjoint(c.problem(Double.self), discharge: base.discharge, seed: .field(c.seed(base.discharge)))
        func loss(velocity: [Double]? = nil, runoff: [Double]? = nil, storage: [Double]? = nil) throws -> Double {
            c.loss(try router.forward(c.problem(Double.self, velocity: velocity, runoff: runoff, initialStorage: storage)).discharge)
        }
        // The loss is quadratic in runoff and initial storage (central differences are exact
        // up to rounding, so a large step keeps rounding small) and smooth in velocity.
        func check(_ name: String, _ index: Int, _ adjoint: Double, _ x: [Double], _ f: ([Double]) throws -> Double) throws {
            let h = name == "velocity" ? 1e-4 * x[index] : name == "runoff" ? 0.1 : 10
            var plus = x, minus = x
            plus[index] += h; minus[index] -= h
            let fd = (try f(plus) - f(minus)) / (2 * h)
            #expect(abs(adjoint - fd) <= 1e-6 * abs(fd), "\(name)[\(index)]: adjoint \(adjoint), finite difference \(fd)")
        }
        let n = c.network.cellCount
        // Cells upstream of the small gauge, the gauges themselves, and others.
        let cells = [c.gauges[0].cell, c.gauges[1].cell, c.gauges[2].cell, 0, 17, 101, 250, n - 1]
        for cell in cells {
            try check("velocity", cell, gradient.velocity[cell], c.velocity) { try loss(velocity: $0) }
            try check("initial storage", cell, gradient.initialStorage[cell], c.initialStorage) { try loss(storage: $0) }
            for t in [0, 7, 30, 47] {
                try check("runoff", t * n + cell, gradient.localRunoff[t * n + cell], c.runoff) { try loss(runoff: $0) }
            }
        }
        // Uniform velocity: the derivative is the sum over cells.
        let v0 = 0.9
        let uniform = try router.gradient(c.problem(Double.self, velocity: [v0]), seed: .field(c.seed(try router.forward(c.problem(Double.self, velocity: [v0])).discharge)))
        let h = 1e-6
        let fd = (try loss(velocity: [v0 + h]) - loss(velocity: [v0 - h])) / (2 * h)
        #expect(abs(uniform.gradient.uniformVelocity - fd) <= 1e-6 * abs(fd), "uniform velocity: \(uniform.gradient.uniformVelocity) vs \(fd)")
    }

    @Test(.enabled(if: RoutingTestData.available, "needs ../shared/data"))
    func gaugeSeedEqualsTheSameFieldSeed() throws {
        let c = try CanceRoutingCase(steps: 24)
        let router = LinearReservoirRouting<Double>(network: c.network)
        let problem: RoutingProblem<Double> = c.problem()
        let q = try router.forward(problem).discharge
        let g = c.gauges.count, n = c.network.cellCount
        let adjoint = (0..<(c.steps * g)).map { Double($0 % 7) - 3 }
        var field = [Double](repeating: 0, count: c.steps * n)
        for t in 0..<c.steps { for (j, gauge) in c.gauges.enumerated() { field[t * n + gauge.cell] = adjoint[t * g + j] } }
        let a = try router.adjoint(problem, discharge: q, seed: .gauges(cells: c.gauges.map(\.cell), adjoint: adjoint))
        let b = try router.adjoint(problem, discharge: q, seed: .field(field))
        #expect(a.localRunoff == b.localRunoff && a.velocity == b.velocity && a.initialStorage == b.initialStorage)
    }

    @Test func invalidInputsAreNamed() throws {
        let network = try DrainageNetwork(flowDirections: smallRaster([[1, 0]]))
        let router = LinearReservoirRouting<Double>(network: network)
        let e1 = #expect(throws: RoutingError.self) { try router.forward(RoutingProblem(steps: 3, stepSeconds: 60, localRunoff: [1, 2, 3], velocity: [1], cells: 2)) }
        #expect(e1?.message.contains("expected steps x cells = 3 x 2") == true)
        let e2 = #expect(throws: RoutingError.self) { try router.forward(RoutingProblem(steps: 1, stepSeconds: 60, localRunoff: [1, 2], velocity: [1, -1], cells: 2)) }
        #expect(e2?.message.contains("velocity of cell 1 is -1.0") == true)
    }
}
