import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writing to the terminal: stdout for results, stderr for progress and errors.
enum Console {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static var errorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
