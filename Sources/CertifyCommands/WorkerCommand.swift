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
        throw ExitCode(WorkerService.run(library: library, expectedSHA256: sha256, options: option.map(Self.pair)))
    }

    /// Serves as the worker `WorkerSession` starts: `--library <path>`, then any number of
    /// `--sha256 <hex>` and `--option <key=value>`, read without the argument parser, which costs
    /// a debug build ~5 ms of every worker's start-up. Returns the exit status; nil, having run
    /// nothing, for any other arguments, which `main` then parses and, if need be, explains.
    static func runSupervised(_ arguments: [String]) -> Int32? {
        guard arguments.count >= 2, arguments.count % 2 == 0, arguments[0] == "--library" else { return nil }
        var sha256: String?
        var options: [(key: String, value: String)] = []
        for index in stride(from: 2, to: arguments.count, by: 2) {
            switch arguments[index] {
            case "--sha256": sha256 = arguments[index + 1]
            case "--option": options.append(pair(arguments[index + 1]))
            default: return nil
            }
        }
        return WorkerService.run(library: arguments[1], expectedSHA256: sha256, options: options)
    }

    private static func pair(_ option: String) -> (key: String, value: String) {
        let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (key: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
    }
}
