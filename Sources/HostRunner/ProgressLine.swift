import Foundation

/// The training progress on standard error: on a terminal one line rewritten in place (`\r`,
/// then erase to the end of the line), elsewhere (files, pipes, CI, tests) one line per
/// iteration, as before.
struct ProgressLine {
    let inPlace: Bool
    private var open = false

    init(inPlace: Bool = isatty(STDERR_FILENO) != 0) { self.inPlace = inPlace }

    mutating func show(_ text: String) {
        if inPlace {
            FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K").utf8))
            open = true
        } else {
            printToStandardError(text)
        }
    }

    /// Ends the rewritten line so what follows starts on a line of its own.
    mutating func finish() {
        if open { FileHandle.standardError.write(Data("\n".utf8)) }
        open = false
    }
}
