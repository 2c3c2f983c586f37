import Foundation
import HydroGPU
import Testing
import TestSupport

/// The OpenCL kernels against hydrodl2 1.4.0 itself (torch float32 forward and autograd) on the
/// shared reference case: storages, unrouted runoff, and d RMSE / d raw parameters through the
/// gamma unit hydrograph (the routing and loss from the reference backend).
@Suite(.enabled(if: TestDevice.available && HydroDL2Data.available, "needs an OpenCL device and ../shared/reference/hydrodl2-hbv"))
struct OpenCLSequentialHydroDL2Tests {
    let device = TestDevice.shared!

    @Test func runoffAndFinalStoragesMatchTorch() throws {
        let c = try HydroDL2ReferenceTests.MainCase()
        let result = try OpenCLRunoffModel(device: device).forward(c.problem)
        let fluxes = try HydroDL2Data.load("fluxes.npy"), storages = try HydroDL2Data.load("storages.npy")
        var close = Closeness(relative: 1e-5, floor: 1e-6)
        for t in 0..<730 {
            for b in 0..<3 { close.check(Double(result.runoff[t * 3 + b]), fluxes.values[(t * 3 + b) * 16 + 1], "day \(t) basin \(b) runoff") }
        }
        for b in 0..<3 {
            for s in HBVStorage.allCases where s.process != .glacier {   // δHBV has no ice store
                close.check(Double(result.finalStates[s.rawValue * 3 + b]), storages.values[(729 * 3 + b) * 5 + s.rawValue], "basin \(b) \(s.name)")
            }
        }
        #expect(close.failures == 0, "\(close.summary)")
    }

    @Test func rmseGradientMatchesTorchAutograd() throws {
        let c = try HydroDL2ReferenceTests.MainCase()
        let model = OpenCLRunoffModel(device: device)
        let forward = try model.forward(c.problem)
        let routed = GammaUnitHydrograph.route(forward.runoff, steps: 730, cells: 3, routeA: c.routeA, routeB: c.routeB)
        let (_, gRouted) = RootMeanSquareError.evaluate(simulated: routed, observed: c.observed)
        let uh = GammaUnitHydrograph.adjoint(runoff: forward.runoff, routedAdjoint: gRouted, steps: 730, cells: 3,
                                             routeA: c.routeA, routeB: c.routeB)
        let gradient = try model.gradient(c.problem, runoffAdjoint: uh.runoff).gradient
        let expected = try HydroDL2Data.load("grad_raw.npy")
        var mine = [Double](), want = [Double]()
        for b in 0..<3 {
            for (i, parameter) in HydroDL2Data.parameterOrder.prefix(12).enumerated() {
                mine.append(Double(gradient.parameters[parameter]![b]) * HydroDL2Data.chain(u: c.u[b][i], bounds: parameter.bounds))
                want.append(expected.values[b * 14 + i])
            }
        }
        try GradientComparison.expectClose(mine, want, label: "OpenCL grad_raw (12 HBV parameters x 3 basins)")
    }
}
