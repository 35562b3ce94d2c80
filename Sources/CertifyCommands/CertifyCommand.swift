import ArgumentParser
import CertifyBase

/// The `certify` command: `certify --chip FILE` runs a certification; subcommands do the rest.
package struct CertifyCommand: ParsableCommand {

    package static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Certify an AI accelerator backend for running GLM-family LLMs.",
        usage: """
            certify --chip <file> [--tier <file> ...] [--suite <suite>] [--output <dir>] [--seed <seed>]
            certify <subcommand> [<options>]
            """,
        discussion: """
            Loads the backend library the chip profile names, runs the fixed kernel battery
            against an fp64 oracle, times every case, and writes a report folder: the level
            reached (L1 Compatible, L2 Validated, L3 Critical) and a verdict per tier given.

            Start with:
              certify --chip profiles/ascend.yaml
              certify --chip profiles/cpu.yaml --tier profiles/tiers/enterprise.yaml

            Run options (see 'certify help run'):
              --chip <file>     chip profile (YAML), required
              --tier <file>     user-tier profile (YAML); repeat for several tiers
              --suite <suite>   quick, standard (default) or full
              --output <dir>    report folder (default: reports/<family>-<model>-<time>)
              --seed <n|drawn>  seed of the generated inputs (default: 1; drawn from the
                                OS CSPRNG when a tier requires it, as finance and
                                state-owned do, and then --seed N is refused)
              --reproduce <report>
                                repeat a report's run: its seed, battery and suite
              --isolation <how> worker (default: the backend runs in its own process)
                                or in-process
              --resume <dir>    continue an interrupted run in its report folder
              --signing-key <file>, --signing-cert <file>
                                the certifier key and certificate that sign the report
                                (default: CERTIFY_SIGNING_KEY, CERTIFY_SIGNING_CERT,
                                else an untrusted development identity)

            Check a report: certify verify <report folder> --trust <root.pem>
            Gate a release: certify gate --baseline <old> --candidate <new> --trust <root.pem>
                            or certify --chip <file> --baseline <old> (run, then gate)
            Merge shards:   certify merge <shard>... --output <dir> (after --shard I/N runs)
            Make keys:      certify keygen root|certifier (see 'certify help keygen')

            A backend.library name such as certify_backend_ascend is found as
            lib<name>.so in CERTIFY_BACKEND_PATH, then next to the certify executable
            (where `swift build` puts the bundled backends); a path is taken relative
            to the profile.

            Exit codes:
            \(ExitStatus.helpTable(ExitStatus.allCases))
            """,
        version: Harness.version,
        subcommands: [
            RunCommand.self, BatteryCommand.self, VerifyCommand.self, ExplainCommand.self, GateCommand.self, MergeCommand.self,
            KeygenCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )

    package init() {}

    /// Runs certify on this process's arguments.
    ///
    /// `certify worker` is dispatched here and is not among the subcommands: a run starts one
    /// worker, and another after every crash, and parsing (in a debug build, validating) every
    /// subcommand's options first would add ~40 ms to each start (and `WorkerCommand.runSupervised`
    /// saves another ~5 ms). Nor would `--isolation worker` then cost ~12 ms: the parser takes a
    /// value equal to a subcommand's name for a possible subcommand and validates its options.
    package static func start() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == WorkerCommand.configuration.commandName {
            let options = Array(arguments.dropFirst())
            if let status = WorkerCommand.runSupervised(options) { exit(withError: ExitCode(status)) }
            WorkerCommand.main(options)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let failure as Failure {
            if !failure.description.isEmpty { Console.error(failure.description) }
            exit(withError: ExitCode(failure.status.rawValue))
        } catch {
            exit(withError: error)
        }
    }
}
