import Foundation
import HydroDomain
import HydroIO
import HydroModel
import HydroObjectives
import HydroRouting
import OpenCLBackend
import ReferenceBackend

/// How many steps a windowed run (`WindowedSimulation`) holds at once, from a memory budget.
///
/// A run keeps per window a handful of `cells x W` arrays (forcing as read and in the model's
/// layout, the device's copy, runoff, delivered runoff, discharge, routing work arrays) and,
/// for state fields, the reference trace of every storage and flux plus a grid slab per field.
/// Everything else is per cell (parameters, states, network) or per gauge and step. So
/// W = (budget - per-cell arrays) / (bytes per cell-step), at least 1, at most the record.
public struct SimulationWindowPlan: Sendable, Equatable {
    /// Steps per window.
    public var windowSteps: Int
    /// Steps of the whole record.
    public var steps: Int
    /// The budget the plan was made for, bytes.
    public var budgetBytes: Double
    /// What one window is estimated to need, bytes.
    public var windowBytes: Double

    public var windows: Int { (steps + windowSteps - 1) / windowSteps }

    /// The step ranges of the windows, in order.
    public var ranges: [Range<Int>] {
        stride(from: 0, to: steps, by: windowSteps).map { $0..<min($0 + windowSteps, steps) }
    }

    /// Bytes per cell and step of a window without state fields (Double forcing 24, its
    /// source slab 8, Float copy and device copy 24, runoff Float and Double 12, delivered
    /// runoff and discharge 16, routing work 16, margin for allocator slack 28).
    public static let bytesPerCellStep = 128.0
    /// Extra bytes per unit and step when state fields are written: the sequential trace's five
    /// storages and flux record in Double.
    public static let traceBytesPerUnitStep = 160.0

    /// Default budget: a quarter of the memory runs may use (`MemoryEstimate.limitBytes`:
    /// physical memory, or `HYDROGPU_MEMORY_LIMIT_BYTES`), leaving room for the rest of the
    /// process, other jobs and the page cache.
    public static var defaultBudgetBytes: Double { MemoryEstimate.limitBytes / 4 }

    /// The plan for `cells` cells (`gridCells` raster cells for field slabs) and `steps` steps.
    /// Throws `SimulationWindowError.budgetTooSmall` when not even one step fits.
    public static func choose(budgetBytes: Double, cells: Int, gridCells: Int, components: Int, steps: Int, fields: Int,
                              parameterValuesPerCell: Int) throws(SimulationWindowError) -> SimulationWindowPlan {
        let perStep = perStepBytes(cells: cells, gridCells: gridCells, components: components, fields: fields)
        let fixed = fixedBytes(cells: cells, components: components, parameterValuesPerCell: parameterValuesPerCell)
        let room = budgetBytes - fixed
        guard room >= perStep else {
            throw .budgetTooSmall(budgetBytes: budgetBytes, oneStepBytes: fixed + perStep, cells: cells)
        }
        let w = max(1, min(steps, Int((room / perStep).rounded(.down))))
        return SimulationWindowPlan(windowSteps: w, steps: steps, budgetBytes: budgetBytes, windowBytes: fixed + perStep * Double(w))
    }

    /// Bytes one step of a window adds.
    static func perStepBytes(cells: Int, gridCells: Int, components: Int, fields: Int) -> Double {
        var b = Double(cells) * bytesPerCellStep
        if fields > 0 {
            b += Double(cells * components) * traceBytesPerUnitStep
            b += Double(fields) * (Double(cells) * 8 + Double(gridCells) * 8)
        }
        return b
    }

    /// Arrays held for the whole run: parameters (Double and Float), states (Double, Float,
    /// device), routing storage, network and forcing index tables.
    static func fixedBytes(cells: Int, components: Int, parameterValuesPerCell: Int) -> Double {
        let units = Double(cells * components)
        return units * Double(parameterValuesPerCell) * 16 + units * Double(HBVStorage.count) * 24 + Double(cells) * 96
    }
}

/// A memory budget that cannot hold what a run needs.
public enum SimulationWindowError: Error, CustomStringConvertible, Equatable {
    case budgetTooSmall(budgetBytes: Double, oneStepBytes: Double, cells: Int)

    public var description: String {
        switch self {
        case let .budgetTooSmall(budget, one, cells):
            "memory budget \(MemorySize.format(budget)) is too small for one step of \(cells) cells (about \(MemorySize.format(one)) with the per-cell arrays); give a larger --memory-budget or model.memory_budget"
        }
    }
}
