import DeviceTensor
import Foundation
import HydroGPU
import Testing
import TestSupport

/// The device routing's runoff factor (the calibration's exchange factor, folded into the
/// runoff-to-inflow scaling), its adjoint, the gauge gather and the ordered sum, in Double
/// kernels against the host reference routing of the factor-scaled runoff: the factor's
/// gradient is Σ_t dL/d(delivered runoff) × runoff, computed independently on the host.
@Suite(.enabled(if: TestDevice.available && RoutingTestData.available, "needs an OpenCL device and ../shared/data"))
struct RoutingRunoffFactorTests {
    let device = TestDevice.shared!

    @Test(arguments: [false, true])
    func runoffFactorAndItsGradientMatchTheHostReference(distributed: Bool) throws {
        guard device.info.supportsFloat64 else { return }
        let c = try CanceRoutingCase(steps: 40)
        let n = c.network.cellCount, steps = c.steps
        let factors = distributed ? (0..<n).map { 0.6 + Double(($0 * 37) % 17) / 10 } : [1.7]
        func factor(_ cell: Int) -> Double { distributed ? factors[cell] : factors[0] }
        let delivered = c.runoff.indices.map { c.runoff[$0] * factor($0 % n) }

        // Host: route the delivered runoff; chain rule through delivered = factor × runoff.
        let reference = LinearReservoirRouting<Double>(network: c.network)
        let hostProblem = c.problem(Double.self, runoff: delivered)
        let ref = try reference.forward(hostProblem)
        let gauges = c.gauges.map(\.cell)
        let adjoint = (0..<(steps * gauges.count)).map { Double(($0 * 7919) % 13) - 6 }
        let refGradient = try reference.adjoint(hostProblem, discharge: ref.discharge, seed: .gauges(cells: gauges, adjoint: adjoint))
        let refRunoffGradient = refGradient.localRunoff.indices.map { refGradient.localRunoff[$0] * factor($0 % n) }
        var refFactorGradient = [Double](repeating: 0, count: n)
        for t in 0..<steps { for cell in 0..<n { refFactorGradient[cell] += refGradient.localRunoff[t * n + cell] * c.runoff[t * n + cell] } }

        // Device: the undelivered runoff with the factor given to the routing.
        let router = try OpenCLLinearReservoirRouting<Double>(device: device, network: c.network)
        let runoff = try DeviceBuffer(device: device, values: c.runoff, shape: [steps, n])
        let velocity = try DeviceBuffer(device: device, values: c.velocity)
        let initial = try DeviceBuffer(device: device, values: c.initialStorage)
        let factor = try DeviceBuffer(device: device, values: factors)
        let discharge = try DeviceBuffer<Double>(device: device, shape: [steps, n])
        let final = try DeviceBuffer<Double>(device: device, shape: [n])
        try router.forward(steps: steps, stepSeconds: c.stepSeconds, runoff: runoff, velocity: velocity, initialStorage: initial,
                           discharge: discharge, finalStorage: final, runoffFactor: factor)
        let gathered = try DeviceBuffer<Double>(device: device, shape: [steps, gauges.count])
        try router.gather(steps: steps, field: discharge, cells: gauges, into: gathered)
        let seed = try DeviceBuffer(device: device, values: adjoint)
        let runoffGradient = try DeviceBuffer<Double>(device: device, shape: [steps, n])
        let velocityGradient = try DeviceBuffer<Double>(device: device, shape: [n])
        let storageGradient = try DeviceBuffer<Double>(device: device, shape: [n])
        let factorGradient = try DeviceBuffer<Double>(device: device, shape: [n])
        try router.adjoint(steps: steps, stepSeconds: c.stepSeconds, velocity: velocity, discharge: discharge,
                           seed: .gauges(cells: gauges, adjoint: seed), runoffGradient: runoffGradient, velocityGradient: velocityGradient,
                           initialStorageGradient: storageGradient, runoffFactor: factor, runoffFactorGradient: (runoff: runoff, gradient: factorGradient))
        let sum = try DeviceBuffer<Double>(device: device, shape: [1])
        try router.sum(factorGradient, into: sum)

        func close(_ got: [Double], _ want: [Double], _ tolerance: Double, _ name: String) {
            #expect(got.count == want.count, "\(name)")
            let scale = want.map(abs).max() ?? 0
            #expect(scale > 0, "\(name) is all zeros")
            let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance * scale, "\(name): worst difference \(worst), scale \(scale)")
        }
        let deviceDischarge = try discharge.download()
        close(deviceDischarge, ref.discharge, 1e-12, "discharge")
        // The gather copies the gauges' series bit for bit.
        func columns(_ field: [Double]) -> [Double] { (0..<(steps * gauges.count)).map { i in field[(i / gauges.count) * n + gauges[i % gauges.count]] } }
        #expect(try gathered.download() == columns(deviceDischarge))
        close(try runoffGradient.download(), refRunoffGradient, 1e-10, "runoff gradient")
        close(try velocityGradient.download(), refGradient.velocity, 1e-10, "velocity gradient")
        close(try factorGradient.download(), refFactorGradient, 1e-10, "factor gradient per cell")
        let total = refFactorGradient.reduce(0, +)
        #expect(abs(try sum.download()[0] - total) <= 1e-10 * refFactorGradient.map(abs).reduce(0, +), "ordered sum")
    }
}
