import Foundation
import HydroGPU
import Testing

@Suite struct RegionalisationNormalisationTests {
    // Three cells x two descriptors (elevation m, slope); cell 3 is inactive and holds NaN.
    let names = ["elevation", "slope"]
    let matrix: [Double] = [100, 0.1,
                            200, 0.3,
                            300, 0.2,
                            .nan, .nan]
    let active = [true, true, true, false]

    @Test func standardScoreOverActiveCells() throws {
        let normalisation = try DescriptorNormalisation(fitting: matrix, cells: 4, names: names, active: active, method: .standardScore)
        // elevation: mean 200, population std sqrt(20000/3); slope: mean 0.2, std sqrt(0.02/3).
        #expect(abs(normalisation.centres[0] - 200) < 1e-12)
        #expect(abs(normalisation.scales[0] - (20000.0 / 3).squareRoot()) < 1e-9)
        #expect(abs(normalisation.centres[1] - 0.2) < 1e-15)
        #expect(abs(normalisation.scales[1] - (0.02 / 3).squareRoot()) < 1e-15)
        let z: [Double] = try normalisation.apply(matrix, cells: 4, active: active)
        let s = 1.5.squareRoot()  // 100 / sqrt(20000/3) = sqrt(3/2)
        let expected = [-s, -s, 0, s, s, 0, 0, 0]
        for (got, want) in zip(z, expected) { #expect(abs(got - want) < 1e-12, "\(z)") }
    }

    @Test func minMaxMapsActiveCellsOntoTheUnitInterval() throws {
        let normalisation = try DescriptorNormalisation(fitting: matrix, cells: 4, names: names, active: active, method: .minMax)
        let z: [Float] = try normalisation.apply(matrix, cells: 4, active: active)
        let expected: [Float] = [0, 0, 0.5, 1, 1, 0.5, 0, 0]
        for (got, want) in zip(z, expected) { #expect(abs(got - want) < 1e-6, "\(z)") }
    }

    @Test func nonFiniteValueInAnActiveCellNamesDescriptorAndCell() throws {
        var bad = matrix
        bad[2 * 2 + 1] = .nan  // cell 2, slope
        let error = #expect(throws: DescriptorError.self) {
            try DescriptorNormalisation(fitting: bad, cells: 4, names: names, active: active)
        }
        #expect(error?.descriptor == "slope")
        #expect(error?.cell == 2)
        #expect(error?.description == "descriptors, descriptor 'slope', cell 2: value is nan")
        // Applying a fitted normalisation checks too; without a mask, cell 3's NaN counts.
        let fitted = try DescriptorNormalisation(fitting: matrix, cells: 4, names: names, active: active)
        let applyError = #expect(throws: DescriptorError.self) { let _: [Double] = try fitted.apply(matrix, cells: 4) }
        #expect(applyError?.descriptor == "elevation" && applyError?.cell == 3)
    }

    @Test func constantDescriptorNormalisesToZero() throws {
        let constant: [Double] = [5, 1, 5, 2, 5, 3]
        for method in NormalisationMethod.allCases {
            let normalisation = try DescriptorNormalisation(fitting: constant, cells: 3, names: ["soil", "clay"], method: method)
            let z: [Double] = try normalisation.apply(constant, cells: 3)
            #expect([z[0], z[2], z[4]] == [0, 0, 0], "\(method)")
        }
    }

    @Test func shapeProblemsAreErrors() {
        #expect(throws: DescriptorError.self) { try DescriptorNormalisation(fitting: [1, 2, 3], cells: 2, names: names) }
        #expect(throws: DescriptorError.self) { try DescriptorNormalisation(fitting: [1, 2], cells: 1, names: names, active: [true, true]) }
        #expect(throws: DescriptorError.self) { try DescriptorNormalisation(fitting: [1, 2], cells: 1, names: names, active: [false]) }
        #expect(throws: DescriptorError.self) { try DescriptorNormalisation(names: ["a"], method: .minMax, centres: [0], scales: [0]) }
    }

    @Test func savedStatisticsRoundTrip() throws {
        let normalisation = try DescriptorNormalisation(fitting: matrix, cells: 4, names: names, active: active)
        let decoded = try JSONDecoder().decode(DescriptorNormalisation.self, from: JSONEncoder().encode(normalisation))
        #expect(decoded == normalisation)
        let network = try MultilayerPerceptron(layerSizes: [2, 4, 3], activation: .leakyReLU(slope: 0.05), seed: 9)
        #expect(try JSONDecoder().decode(MultilayerPerceptron.self, from: JSONEncoder().encode(network)) == network)
    }
}
