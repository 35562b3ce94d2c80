import ArgumentParser
import CertifyBase
import CertifyBattery
import CertifyReport
import CertifyRun
import Foundation

/// `certify [run] --chip FILE [--tier FILE ...]`: certifies one chip profile's backend.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Certify the backend a chip profile names (the default subcommand).")

    @Option(name: .long, help: ArgumentHelp("Chip profile (YAML).", valueName: "file"))
    var chip: String

    @Option(name: .long, help: ArgumentHelp("User-tier profile (YAML); repeat for several tiers.", valueName: "file"))
    var tier: [String] = []

    @Option(help: "Battery suite: quick (seconds, reduced shapes), standard (decode shapes, the default) or full (real shapes).")
    var suite: Suite?

    @Option(help: ArgumentHelp("Report folder (default: reports/<family>-<model>-<UTC time>).", valueName: "dir"))
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Seed of the generated inputs, or 'drawn' for one from the OS CSPRNG (default: 1, or drawn when a tier requires it); any case reproduces from its id and the seed.",
            valueName: "n|drawn"))
    var seed: SeedRequest?

    @Option(
        help: ArgumentHelp(
            "Repeat the run of this report (its folder, report.json or report.dsse.json): its seed, battery and suite; the new report names it by digest.",
            valueName: "report"))
    var reproduce: String?

    @Option(help: ArgumentHelp("Run only shard I of N (1-based) of the suite, balanced by estimated cost; 'certify merge' joins the shards.", valueName: "I/N"))
    var shard: Shard?

    @Option(help: ArgumentHelp("A backend option over the profile's backend.options (e.g. a shard's device); repeatable.", valueName: "key=value"))
    var backendOption: [String] = []

    @Option(help: "How to run the backend: worker (its own process, survives crashes) or in-process.")
    var isolation: Isolation = .worker

    @Option(help: ArgumentHelp("Continue the interrupted run whose report folder is <dir>, skipping its finished cases.", valueName: "dir"))
    var resume: String?

    @Option(help: "Execute every case N extra times after its timed loop, each output checked bitwise against the first (L3's soak).")
    var soak: Int = 0

    @Option(help: "Run every case this many times, each with its own prepare; every run's output must agree with the first (L2 within tolerance, L3 bitwise).")
    var runs: Int = 2

    @Flag(help: "Flush caches between timed executions of memory-bound cases (overrides latency.cold_cache).")
    var coldCache = false

    @Flag(
        name: .customLong("no-oracle-cache"),
        help: "Compute every reference in fp64, neither reading nor writing the oracle cache ($XDG_CACHE_HOME/certify/oracle, else ~/.cache/certify/oracle).")
    var noOracleCache = false

    @Option(help: "Consecutive crashed or hung cases after which the backend is marked unusable.")
    var maxConsecutiveCrashes: Int = 3

    @OptionGroup var baseline: BaselineOptions

    @OptionGroup(title: "Signing")
    var signing: SigningOptions

    func validate() throws {
        guard soak >= 0 else { throw ValidationError("--soak must be at least 0, got \(soak)") }
        guard (1...1000).contains(runs) else { throw ValidationError("--runs must be between 1 and 1000, got \(runs)") }
        guard maxConsecutiveCrashes >= 1 else {
            throw ValidationError("--max-consecutive-crashes must be at least 1, got \(maxConsecutiveCrashes)")
        }
        if let resume, let output, resume != output {
            throw ValidationError("--resume continues the run in its own folder; drop --output '\(output)'")
        }
        if reproduce != nil && resume != nil {
            throw ValidationError("--reproduce starts a new run; --resume continues one: give one of them")
        }
    }

    func run() throws {
        var request = RunRequest(chip: chip)
        (request.tiers, request.suite, request.output, request.seed, request.reproduce) = (tier, suite, output, seed, reproduce)
        (request.isolation, request.resume, request.soak, request.runs) = (isolation, resume, soak, runs)
        (request.coldCache, request.maxConsecutiveCrashes, request.shard) = (coldCache, maxConsecutiveCrashes, shard)
        request.backendOptions = backendOption
        request.oracleCache = !noOracleCache
        let identity = try signing.identity()
        let progress = ProgressReporter(live: Console.errorIsTerminal)
        let result = try CertificationRun.perform(request, signedBy: identity, progress: progress.handle) { note in
            progress.finish()
            Console.error(note)
        }
        progress.finish()
        Console.output(result.summary)
        Console.output("\nReport: \(result.folder.appendingPathComponent(ReportWriter.statementFile).path)\n")
        Console.output(
            "Signed: \(result.folder.appendingPathComponent(ReportWriter.envelopeFile).path) by '\(identity.subject)'"
                + (identity.development ? " (development identity: UNTRUSTED)\n" : "\n"))
        if identity.development { Console.error(SigningChoice.developmentWarning()) }
        try baseline.gate(result, signing: signing)
        if result.status != .certified { throw Failure.silent(result.status) }
    }
}

extension Isolation: ExpressibleByArgument {}

extension SeedRequest: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
