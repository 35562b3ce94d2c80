import Foundation

/// Writes a report folder: report.json (the statement's exact bytes) and summary.txt.
package enum ReportWriter {
    package static let statementFile = "report.json"
    package static let summaryFile = "summary.txt"

    /// Creates `directory` if needed and writes the files; returns the statement's bytes.
    @discardableResult
    package static func write(_ statement: Statement, summary: String, to directory: URL) throws -> Data {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bytes = try statement.encoded()
        try bytes.write(to: directory.appendingPathComponent(statementFile), options: .atomic)
        try Data(summary.utf8).write(to: directory.appendingPathComponent(summaryFile), options: .atomic)
        return bytes
    }
}
