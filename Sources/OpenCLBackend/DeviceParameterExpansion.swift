import DeviceTensor
import HydroModel
import Kernels

/// `ParameterSpace.expand` and `.pullBack` of a calibration's free HBV parameters on the OpenCL
/// device, writing into and reading from the runoff solver's own buffers
/// (kernels/parameter_expansion.cl): per evaluation the free raw vector goes up and dL/d(raw)
/// comes down, `space.freeCount` floats each way, instead of one value per unit and slot of
/// every parameter.
///
/// Only free parameters (calibrated from the free vector: neither fixed, network-fed nor absent)
/// are written. Every other block of `data.parameterValues` keeps what was uploaded with the
/// problem, which is how a fixed parameter of any form (one value, a per-cell map, a series)
/// reaches the kernels: expanded on the host once, uploaded once, never rewritten. A network-fed
/// parameter's block is the caller's to upload per evaluation (its values come from the
/// regionalisation network on the host).
///
/// The pull-back is deterministic: two stages with a fixed order and Kahan sums, no
/// floating-point atomics (`ParameterGroups`). Values are Float, as everywhere on the device;
/// the host expansion in Double is the oracle the tests compare with. Not thread-safe (kernel
/// arguments are state), like the solver it serves.
public final class DeviceParameterExpansion {
    public let space: ParameterSpace
    public let data: RunoffDeviceData
    /// The parameters whose blocks `expand` writes, in `HBVParameter` order.
    public let parameters: [HBVParameter]
    /// The free values of the last `expand`, whose raw values the device holds: `pullBack` takes
    /// the sigmoid's slopes there.
    public private(set) var expandedFree: [Double]?

    /// One free parameter: where its raw values, physical values and partial sums live.
    private struct Block {
        var parameter: HBVParameter
        var slots: Int
        var groups: ParameterGroups
        var tables: GroupTables
        var rawOffset: Int
        var valueOffset: Int
        var partialOffset: Int
        var lower: Float
        var span: Float
    }

    /// A `ParameterGroups` on the device, shared by the parameters of one spatial layout.
    private final class GroupTables {
        let groupOfCell, members, chunkStart, groupChunks: DeviceBuffer<Int32>
        init(_ groups: ParameterGroups, device: ComputeDevice) throws(OpenCLError) {
            groupOfCell = try DeviceBuffer(device: device, values: groups.groupOfCell)
            members = try DeviceBuffer(device: device, values: groups.members)
            chunkStart = try DeviceBuffer(device: device, values: groups.chunkStart)
            groupChunks = try DeviceBuffer(device: device, values: groups.groupChunks)
        }
    }

    private let blocks: [Block]
    /// `[space.freeCount]` raw values and their gradient (at least one element: OpenCL buffers
    /// cannot be empty).
    private let raw: DeviceBuffer<Float>
    private let rawGradient: DeviceBuffer<Float>
    /// Stage-1 sums of every block, `[slots][chunks][components]` each, concatenated.
    private let partials: DeviceBuffer<Float>
    private let expandKernel: DeviceKernel
    private let partialKernel: DeviceKernel
    private let reduceKernel: DeviceKernel

    /// Checks that `space` describes `data`'s problem (units, and each free parameter's slots)
    /// and uploads the group tables.
    public init(space: ParameterSpace, data: RunoffDeviceData, chunkSize: Int = ParameterGroups.defaultChunkSize) throws(OpenCLRunoffError) {
        guard space.cells * space.components == data.units else {
            throw .invalidProblem("parameter space has \(space.cells) cells x \(space.components) components; the runoff problem \(data.units) units")
        }
        let device = data.device
        var blocks: [Block] = []
        var shared: [(layout: SpatialLayout, groups: ParameterGroups, tables: GroupTables)] = []
        var partialCount = 0
        for parameter in HBVParameter.allCases {
            guard let rawOffset = space.offsets[parameter], let layout = space.layouts[parameter] else { continue }
            let slots = ParameterSpace.slots(layout.temporal, space.steps)
            let index = parameter.rawValue
            guard data.givenParameters.contains(parameter), data.slotCounts[index] == slots else {
                throw .invalidProblem("free parameter \(parameter.name) has \(slots) slots in the parameter space; the runoff problem \(data.givenParameters.contains(parameter) ? "\(data.slotCounts[index])" : "does not give it")")
            }
            let entry: (layout: SpatialLayout, groups: ParameterGroups, tables: GroupTables)
            if let known = shared.first(where: { $0.layout == layout.spatial }) {
                entry = known
            } else {
                // A parameter with free values is never network-fed (ParameterSpace skips those).
                guard let groups = ParameterGroups(layout.spatial, cells: space.cells, chunkSize: chunkSize) else {
                    preconditionFailure("free parameter \(parameter.name) has no groups")
                }
                entry = (layout.spatial, groups, try onDevice { () throws(OpenCLError) in try GroupTables(groups, device: device) })
                shared.append(entry)
            }
            let bounds = layout.bounds(of: parameter)
            blocks.append(Block(parameter: parameter, slots: slots, groups: entry.groups, tables: entry.tables, rawOffset: rawOffset,
                                valueOffset: data.offsets[index], partialOffset: partialCount,
                                lower: Float(bounds.lower), span: Float(bounds.upper - bounds.lower)))
            partialCount += slots * entry.groups.chunks * space.components
        }
        self.space = space
        self.data = data
        self.blocks = blocks
        self.parameters = blocks.map(\.parameter)
        (raw, rawGradient, partials, expandKernel, partialKernel, reduceKernel) = try onDevice { () throws(OpenCLError) in
            let program = try device.program(source: KernelSources.source(of: .parameterExpansion))
            return (try DeviceBuffer(device: device, shape: [max(space.freeCount, 1)]),
                    try DeviceBuffer(device: device, shape: [max(space.freeCount, 1)]),
                    try DeviceBuffer(device: device, shape: [max(partialCount, 1)]),
                    try program.kernel(ExpandParameter.kernelName), try program.kernel(PullBackPartial.kernelName),
                    try program.kernel(PullBackReduce.kernelName))
        }
    }

    /// Uploads the free raw values (`space.freeCount`) and enqueues the expansion of every free
    /// parameter into `data.parameterValues`; a later launch or download on the queue waits for it.
    public func expand(free: [Double]) throws(OpenCLRunoffError) {
        guard free.count == space.freeCount else {
            throw .problem(.arrayLength(name: "free parameter values", expected: space.freeCount, found: free.count))
        }
        expandedFree = nil
        guard !blocks.isEmpty else { expandedFree = free; return }
        try onDevice { () throws(OpenCLError) in
            try raw.upload(free.map(Float.init))
            for block in blocks {
                let total = block.slots * data.units
                try expandKernel.launch(global: [total], ExpandParameter(
                    units: UInt32(data.units), components: UInt32(space.components), groups: UInt32(block.groups.groups),
                    total: UInt32(total), groupOfCell: block.tables.groupOfCell, rawOffset: UInt32(block.rawOffset), raw: raw,
                    lower: block.lower, span: block.span, valueOffset: UInt32(block.valueOffset), values: data.parameterValues))
            }
        }
        expandedFree = free
    }

    /// dL/d(free raw values) (`space.freeCount`, as `ParameterSpace.pullBack(...).free`) from
    /// `gradient`, the reverse sweep's dL/d(physical parameter values) laid out like
    /// `data.parameterValues`, at the free values of the last `expand`. One download.
    public func pullBack(_ gradient: DeviceBuffer<Float>) throws(OpenCLRunoffError) -> [Double] {
        guard expandedFree != nil else { throw .invalidProblem("parameter pull-back asked before an expansion") }
        guard gradient.count == data.parameterValues.count else {
            throw .problem(.arrayLength(name: "parameter gradient", expected: data.parameterValues.count, found: gradient.count))
        }
        guard !blocks.isEmpty else { return [] }
        let components = space.components
        let values = try onDevice { () throws(OpenCLError) in
            for block in blocks {
                let chunks = block.groups.chunks
                let partialTotal = block.slots * chunks * components
                try partialKernel.launch(global: [partialTotal], PullBackPartial(
                    units: UInt32(data.units), components: UInt32(components), chunks: UInt32(chunks), total: UInt32(partialTotal),
                    chunkStart: block.tables.chunkStart, members: block.tables.members, valueOffset: UInt32(block.valueOffset),
                    gradient: gradient, partialOffset: UInt32(block.partialOffset), partials: partials))
                let freeTotal = block.slots * block.groups.groups * components
                try reduceKernel.launch(global: [freeTotal], PullBackReduce(
                    components: UInt32(components), groups: UInt32(block.groups.groups), chunks: UInt32(chunks), total: UInt32(freeTotal),
                    groupChunks: block.tables.groupChunks, partialOffset: UInt32(block.partialOffset), partials: partials,
                    rawOffset: UInt32(block.rawOffset), raw: raw, span: block.span, rawGradient: rawGradient))
            }
            return try rawGradient.download(0 ..< space.freeCount)
        }
        return values.map(Double.init)
    }
}
