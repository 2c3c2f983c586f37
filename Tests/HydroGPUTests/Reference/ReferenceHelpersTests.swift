import Foundation
import HydroGPU
import Testing

struct ReferenceHelpersTests {
    @Test func componentMeanAndItsAdjoint() {
        // 2 steps, 2 cells, 3 components: unit = cell * 3 + k.
        let values: [Double] = [1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60]
        let mean = ComponentMean.average(values, steps: 2, cells: 2, components: 3)
        #expect(mean == [2, 20, 5, 50])
        let spread = ComponentMean.spread([3, 6, 9, 12], steps: 2, cells: 2, components: 3)
        #expect(spread == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        // Adjoint identity: <spread(g), x> == <g, average(x)>.
        let g: [Double] = [0.3, -1.2, 2.5, 0.7]
        let lhs = zip(ComponentMean.spread(g, steps: 2, cells: 2, components: 3), values).map(*).reduce(0, +)
        let rhs = zip(g, mean).map(*).reduce(0, +)
        #expect(abs(lhs - rhs) <= 1e-12)
    }

    @Test func packedParametersFollowSlotsAndScaleRates() throws {
        let steps = 4, units = 2
        let forcing = HBVForcing<Double>(steps: steps, cells: 2, precipitation: .init(repeating: 0, count: 8),
                                         temperature: .init(repeating: 0, count: 8), pet: .init(repeating: 0, count: 8))
        var parameters: [HBVParameter: ParameterSeries<Double>] = [:]
        for p in HBVParameter.allCases where p != .c { parameters[p] = .uniform(1, units: units, steps: steps) }
        parameters[.k1] = ParameterSeries(slots: 2, units: units, values: [0.1, 0.2, 0.3, 0.4], slotOfStep: [1, 0, 1, 0])
        let problem = RunoffProblem(configuration: HBVConfiguration(stepDays: 0.5), forcing: forcing, parameters: parameters)
        let packed = try PackedParameters(problem, required: [.k1], defaults: [.c: 7])
        let n = PackedParameters<Double>.count
        let k1 = HBVParameter.k1.rawValue, c = HBVParameter.c.rawValue, fc = HBVParameter.fc.rawValue
        #expect(packed.values[packed.stepBase[0 * n + k1] + 1] == 0.4 * 0.5)   // step 0 reads slot 1, rate halved
        #expect(packed.values[packed.stepBase[1 * n + k1] + 0] == 0.1 * 0.5)
        #expect(packed.values[packed.stepBase[2 * n + fc] + 1] == 1)            // not a rate
        #expect(packed.values[packed.stepBase[3 * n + c] + 0] == 7 * 0.5)       // default, scaled as a rate
        #expect(!packed.given.contains(.c))
        var gradient = [Double](repeating: 0, count: packed.values.count)
        gradient[packed.offsets[k1] + 3] = 2
        let split = packed.gradients(from: gradient)
        #expect(split[.k1] == [0, 0, 0, 1])   // dL/dK1(day) = dL/dK1(step) * stepDays
        #expect(split[.c] == nil && split.count == HBVParameter.allCases.count - 1)   // every given parameter: all but C
    }

    @Test func numpyArrayReadsFloat32AndFloat64() throws {
        func npy(_ descr: String, shape: String, payload: [UInt8]) -> Data {
            var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
            bytes += Array(header.utf8) + payload
            return Data(bytes)
        }
        let floats: [Float] = [1.5, -2, 3.25, 0, 1e-3, 7]
        let f4 = try NumpyArray.parse(npy("<f4", shape: "(2, 3)", payload: floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }), file: "a.npy")
        #expect(f4.shape == [2, 3] && f4.values == floats.map(Double.init))
        let doubles: [Double] = [0.1, 2e-300, -4]
        let f8 = try NumpyArray.parse(npy("<f8", shape: "(3,)", payload: doubles.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }), file: "b.npy")
        #expect(f8.shape == [3] && f8.values == doubles)
        let error = #expect(throws: InputError.self) { try NumpyArray.parse(npy("<i8", shape: "(1,)", payload: [UInt8](repeating: 0, count: 8)), file: "c.npy") }
        #expect(error?.description.hasPrefix("c.npy: dtype") == true)
        #expect(throws: InputError.self) { try NumpyArray.parse(npy("<f4", shape: "(4,)", payload: [0, 0, 0, 0]), file: "d.npy") }
        #expect(throws: InputError.self) { try NumpyArray.parse(Data([1, 2, 3]), file: "e.npy") }
    }
}
