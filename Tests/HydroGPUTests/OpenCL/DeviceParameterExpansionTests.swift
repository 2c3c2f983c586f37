import DeviceTensor
import Foundation
import HydroGPU
import Testing
import TestSupport

/// The device parameter expansion and pull-back (`DeviceParameterExpansion`,
/// kernels/parameter_expansion.cl) against the host's `ParameterSpace.expand` and `.pullBack` in
/// Double, for every spatial x temporal layout, one and two components per cell, and chunk sizes
/// that cut groups into several chunks or none: the physical values written into the runoff
/// solver's parameter buffer, the blocks it must leave alone (a fixed per-cell map, a
/// network-fed parameter), and dL/d(raw) from a given per-unit gradient.
@Suite("Parameter expansion on the device", .enabled(if: TestDevice.available, "needs an OpenCL device"))
struct DeviceParameterExpansionTests {
    enum Spatial: String, CaseIterable, Sendable { case uniform, zones, distributed }
    enum Temporal: String, CaseIterable, Sendable { case constant, monthly, dynamic }

    static let cells = 23
    static let steps = 40
    /// Held at a per-cell map (a fixed parameter of a form other than one value) and fed by the
    /// network: the expansion must write neither.
    static let fixed = HBVParameter.allCases[1]
    static let networkFed = HBVParameter.allCases[2]

    /// Zones 0-4 over the cells, zone 3 empty (its free values get no cell and a zero gradient).
    static let zoneOfCell = (0..<cells).map { c in [0, 1, 2, 4, 4, 1, 0][(c * 5) % 7] }

    static func layout(_ spatial: Spatial, _ temporal: Temporal) -> ParameterLayout {
        let s: SpatialLayout = switch spatial {
        case .uniform: .uniform
        case .zones: .zones(zoneOfCell: zoneOfCell, zones: 5)
        case .distributed: .distributed
        }
        // Ten months appear, November and December not (slots without steps).
        let t: TemporalLayout = switch temporal {
        case .constant: .constant
        case .monthly: .monthly(monthOfStep: (0..<steps).map { Int32($0 / 4) })
        case .dynamic: .dynamic
        }
        return ParameterLayout(spatial: s, temporal: t)
    }

    /// Every parameter free in the tested layout, except `fixed`, `networkFed` and the elevation
    /// correction's (absent without elevations).
    static func space(_ spatial: Spatial, _ temporal: Temporal, components: Int) throws -> ParameterSpace {
        var layouts: [HBVParameter: ParameterLayout] = [:]
        for p in HBVParameter.allCases { layouts[p] = layout(spatial, temporal) }
        let bounds = ParameterBounds(fixed.bounds)
        layouts[fixed] = .fixed((bounds.lower + bounds.upper) / 2)
        layouts[networkFed] = ParameterLayout(spatial: .network)
        // No elevations: the elevation correction's parameters are absent.
        for p in ElevationCorrection.parameters { layouts[p] = .absent }
        return try ParameterSpace(layouts: layouts, cells: cells, components: components, steps: steps)
    }

    static func random(_ count: Int, seed: UInt64, in range: ClosedRange<Double>) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Double.random(in: range, using: &generator) }
    }

    /// The runoff data of `space` at free values `x0`, with `fixed` replaced by a per-cell map.
    static func deviceData(_ space: ParameterSpace, x0: [Double], networkRaw: [Double]) throws -> RunoffDeviceData {
        let units = cells * space.components
        var series = space.expand(free: x0, networkRaw: networkRaw, as: Float.self)
        let bounds = ParameterBounds(fixed.bounds)
        series[fixed] = .distributed((0..<units).map { Float(bounds.lower + (bounds.upper - bounds.lower) * (0.1 + 0.8 * Double($0) / Double(units))) },
                                     steps: steps)
        let n = steps * cells
        let forcing = HBVForcing<Float>(steps: steps, cells: cells, precipitation: [Float](repeating: 2, count: n),
                                        temperature: [Float](repeating: 8, count: n), pet: [Float](repeating: 1, count: n))
        let problem = RunoffProblem(configuration: HBVConfiguration(components: space.components), forcing: forcing, parameters: series)
        return try RunoffDeviceData(device: TestDevice.shared!, problem: problem)
    }

    static func block(_ values: [Float], _ data: RunoffDeviceData, _ p: HBVParameter) -> [Float] {
        let i = p.rawValue
        return Array(values[data.offsets[i] ..< data.offsets[i] + data.slotCounts[i] * data.units])
    }

    @Test(arguments: Spatial.allCases, Temporal.allCases)
    func expansionAndPullBackMatchTheHost(spatial: Spatial, temporal: Temporal) throws {
        for components in [1, 2] {
            for chunkSize in [3, ParameterGroups.defaultChunkSize] {
                let label = "\(spatial) x \(temporal), \(components) components, chunks of \(chunkSize)"
                let space = try Self.space(spatial, temporal, components: components)
                let x0 = Self.random(space.freeCount, seed: 1, in: -2...2)
                let x = Self.random(space.freeCount, seed: 2, in: -2...2)
                let networkRaw = Self.random(Self.cells, seed: 3, in: -1...1)
                let data = try Self.deviceData(space, x0: x0, networkRaw: networkRaw)
                let before = try data.parameterValues.download()
                let expansion = try DeviceParameterExpansion(space: space, data: data, chunkSize: chunkSize)
                #expect(Set(expansion.parameters) == Set(space.offsets.keys), "\(label)")

                // Forward: the free parameters' blocks are the host's expansion at x, the others untouched.
                try expansion.expand(free: x)
                let after = try data.parameterValues.download()
                let host = space.expand(free: x, networkRaw: networkRaw, as: Double.self)
                for p in HBVParameter.allCases {
                    let device = Self.block(after, data, p), old = Self.block(before, data, p)
                    guard space.offsets[p] != nil else {
                        #expect(device == old, "\(label): \(p) is not free and must keep its uploaded block")
                        continue
                    }
                    let expected = host[p]!.values
                    let bounds = space.layouts[p]!.bounds(of: p)
                    let tolerance = 2e-6 * max(abs(bounds.lower), abs(bounds.upper), 1)
                    #expect(device.count == expected.count && zip(device, expected).allSatisfy { abs(Double($0) - $1) <= tolerance },
                            "\(label): \(p) expanded on the device differs from the host")
                    // Not vacuous: the block moved from its value at x0.
                    #expect(device != old, "\(label): \(p) was not rewritten")
                }

                // Adjoint: a per-unit gradient pulled back to dL/d(raw) as the host does in Double.
                let g = Self.random(data.parameterValues.count, seed: 4, in: -1...1).map(Float.init)
                let gradient = try DeviceBuffer<Float>(device: TestDevice.shared!, values: g)
                let device = try expansion.pullBack(gradient)
                var blocks: [HBVParameter: [Float]] = [:], magnitudes: [HBVParameter: [Float]] = [:]
                for p in data.givenParameters {
                    blocks[p] = Self.block(g, data, p)
                    magnitudes[p] = blocks[p]!.map(abs)
                }
                let expected = space.pullBack(blocks, free: x, networkRaw: networkRaw).free
                // Sum of |terms| of each entry: the scale of a Float sum's rounding.
                let scale = space.pullBack(magnitudes, free: x, networkRaw: networkRaw).free
                #expect(device.count == expected.count)
                for i in expected.indices {
                    #expect(abs(device[i] - expected[i]) <= 1e-5 * scale[i] + 1e-30, "\(label): dL/d(raw) \(i): device \(device[i]), host \(expected[i])")
                }
                if spatial == .zones {
                    // The empty zone's raw values have no cell: a zero gradient on both sides.
                    let offset = space.offsets[HBVParameter.allCases[0]]!
                    #expect(device[offset + 3 * components] == 0 && expected[offset + 3 * components] == 0, "\(label)")
                }
                // The same bits on a second pull-back: a fixed order, no atomics.
                #expect(try expansion.pullBack(gradient) == device, "\(label): pull-back not repeatable")
            }
        }
    }

    @Test func aSpaceOfOtherSlotsIsRefused() throws {
        let monthly = try Self.space(.uniform, .monthly, components: 1)
        let constant = try Self.space(.uniform, .constant, components: 1)
        let data = try Self.deviceData(constant, x0: constant.initialFreeValues(), networkRaw: [Double](repeating: 0, count: Self.cells))
        #expect(throws: OpenCLRunoffError.self) { try DeviceParameterExpansion(space: monthly, data: data) }
        let expansion = try DeviceParameterExpansion(space: constant, data: data)
        // A pull-back needs the raw values of an expansion.
        #expect(throws: OpenCLRunoffError.self) { _ = try expansion.pullBack(data.parameterValues) }
        #expect(throws: OpenCLRunoffError.self) { try expansion.expand(free: [0]) }
    }
}

/// The host tables the device pull-back sums in (`ParameterGroups`): each group's cells in cell
/// order, cut into chunks that tile the list without straddling two groups.
struct ParameterGroupsTests {
    @Test func uniformOverAThousandCellsIsFourChunks() throws {
        let groups = try #require(ParameterGroups(.uniform, cells: 1000, chunkSize: 256))
        #expect(groups.groups == 1 && groups.groupOfCell == [Int32](repeating: 0, count: 1000))
        #expect(groups.members == (0..<1000).map(Int32.init))
        #expect(groups.chunkStart == [0, 256, 512, 768, 1000])
        #expect(groups.groupChunks == [0, 4])
    }

    @Test func zonesAreListedInCellOrderAndChunkedPerZone() throws {
        // Zone 1 has cells 1, 3, 4 (chunks of two: [1, 3], [4]); zone 2 none; zone 0 cells 0, 2.
        let groups = try #require(ParameterGroups(.zones(zoneOfCell: [0, 1, 0, 1, 1], zones: 3), cells: 5, chunkSize: 2))
        #expect(groups.members == [0, 2, 1, 3, 4])
        #expect(groups.chunkStart == [0, 2, 4, 5])
        #expect(groups.groupChunks == [0, 1, 3, 3])
    }

    @Test func distributedIsOneCellPerGroupAndNetworkHasNone() throws {
        let groups = try #require(ParameterGroups(.distributed, cells: 3))
        #expect(groups.groupOfCell == [0, 1, 2] && groups.chunkStart == [0, 1, 2, 3] && groups.groupChunks == [0, 1, 2, 3])
        #expect(ParameterGroups(.network, cells: 3) == nil)
    }
}
