import DeviceTensor
import Foundation
import HydroGPU
import Testing
import TestSupport

/// The OpenCL training evaluation with the parameter expansion (the exchange factor EXCHANGE among them) and D8
/// routing on the device (`CalibrationObjective` on `.openCL`, `deviceRouting` and
/// `deviceExpansion` on by default) against the reference backend's evaluation in Double on
/// real Lez data: loss within 1e-5 relative, gradient within 1e-3 of its largest component, for
/// calibrated uniform and distributed velocities and exchange factors, a fixed exchange factor
/// and pseudo-observed cells, and HBV parameters in zones, monthly, per step and fixed. The
/// host expansion (`deviceExpansion` off, the same Float kernels) agrees more closely still.
@Suite("Device-resident training evaluation", .enabled(if: TestDevice.available, "needs an OpenCL device"))
struct DeviceRoutedEvaluationTests {
    enum Layout: String, CaseIterable, Sendable {
        /// The three nested Lez gauges, calibrated uniform velocity and exchange factor.
        case uniform
        /// Velocity and exchange factor one per cell (sub-basin of Y3204010).
        case distributed
        /// A fixed exchange factor of 1.3 and the pseudo-observed term at ungauged cells.
        case fixedExchangeAndPseudoCells
        /// HBV parameters in every layout the device expansion handles: FC in zones, BETA
        /// monthly, LP in zones and monthly, K1 distributed and monthly, PERC one value per
        /// step, UZL fixed, the rest uniform (sub-basin of Y3204010, four months).
        case mixedHBVLayouts
    }

    /// The reference objective of `layout` (Double, host routing) and its data's sizes.
    static func reference(_ layout: Layout) throws -> CalibrationObjective {
        switch layout {
        case .uniform:
            let hydroCase = try HydroCase.load(CalibrationPipelineTests.repository.appending(path: "configs/lez.yaml"))
            let full = try CalibrationData.from(hydroCase)
            let outlet = try #require(full.gauges.firstIndex { $0.id == "Y3204040" })
            var data = try full.subBasin(gauge: outlet, steps: 120)
            data.calibrationSteps = 30..<120
            var config = hydroCase.config
            config.parameters = [:]
            config.parameters["EXCHANGE"] = ParameterConfig(initial: 1.2)
            let objective = try CalibrationPipelineTests.objective(config, data)
            #expect(objective.data.gauges.count == 3)
            return objective
        case .distributed:
            var (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 90)
            data.calibrationSteps = 20..<90
            config.parameters["EXCHANGE"] = ParameterConfig(spatial: .distributed, initial: 1.4)
            return try CalibrationPipelineTests.objective(config, data, distributedVelocity: true)
        case .fixedExchangeAndPseudoCells:
            var (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 90)
            data.calibrationSteps = 20..<90
            config.parameters["EXCHANGE"] = ParameterConfig(fixed: 1.3)
            var objective = try CalibrationPipelineTests.objective(config, data)
            objective.pseudoObserved = try PseudoObservations.select(PseudoObservedConfig(weight: 0.5, minAreaKm2: 5), data: data, file: "lez.yaml")
            return objective
        case .mixedHBVLayouts:
            var (config, data) = try CalibrationPipelineTests.lezSubBasin(steps: 120)
            data.calibrationSteps = 20..<120
            var setup = try CalibrationPipelineTests.objective(config, data).setup
            let zones = SpatialLayout.zones(zoneOfCell: (0..<data.cells).map { $0 % 3 }, zones: 3)
            let months = TemporalLayout.monthly(monthOfStep: data.time.monthOfSteps())
            var layouts = setup.space.layouts
            layouts[.fc] = ParameterLayout(spatial: zones, initialValue: 250)
            layouts[.beta] = ParameterLayout(temporal: months)
            layouts[.lp] = ParameterLayout(spatial: zones, temporal: months)
            layouts[.k1] = ParameterLayout(spatial: .distributed, temporal: months)
            layouts[.perc] = ParameterLayout(temporal: .dynamic)
            layouts[.uzl] = .fixed(20)
            setup.space = try ParameterSpace(layouts: layouts, cells: data.cells, components: data.configuration.components, steps: data.steps)
            return CalibrationObjective(data: data, setup: setup, priorWeight: 0.01, smoothnessWeight: 0.01)
        }
    }

    static func point(_ objective: CalibrationObjective) -> [Double] {
        var x = objective.setup.initialFreeValues()
        var generator = SeededGenerator(seed: 5)
        for i in x.indices { x[i] += Double.random(in: -0.3...0.3, using: &generator) }
        return x
    }

    @Test(arguments: Layout.allCases)
    func deviceEvaluationMatchesTheReferenceBackend(layout: Layout) throws {
        let reference = try Self.reference(layout)
        var device = reference
        device.backend = .openCL(OpenCLRunoffModel(device: TestDevice.shared!))
        let names = reference.setup.freeParameterNames
        switch layout {
        case .uniform, .distributed: #expect(names.contains("velocity") && names.contains("EXCHANGE"), "\(names)")
        case .fixedExchangeAndPseudoCells: #expect(!names.contains("EXCHANGE") && (reference.pseudoObserved?.cells.count ?? 0) >= 3)
        case .mixedHBVLayouts: #expect(names.contains("PERC") && !names.contains("UZL") && Set(reference.data.time.monthOfSteps()).count == 4, "\(names)")
        }
        let x = Self.point(reference)
        let a = try reference.evaluate(x, gradient: true), b = try device.evaluate(x, gradient: true)
        #expect(abs(a.loss - b.loss) <= 1e-5 * abs(a.loss), "\(layout): loss reference \(a.loss), device \(b.loss)")
        let scale = a.gradient!.map(abs).max()!
        var worst = 0.0
        for i in x.indices {
            worst = max(worst, abs(a.gradient![i] - b.gradient![i]) / scale)
            #expect(abs(a.gradient![i] - b.gradient![i]) <= 1e-3 * scale,
                    "\(layout) \(reference.setup.describe(index: i)): reference \(a.gradient![i]), device \(b.gradient![i])")
        }
        // The routing and exchange blocks are not negligible, so their device gradients are tested.
        let routingBlock = reference.setup.space.freeCount..<(reference.setup.freeCount - (reference.setup.network?.weightCount ?? 0))
        let exchangeBlock = reference.setup.space.offsets[.exchangeFactor].map { $0..<reference.setup.space.freeCount } ?? 0..<0
        #expect((Array(routingBlock) + Array(exchangeBlock)).contains { abs(a.gradient![$0]) > 1e-3 * scale }, "\(layout): routing and exchange blocks too small to test")
        for g in a.discharge.indices {
            let peak = a.discharge[g].max()!
            #expect(zip(a.discharge[g], b.discharge[g]).allSatisfy { abs($0 - $1) <= 1e-4 * peak }, "\(layout) gauge \(g) discharge")
        }
        #expect(a.nse.count == b.nse.count)
        // The host expansion on the same device: the same Float kernels from parameter values
        // computed in Double and rounded, and a Double pull-back.
        var hostExpansion = device
        hostExpansion.deviceExpansion = false
        let c = try hostExpansion.evaluate(x, gradient: true)
        #expect(abs(c.loss - b.loss) <= 1e-6 * abs(c.loss), "\(layout): loss host expansion \(c.loss), device \(b.loss)")
        var worstHost = 0.0
        for i in x.indices {
            worstHost = max(worstHost, abs(c.gradient![i] - b.gradient![i]) / scale)
            #expect(abs(c.gradient![i] - b.gradient![i]) <= 1e-4 * scale,
                    "\(layout) \(reference.setup.describe(index: i)): host expansion \(c.gradient![i]), device \(b.gradient![i])")
        }
        print("device evaluation (\(layout)): loss \(a.loss) vs \(b.loss), relative \(abs(a.loss - b.loss) / abs(a.loss)); gradient worst \(worst) of max; against the host expansion \(worstHost)")
    }

    /// A loss-only evaluation keeps the device forward run; the gradient at the same point then
    /// runs only the reverse sweeps and equals a fresh evaluation's bit for bit.
    @Test func keptDeviceForwardGivesTheFreshGradient() throws {
        var objective = try Self.reference(.uniform)
        objective.backend = .openCL(OpenCLRunoffModel(device: TestDevice.shared!))
        let x = Self.point(objective)
        let fresh = try objective.evaluate(x, gradient: true)
        let other = x.map { $0 + 0.1 }
        _ = try objective.lossEvaluation(other)
        let kept = try objective.lossEvaluation(x)
        #expect(kept.loss == fresh.loss)
        let reused = try objective.evaluate(x, gradient: true)
        #expect(reused.gradient == fresh.gradient)
        #expect(reused.loss == fresh.loss && reused.discharge == fresh.discharge)
    }

    /// What crosses between host and device in one evaluation with gradient: the free values up
    /// and dL/d(free values) down (with the host expansion: every parameter's series up and
    /// its gradient down, one value per unit and slot), the loss cells' series down and their
    /// seeds up, velocity and exchange values up and their gradients down; never a
    /// `[steps][cells]` field.
    @Test(arguments: [Layout.uniform, .distributed, .mixedHBVLayouts], [true, false])
    func onlyTheLossCellsSeriesCross(layout: Layout, deviceExpansion: Bool) throws {
        // A device of its own, so that the other suites' transfers are not counted.
        let device = try ComputeDevice(TestDevice.shared!.info)
        var objective = try Self.reference(layout)
        objective.backend = .openCL(OpenCLRunoffModel(device: device))
        objective.deviceExpansion = deviceExpansion
        let x = Self.point(objective)
        _ = try objective.evaluate(x, gradient: true)  // session, forcing upload
        device.resetTransfers()
        _ = try objective.evaluate(x.map { $0 + 0.05 }, gradient: true)
        let moved = device.transferred.totalBytes

        let data = objective.data, setup = objective.setup, steps = data.calibrationSteps.upperBound
        let series = setup.space.expand(free: setup.parameterPart(x), networkRaw: nil, as: Double.self)
        let parameterValues = deviceExpansion ? setup.space.freeCount : series.values.reduce(0) { $0 + $1.values.count }
        let lossCells = Set(data.gauges.map(\.cell) + (objective.pseudoObserved?.cells ?? [])).count
        let velocity = setup.distributedVelocity ? data.cells : 1
        let expected = 4 * (2 * parameterValues + 2 * steps * lossCells + 2 * velocity)
        let field = 4 * steps * data.cells
        #expect(moved <= expected, "\(layout): \(moved) bytes, expected at most \(expected)")
        // With the host expansion a per-step parameter's series is itself a field (PERC in the mixed layouts).
        if deviceExpansion || layout != .mixedHBVLayouts {
            #expect(moved < field, "\(layout): \(moved) bytes, a runoff field is \(field)")
        }
        print("device evaluation (\(layout), device expansion \(deviceExpansion)): \(moved) bytes per evaluation with gradient (one runoff field: \(field)): \(device.transferred)")
    }
}
