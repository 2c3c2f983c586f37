import Foundation
import HydroGPU
import Testing

/// `output.fields` of a case: written as CF-NetCDF (time, y, x) with every active cell's value at
/// its own row and column, read back through netCDF-C.
struct StateFieldOutputTests {
    @Test func fieldsLandOnTheirCellsAndMatchTheRun() throws {
        let (config, full) = try CalibrationPipelineTests.lezSubBasin(steps: 30)
        var data = full
        data.outputFields = ["runoff", "soil_moisture", "discharge"]
        let objective = try CalibrationPipelineTests.objective(config, data)
        let x = objective.setup.initialFreeValues()
        let folder = FileManager.default.temporaryDirectory.appending(path: "hydrogpu-fields-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try RunResults.write(objective: objective, free: x, to: folder)

        let file = try NetCDFFile(folder.appending(path: "fields.nc"))
        let rows = data.grid.rows, columns = data.grid.columns
        // Expected runoff and soil moisture: the reference model run directly on the same problem.
        let trace = try SequentialReferenceModel<Double>().trace(objective.runoffProblem(x, steps: data.steps))
        let runoff = try file.readValues(try file.variable("runoff"))
        let soil = try file.readValues(try file.variable("soil_moisture"))
        #expect(runoff.count == data.steps * rows * columns)
        for t in [0, 7, data.steps - 1] {
            for (c, flat) in data.grid.activeCells.enumerated() {
                let expectedRunoff = trace.result.runoff[t * data.cells + c]
                #expect(abs(runoff[t * rows * columns + flat] - expectedRunoff) <= 1e-6 * max(1, expectedRunoff))
                let expectedSoil = trace.states[t * trace.units + c][.soilMoisture]
                #expect(abs(soil[t * rows * columns + flat] - expectedSoil) <= 1e-4 * max(1, expectedSoil))
            }
        }
        // The discharge field at the gauge cell is the gauge's series in discharge.csv.
        let discharge = try file.readValues(try file.variable("discharge"))
        let gaugeFlat = data.grid.activeCells[data.gauges[0].cell]
        let csv = try String(contentsOf: folder.appending(path: "discharge.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[2])! }
        for t in 0..<data.steps {
            #expect(abs(discharge[t * rows * columns + gaugeFlat] - csv[t]) <= 1e-5 * max(1, csv[t]), "step \(t)")
        }
    }
}
