import ArgumentParser
import HydroGPU
import Foundation

extension TrainCommand {
    /// The command line's values checked before anything is read: a negative iteration count
    /// (`--iterations -3` is read as a value, not as a missing one), a folder where the config
    /// file should be, a file where a results folder should be.
    func validateArguments() throws {
        if let iterations, iterations < 0 { throw ValidationError("--iterations must be at least 0 (got \(iterations))") }
        try InputPath.checkFile(config, what: "CONFIG")
        try OutputPath.checkFolder(output, option: "--output")
        if let initial, !initial.contains("=") { try InputPath.checkFolder(initial, what: "--initial") }
    }
}

extension SimulateCommand {
    func validateArguments() throws {
        try InputPath.checkFile(config, what: "CONFIG")
        try InputPath.checkFolder(parameters, what: "--parameters")
        try OutputPath.checkFolder(output, option: "--output")
    }
}

extension EvaluateCommand {
    func validateArguments() throws {
        try InputPath.checkFolder(runDirectory, what: "RUN_DIR")
    }
}

extension TrainCommand {
    /// Locks the results folder for this run and removes what a killed run left (temp files,
    /// staging folders); without `--resume` the previous checkpoint goes too, so a new run
    /// never continues or mixes with an old one.
    func openRunFolder(_ folder: URL) throws -> RunFolder {
        let runFolder = try RunFolder(folder)
        if !runFolder.cleaned.isEmpty { printToStandardError("removed what an interrupted run left: \(runFolder.cleaned.joined(separator: ", "))") }
        if !resume {
            try? FileManager.default.removeItem(at: folder.appending(path: TrainingCheckpoint.fileName))
            try? FileManager.default.removeItem(at: folder.appending(path: "starts"))
        }
        return runFolder
    }

    /// Files `train` writes in the results folder itself while it runs (not staged): its
    /// checkpoints (`checkpoint.json`, `starts/start-k/checkpoint.json`) and `starts.csv`.
    static func writtenWhileTraining(_ relative: String) -> Bool {
        relative == "starts.csv" || (relative as NSString).lastPathComponent == TrainingCheckpoint.fileName
    }
}
