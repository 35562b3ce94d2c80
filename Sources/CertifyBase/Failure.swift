/// What a command failed with: the exit status, the one-sentence message printed as
/// `error: <message>`, and any further lines (hints) printed after it.
///
/// Every failure a user can see is one of these; the entry point prints it and exits with its
/// status, so the mapping to exit codes lives in `ExitStatus` alone.
package struct Failure: Error, Equatable, CustomStringConvertible {
    package var status: ExitStatus
    package var message: String
    package var notes: [String]

    package init(_ status: ExitStatus, _ message: String, notes: [String] = []) {
        self.status = status
        self.message = message
        self.notes = notes
    }

    /// A failure whose message has already been printed (a table, a finding list); nothing more to say.
    package static func silent(_ status: ExitStatus) -> Failure {
        Failure(status, "")
    }

    /// The lines the entry point prints on stderr.
    package var description: String {
        ((message.isEmpty ? [] : ["error: \(message)"]) + notes).joined(separator: "\n")
    }
}
