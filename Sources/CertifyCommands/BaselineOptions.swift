import ArgumentParser
import CertifyBase
import CertifyReport
import CertifyRun

/// `certify --chip NEW --baseline OLD`: the options of the gate a run ends with, and that gate.
struct BaselineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("After the run, gate its report against this last certified report (see 'certify help gate').", valueName: "report"))
    var baseline: String?

    @Option(
        help: ArgumentHelp(
            "With --baseline: the baseline report's backend library, to time beside this run's (default: the path the report recorded, when that file is still the one it certified).",
            valueName: "file"))
    var baselineLibrary: String?

    @Option(help: "With --baseline: worker processes per side in the A/B measurement.")
    var replicates: Int = 6

    @OptionGroup(title: "Gate (with --baseline)")
    var gate: GateOptions

    func validate() throws {
        guard (3...100).contains(replicates) else {
            throw ValidationError("--replicates must be between 3 and 100 (a paired test needs 3 pairs), got \(replicates)")
        }
        if baselineLibrary != nil && baseline == nil {
            throw ValidationError("--baseline-library needs --baseline: it is the library that report certified")
        }
    }

    /// Gates a completed run's report against `--baseline`, timing both libraries side by side
    /// where the baseline's is at hand; does nothing without `--baseline`.
    func gate(_ result: RunResult, signing: SigningOptions) throws {
        guard result.end == .completed, let baseline else { return }
        let envelope = result.folder.appendingPathComponent(ReportWriter.envelopeFile).path
        let timing = PairedTiming(replicates: replicates)
        try gate.gate(
            baseline: baseline, candidate: envelope, signing: signing,
            rerun: { ids in result.rerun(ids, note: Console.error) },
            measure: { (report: Statement) throws(Failure) in
                let progress = ProgressReporter(live: Console.errorIsTerminal)
                defer { progress.finish() }
                return try result.measureSideBySide(
                    against: report, library: baselineLibrary, timing: timing,
                    progress: { index, total, id in progress.paired(index, total, id) }, note: Console.error)
            })
    }
}
