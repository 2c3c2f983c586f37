import DeviceTensor
import Foundation
import HydroGPU
import Testing
import TestSupport

/// Largest |a - b| / |b| over components with |b| above `floor` times the largest |b|.
private func relativeDifference<A: BinaryFloatingPoint>(_ a: [A], _ b: [Double], floor: Double = 1e-6) -> Double {
    let scale = b.map(abs).max() ?? 0
    var worst = 0.0
    for i in b.indices where abs(b[i]) > floor * scale {
        worst = max(worst, abs(Double(a[i]) - b[i]) / abs(b[i]))
    }
    return worst
}

private func norm(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }
private func norm<A: BinaryFloatingPoint>(_ x: [A]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

@Suite(.enabled(if: TestDevice.available && RoutingTestData.available, "needs an OpenCL device and ../shared/data"))
struct RoutingOpenCLTests {
    let device = TestDevice.shared!

    @Test func floatKernelsMatchDoubleReference() throws {
        let c = try CanceRoutingCase(steps: 96)
        let reference = LinearReservoirRouting<Double>(network: c.network)
        let ref = try reference.forward(c.problem(Double.self))
        let seed = c.seed(ref.discharge)
        let refGradient = try reference.adjoint(c.problem(Double.self), discharge: ref.discharge, seed: .field(seed))

        let router = try OpenCLLinearReservoirRouting<Float>(device: device, network: c.network)
        let (result, gradient) = try router.gradient(c.problem(Float.self), seed: .field(seed.map { Float($0) }))
        let forward = relativeDifference(result.discharge, ref.discharge)
        let storage = relativeDifference(result.finalStorage, ref.finalStorage)
        #expect(forward < 1e-4, "discharge: \(forward)")
        #expect(storage < 1e-4, "final storage: \(storage)")
        #expect(result.massBalance.relativeError < 1e-5, "Float mass closure \(result.massBalance.relativeError)")
        // Gradients: per component above a noise floor, and on the vector's norm.
        for (name, got, want) in [("runoff", gradient.localRunoff, refGradient.localRunoff),
                                  ("velocity", gradient.velocity, refGradient.velocity),
                                  ("initial storage", gradient.initialStorage, refGradient.initialStorage)] {
            let component = relativeDifference(got, want, floor: 1e-4)
            let normError = abs(norm(got) - norm(want)) / norm(want)
            #expect(component < 1e-3, "\(name) per component: \(component)")
            #expect(normError < 1e-3, "\(name) norm: \(normError)")
        }
    }

    @Test func doubleKernelsAgreeWithReferenceToRounding() throws {
        guard device.info.supportsFloat64 else { return }
        let c = try CanceRoutingCase(steps: 48)
        let reference = LinearReservoirRouting<Double>(network: c.network)
        let ref = try reference.forward(c.problem(Double.self))
        let gauges = c.gauges.map(\.cell)
        let adjoint = (0..<(c.steps * gauges.count)).map { Double(($0 * 7919) % 13) - 6 }
        let refGradient = try reference.adjoint(c.problem(Double.self), discharge: ref.discharge, seed: .gauges(cells: gauges, adjoint: adjoint))
        let router = try OpenCLLinearReservoirRouting<Double>(device: device, network: c.network)
        let (result, gradient) = try router.gradient(c.problem(Double.self), seed: .gauges(cells: gauges, adjoint: adjoint))
        #expect(relativeDifference(result.discharge, ref.discharge) < 1e-12)
        #expect(relativeDifference(gradient.localRunoff, refGradient.localRunoff) < 1e-10)
        #expect(relativeDifference(gradient.velocity, refGradient.velocity) < 1e-10)
        #expect(relativeDifference(gradient.initialStorage, refGradient.initialStorage) < 1e-10)
        #expect(result.massBalance.relativeError < 1e-13)
    }

    @Test func uniformVelocityAndGaugeDischarge() throws {
        let c = try CanceRoutingCase(steps: 24)
        let problem: RoutingProblem<Float> = c.problem(velocity: [0.8])
        let ref = try LinearReservoirRouting<Double>(network: c.network).forward(c.problem(Double.self, velocity: [0.8]))
        let result = try OpenCLLinearReservoirRouting<Float>(device: device, network: c.network).forward(problem)
        let atGauges = result.discharge(at: c.gauges, cells: c.network.cellCount)
        let refAtGauges = ref.discharge(at: c.gauges, cells: c.network.cellCount)
        #expect(atGauges.count == 24 * 3)
        #expect(relativeDifference(atGauges, refAtGauges) < 1e-4)
    }

    @Test func wrongBufferSizeIsNamed() throws {
        let c = try CanceRoutingCase(steps: 2)
        let router = try OpenCLLinearReservoirRouting<Float>(device: device, network: c.network)
        let n = c.network.cellCount
        let small = try DeviceBuffer<Float>(device: device, shape: [n])
        let error = #expect(throws: RoutingError.self) {
            try router.forward(steps: 2, stepSeconds: 3600, runoff: small, velocity: small, initialStorage: small, discharge: small, finalStorage: small)
        }
        #expect(error?.message.contains("runoff buffer has \(n) values; expected \(2 * n)") == true)
    }
}
