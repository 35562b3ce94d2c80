import ArgumentParser
import CertifyBase
import CertifyBattery
import CertifyReport

/// The options `certify gate` and `certify --chip FILE --baseline OLD` share, and the gate itself.
struct GateOptions: ParsableArguments {
    @OptionGroup var trust: TrustOption

    @Option(help: ArgumentHelp("Expectations file (YAML): expected failures, known flakes, skips.", valueName: "file"))
    var expectations: String?

    @Option(help: "Fail when a case's error / tolerance grows by more than this factor (a non-negligible baseline error only).")
    var errorGrowth: Double = 4

    @Option(help: "Significance level of the latency test, shared by every case compared (Bonferroni).")
    var alpha: Double = 0.001

    @Option(help: "A latency regression must also raise p50 by more than this fraction.")
    var latencyThreshold: Double = 0.10

    @Option(help: "... and by more than this many microseconds.")
    var latencyFloorUs: Double = 10

    @Option(help: "Fail when the battery's median p50 ratio exceeds 1 + this (1.0 is 2×; lower it on a dedicated host).")
    var latencyGlobalThreshold: Double = 1.0

    @Option(help: "A single case must also be slower than the battery's median p50 ratio by 1 + this (3.0 is 4×).")
    var latencyCaseThreshold: Double = 3.0

    @Option(help: "... and by more than this many robust standard deviations of the battery's log p50 ratios.")
    var latencyNoiseSigmas: Double = 6

    @Option(help: "Measured side by side (A/B): fail when the battery's median case is slower by more than this fraction (and significantly).")
    var latencyAbGlobalThreshold: Double = 0.05

    @Option(help: ArgumentHelp("Write a Markdown summary fit for a pull-request comment.", valueName: "file"))
    var markdown: String?

    @Option(help: ArgumentHelp("Write the findings as JUnit XML.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("Write the verdict as a signed DSSE envelope of an in-toto statement.", valueName: "file"))
    var verdict: String?

    func validate() throws {
        guard errorGrowth > 1 else { throw ValidationError("--error-growth must be greater than 1, got \(errorGrowth)") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1, got \(alpha)") }
        guard latencyThreshold >= 0 else { throw ValidationError("--latency-threshold must not be negative, got \(latencyThreshold)") }
        guard latencyFloorUs >= 0 else { throw ValidationError("--latency-floor-us must not be negative, got \(latencyFloorUs)") }
        guard latencyAbGlobalThreshold >= 0 else {
            throw ValidationError("--latency-ab-global-threshold must not be negative, got \(latencyAbGlobalThreshold)")
        }
        guard latencyNoiseSigmas >= 0 else {
            throw ValidationError("--latency-noise-sigmas must not be negative, got \(latencyNoiseSigmas)")
        }
    }

    var policy: GatePolicy {
        GatePolicy(
            errorGrowth: errorGrowth, alpha: alpha, latencyThreshold: latencyThreshold, latencyFloorMicroseconds: latencyFloorUs,
            globalLatencyThreshold: latencyGlobalThreshold, caseLatencyThreshold: latencyCaseThreshold,
            noiseSigmas: latencyNoiseSigmas, pairedGlobalLatencyThreshold: latencyAbGlobalThreshold)
    }

    /// Gates `candidate` against `baseline`, prints the table and throws the gate's exit status when
    /// it fails. `rerun` runs case ids again in fresh workers (only after a run).
    func gate(
        baseline: String, candidate: String, signing: SigningOptions, rerun: (([String]) -> [String: CaseResult])? = nil,
        measure: ((Statement) throws(Failure) -> (measurement: PairedMeasurement?, reason: String?))? = nil
    ) throws {
        var request = GateRequest(baseline: baseline, candidate: candidate, policy: policy)
        (request.trust, request.fallbackTrust, request.expectations) = (trust.path, ExecutableLocation.repositoryCerts, expectations)
        (request.markdown, request.junit, request.verdict) = (markdown, junit, verdict)
        var developmentSigner = false
        let verdict = try GateRun.perform(
            request, rerun: rerun, measure: measure,
            identity: { () throws(Failure) in
                let identity = try SigningChoice.identity(key: signing.key, certificate: signing.certificate)
                developmentSigner = identity.development
                return identity
            },
            note: Console.error)
        Console.output(GateRenderer.table(verdict))
        if developmentSigner { Console.error(SigningChoice.developmentWarning()) }
        if let worst = verdict.worst { throw Failure.silent(worst.exitStatus) }
    }
}
