import CertifyTrust
import ArgumentParser
import CertifyBackends
import CertifyBattery
import CertifyProfiles
import CertifyReport
import Foundation

/// The options `certify gate` and `certify --chip FILE --baseline OLD` share, and the gate itself.
struct GateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Trusted roots: a PEM file or a folder of *.pem (default: the repository's Certs/).", valueName: "path"))
    var trust: String?

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
        guard latencyNoiseSigmas >= 0 else {
            throw ValidationError("--latency-noise-sigmas must not be negative, got \(latencyNoiseSigmas)")
        }
    }

    var policy: GatePolicy {
        GatePolicy(
            errorGrowth: errorGrowth, alpha: alpha, latencyThreshold: latencyThreshold, latencyFloorMicroseconds: latencyFloorUs,
            globalLatencyThreshold: latencyGlobalThreshold, caseLatencyThreshold: latencyCaseThreshold,
            noiseSigmas: latencyNoiseSigmas)
    }

    /// Verifies both reports, compares them and writes every output; throws the gate's exit code
    /// when it fails. `rerun` runs case ids again, each in a fresh worker, and returns their results:
    /// the cases that newly fail or are slower, which count only if the re-run confirms them.
    func gate(
        baseline: String, candidate: String, signing: SigningOptions, rerun: (([String]) -> [String: CaseResult])? = nil
    ) throws {
        let store = try VerifyCommand.trustStore(trust)
        let loadedExpectations: GateExpectations
        if let expectations {
            do {
                loadedExpectations = try ProfileLoader.loadGateExpectations(path: expectations)
            } catch {
                Standard.error(error.description)
                throw (error.kind == .unreadable ? ExitStatus.noInput : ExitStatus.badProfile).exitCode
            }
        } else {
            loadedExpectations = GateExpectations()
        }
        let old = try verified(baseline, store: store)
        let new = try verified(candidate, store: store)
        warnIfIncomparable(old.report.statement.predicate, new.report.statement.predicate)

        var findings = Gate.compare(
            baseline: old.report.statement.predicate, candidate: new.report.statement.predicate, policy: policy,
            expectations: loadedExpectations)
        if let rerun {
            let cases = Set(new.report.statement.predicate.cases.map(\.id))
            let suspects = findings.filter { ($0.kind == .newFailure || $0.kind == .latencyRegression) && cases.contains($0.subject) }
                .map(\.subject)
            if !suspects.isEmpty {
                findings = Gate.compare(
                    baseline: old.report.statement.predicate, candidate: new.report.statement.predicate, policy: policy,
                    expectations: loadedExpectations, reruns: rerun(suspects))
            }
        }
        let result = GateVerdict(
            baseline: record(old), candidate: record(new), policy: policy, expectations: expectations, rerun: rerun != nil,
            findings: findings)
        Standard.output(GateRenderer.table(result))
        if rerun == nil && findings.contains(where: { $0.kind == .newFailure }) {
            Standard.error("note: gating two existing reports cannot re-run a failing case; certify --chip FILE --baseline OLD re-runs each in a fresh worker")
        }
        try write(GateRenderer.markdown(result), to: markdown)
        try write(GateRenderer.junit(result), to: junit)
        if let verdict {
            let identity = try signing.identity()
            let envelope: Data
            do {
                envelope = try identity.sign(GateStatement(verdict: result), at: Date())
            } catch {
                Standard.error("error: cannot sign the gate verdict: \(error)")
                throw ExitStatus.signingKeyRefused.exitCode
            }
            try write(envelope, to: verdict)
            if identity.development { Standard.error(SigningOptions.developmentWarning()) }
        }
        if let worst = result.worst { throw ExitStatus.gate(worst).exitCode }
    }

    private struct Verified {
        var path: String
        var sha256: String
        var report: VerifiedReport
    }

    private func verified(_ report: String, store: TrustStore) throws -> Verified {
        let path = try VerifyCommand.envelopePath(report)
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            Standard.error("error: cannot read '\(path)': \(error.localizedDescription)")
            throw ExitStatus.noInput.exitCode
        }
        do {
            let verified = try ReportVerifier.verify(bytes, trust: store)
            if verified.signer.development {
                Standard.error("warning: \(path) is signed with a development identity: UNTRUSTED; it verifies only because --trust names its root")
            }
            return Verified(path: path, sha256: FileDigest.sha256(Array(bytes)), report: verified)
        } catch {
            throw VerifyCommand.refuse(path, error).exitCode
        }
    }

    private func record(_ report: Verified) -> GateReportRecord {
        let p = report.report.statement.predicate
        return GateReportRecord(
            envelope: report.path, sha256: report.sha256, level: p.level.name, backend: "\(p.backend.name) \(p.backend.version)",
            signer: report.report.signer.subject)
    }

    private func warnIfIncomparable(_ old: CertificationPredicate, _ new: CertificationPredicate) {
        var differences: [String] = []
        if old.run.batteryVersion != new.run.batteryVersion { differences.append("battery \(old.run.batteryVersion) vs \(new.run.batteryVersion)") }
        if old.run.suite != new.run.suite { differences.append("suite \(old.run.suite.rawValue) vs \(new.run.suite.rawValue)") }
        if old.chip.model != new.chip.model { differences.append("chip \(old.chip.model) vs \(new.chip.model)") }
        if old.host.cpu != new.host.cpu { differences.append("host CPU '\(old.host.cpu)' vs '\(new.host.cpu)'") }
        if !differences.isEmpty {
            Standard.error("warning: the reports differ in \(differences.joined(separator: ", ")); findings may reflect that, not the backend")
        }
    }

    private func write(_ text: String, to path: String?) throws {
        try write(Data(text.utf8), to: path)
    }

    private func write(_ data: Data, to path: String?) throws {
        guard let path else { return }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            Standard.error("error: cannot write '\(path)': \(error.localizedDescription)")
            throw ExitStatus.cannotWrite.exitCode
        }
    }
}
