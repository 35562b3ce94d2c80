/// Why a profile could not be loaded, located like a compiler diagnostic.
package struct ProfileError: Error, Equatable, CustomStringConvertible {
    /// The class of problem; stable, so callers and tests can branch on it.
    package enum Kind: String, Sendable {
        case unreadable, tooLarge, empty, invalidUTF8, tabIndentation, syntax, aliasBomb
        case unknownKey, wrongType, missingKey, duplicateKey, badValue, unsupportedSchema
    }

    package var kind: Kind
    /// The profile path as given to the loader.
    package var path: String
    /// 1-based line of the offending key or value; 0 when the file could not be read.
    package var line: Int
    /// 1-based column in Unicode scalars; 0 when the file could not be read.
    package var column: Int
    /// Dotted path of the offending key (`latency.budgets.gemm.p50_us`); nil for whole-file problems.
    package var keyPath: String?
    /// One sentence quoting the offending value.
    package var message: String
    /// The text of `line` without its line break, when there is one to show.
    package var sourceLine: String?

    package init(
        kind: Kind,
        path: String,
        line: Int,
        column: Int,
        keyPath: String? = nil,
        message: String,
        sourceLine: String? = nil
    ) {
        (self.kind, self.path, self.line, self.column, self.keyPath) = (kind, path, line, column, keyPath)
        (self.message, self.sourceLine) = (message, sourceLine)
    }

    /// `FILE:LINE:COL: error: MESSAGE`, or `FILE: error: MESSAGE` when there is no position.
    package var headline: String {
        line > 0 ? "\(path):\(line):\(column): error: \(message)" : "\(path): error: \(message)"
    }

    /// The headline, then the source line and a caret under the column.
    package var description: String {
        guard let sourceLine, line > 0, column > 0 else { return headline }
        // Tabs in the source line are repeated in the caret line so the caret lands under the
        // same column whatever the terminal's tab width.
        var caret = ""
        for scalar in sourceLine.unicodeScalars.prefix(column - 1) {
            caret.append(scalar == "\t" ? "\t" : " ")
        }
        caret += String(repeating: " ", count: max(0, column - 1 - sourceLine.unicodeScalars.count))
        return "\(headline)\n\(sourceLine)\n\(caret)^"
    }
}
