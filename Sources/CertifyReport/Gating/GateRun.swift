import CertifyBase
import CertifyBattery
import CertifyProfiles
import CertifyTrust
import Foundation

/// What a gate is asked to compare and where its outputs go.
package struct GateRequest: Sendable {
    package var baseline: String
    package var candidate: String
    /// A PEM file or folder of roots; nil: `fallbackTrust` (the repository's Certs/).
    package var trust: String?
    package var fallbackTrust: String?
    /// The reviewed expectations file (YAML), if any.
    package var expectations: String?
    package var policy: GatePolicy
    package var markdown: String?
    package var junit: String?
    /// Where to write the signed verdict envelope, if anywhere.
    package var verdict: String?

    package init(baseline: String, candidate: String, policy: GatePolicy) {
        self.baseline = baseline
        self.candidate = candidate
        self.policy = policy
    }
}

/// A release gate as a library call: verify both reports, compare them under the policy and the
/// expectations, confirm suspect cases by re-running them when that is possible, and write the
/// Markdown, JUnit and signed verdict.
package enum GateRun {
    /// Runs the gate; `rerun` runs case ids again in fresh sessions (nil when only two reports are
    /// at hand), `measure` times the baseline report's library beside the candidate's (nil, or a
    /// nil measurement with the reason, when that library is not at hand), `identity` is asked for
    /// only when a verdict is to be signed, and `note` hears warnings.
    package static func perform(
        _ request: GateRequest, rerun: (([String]) -> [String: CaseResult])?,
        measure: ((Statement) throws(Failure) -> (measurement: PairedMeasurement?, reason: String?))? = nil,
        identity: () throws(Failure) -> SigningIdentity, note: (String) -> Void
    ) throws(Failure) -> GateVerdict {
        let store = try ReportFiles.trustStore(request.trust, fallback: request.fallbackTrust)
        var expectations = GateExpectations()
        if let path = request.expectations {
            do {
                expectations = try ProfileLoader.loadGateExpectations(path: path)
            } catch {
                throw Failure(error)
            }
        }
        let old = try verified(request.baseline, store: store, note: note)
        let new = try verified(request.candidate, store: store, note: note)
        let (baseline, candidate) = (old.report.statement.predicate, new.report.statement.predicate)
        if let differences = incomparable(baseline, candidate) {
            note("warning: the reports differ in \(differences); findings may reflect that, not the backend")
        }
        var paired: PairedMeasurement?
        var unpaired = "certify gate compares two existing reports and runs no library; certify --chip NEW --baseline OLD times both side by side"
        if let measure {
            let (measurement, reason) = try measure(old.report.statement)
            paired = measurement
            if let reason { unpaired = reason }
        }
        func evaluate(_ reruns: [String: CaseResult]) -> (findings: [GateFinding], latency: LatencySummary?) {
            Gate.evaluate(
                baseline: baseline, candidate: candidate, policy: request.policy, expectations: expectations, reruns: reruns,
                paired: paired, fallbackReason: paired == nil ? unpaired : nil)
        }
        var (findings, latency) = evaluate([:])
        if let rerun {
            let cases = Set(candidate.cases.map(\.id))
            // A side-by-side measurement already timed every case in fresh workers: only failures re-run.
            let suspects = findings.filter {
                ($0.kind == .newFailure || ($0.kind == .latencyRegression && paired == nil)) && cases.contains($0.subject)
            }.map(\.subject)
            if !suspects.isEmpty { (findings, latency) = evaluate(rerun(suspects)) }
        }
        if let latency, latency.method == .reports { note("note: \(latency.power)") }
        let verdict = GateVerdict(
            baseline: old.record, candidate: new.record, policy: request.policy, expectations: request.expectations,
            rerun: rerun != nil, findings: findings, latency: latency)
        if rerun == nil && findings.contains(where: { $0.kind == .newFailure }) {
            note("note: gating two existing reports cannot re-run a failing case; certify --chip FILE --baseline OLD re-runs each in a fresh worker")
        }
        try ReportFiles.write(Data(GateRenderer.markdown(verdict).utf8), to: request.markdown)
        try ReportFiles.write(Data(GateRenderer.junit(verdict).utf8), to: request.junit)
        if let path = request.verdict {
            let signer = try identity()
            let envelope: Data
            do {
                envelope = try signer.sign(GateStatement(verdict: verdict), at: Date())
            } catch {
                throw Failure(.signingKeyRefused, "cannot sign the gate verdict: \(error)")
            }
            try ReportFiles.write(envelope, to: path)
        }
        return verdict
    }

    private struct Verified {
        var report: VerifiedReport
        var record: GateReportRecord
    }

    private static func verified(_ report: String, store: TrustStore, note: (String) -> Void) throws(Failure) -> Verified {
        let path = try ReportFiles.envelopePath(report)
        let bytes = try ReportFiles.read(path)
        let verified = try ReportFiles.verified(path, bytes: bytes, trust: store)
        if verified.signer.development {
            note("warning: \(path) is signed with a development identity: UNTRUSTED; it verifies only because --trust names its root")
        }
        let p = verified.statement.predicate
        let record = GateReportRecord(
            envelope: path, sha256: FileDigest.sha256(Array(bytes)), level: p.level.name, backend: "\(p.backend.name) \(p.backend.version)",
            signer: verified.signer.subject)
        return Verified(report: verified, record: record)
    }

    /// What makes two reports hard to compare, in words; nil when nothing does.
    private static func incomparable(_ old: CertificationPredicate, _ new: CertificationPredicate) -> String? {
        var differences: [String] = []
        if old.run.batteryVersion != new.run.batteryVersion { differences.append("battery \(old.run.batteryVersion) vs \(new.run.batteryVersion)") }
        if old.run.suite != new.run.suite { differences.append("suite \(old.run.suite.rawValue) vs \(new.run.suite.rawValue)") }
        if old.chip.model != new.chip.model { differences.append("chip \(old.chip.model) vs \(new.chip.model)") }
        if old.host.cpu != new.host.cpu { differences.append("host CPU '\(old.host.cpu)' vs '\(new.host.cpu)'") }
        return differences.isEmpty ? nil : differences.joined(separator: ", ")
    }
}
