import ArgumentParser
import CertifyBackends

/// `certify worker`: the process a run's supervisor starts to host the backend plugin.
///
/// Hidden: it speaks the worker protocol on stdin and fd 3 with a shared-memory file on fd 4, and
/// is useless by hand. `CertifyCommand.start()` parses it as a root command of its own.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Host a backend plugin for a supervising certify run (internal).",
        usage: "certify worker --library <path> [--sha256 <hex>] [--option <key=value> ...]",
        shouldDisplay: false)

    @Option(help: "The plugin's path.")
    var library: String

    @Option(help: "The SHA-256 the plugin must have.")
    var sha256: String?

    @Option(help: "A backend option as key=value; repeat.")
    var option: [String] = []

    func run() throws {
        let options = option.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (key: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
        let status = WorkerService.run(library: library, expectedSHA256: sha256, options: options)
        throw ExitCode(status)
    }
}
