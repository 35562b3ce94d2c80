import ArgumentParser
import CertifyBase

/// `certify gate --baseline OLD --candidate NEW`: fails a release that regresses against the last certified report.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Compare a candidate report with a baseline report and fail on any regression.",
        discussion: """
            Both reports (folders or report.dsse.json envelopes) are verified first, as
            certify verify does. The gate fails on a lower level, a lost tier, a case
            that passed and now fails, a kernel × dtype no longer supported, error that
            grew past --error-growth, and a latency regression beyond noise. Two existing
            reports are compared report against report (one-sided Mann–Whitney U over the
            recorded samples, Bonferroni over the cases, p50 above the battery's drift by
            --latency-case-threshold; the battery by --latency-global-threshold), which a
            shared host's process-to-process noise makes weak; the output states the limits.

            certify --chip FILE --baseline OLD re-runs failing cases and, when the
            baseline's library is at hand, times both libraries side by side (A/B), a
            much stronger test.

            Exit codes: 0 passed; when several kinds occur, the most specific decides,
            in the order 32, 33, 30, 31, 34, 35 (a level lost because a case failed is 32):
            \(ExitStatus.helpTable([.gateLevelLowered, .gateTierLost, .gateNewFailure, .gateSupportLost, .gateErrorGrowth, .gateLatencyRegression]))
            20–23 a report does not verify (see certify verify), 65 a bad expectations
            file, 66 a missing file, 73 an output cannot be written.
            """)

    @Option(help: ArgumentHelp("The last certified report (folder or envelope).", valueName: "report"))
    var baseline: String

    @Option(help: ArgumentHelp("The report of the release to gate (folder or envelope).", valueName: "report"))
    var candidate: String

    @OptionGroup(title: "Gate")
    var options: GateOptions

    @OptionGroup(title: "Signing the verdict")
    var signing: SigningOptions

    func run() throws {
        try options.gate(baseline: baseline, candidate: candidate, signing: signing)
    }
}
