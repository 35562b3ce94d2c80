import CertifyTrust
import Foundation

/// One of the two reports a gate compared, as the verdict records it.
package struct GateReportRecord: Sendable, Codable, Equatable {
    /// The envelope's path as given.
    package var envelope: String
    package var sha256: String
    package var level: String
    package var backend: String
    package var signer: String

    package init(envelope: String, sha256: String, level: String, backend: String, signer: String) {
        (self.envelope, self.sha256, self.level, self.backend) = (envelope, sha256, level, backend)
        self.signer = signer
    }
}

/// The predicate of a signed gate verdict: what was compared, by which rules, and what was found.
package struct GateVerdict: Sendable, Codable, Equatable {
    package var baseline: GateReportRecord
    package var candidate: GateReportRecord
    package var policy: GatePolicy
    /// The expectations file, if one was given.
    package var expectations: String?
    /// Whether failing cases were re-run in a fresh worker before they counted.
    package var rerun: Bool
    package var passed: Bool
    /// The failing kind that decides the exit status, the most specific one (`Gate.deciding`);
    /// nil when the gate passed.
    package var worst: GateFinding.Kind?
    /// Every finding, most severe first.
    package var findings: [GateFinding]
    /// What the gate could see of latency: method, rule, limits; nil when no case was compared.
    package var latency: LatencySummary?
    /// Who signed the verdict and when.
    package var signer: SignerRecord?

    package init(
        baseline: GateReportRecord, candidate: GateReportRecord, policy: GatePolicy, expectations: String?, rerun: Bool,
        findings: [GateFinding], latency: LatencySummary? = nil
    ) {
        (self.baseline, self.candidate, self.policy, self.expectations) = (baseline, candidate, policy, expectations)
        (self.rerun, self.findings, self.latency) = (rerun, findings, latency)
        let worst = Gate.deciding(findings)
        self.worst = worst
        self.passed = worst == nil
    }
}

/// The in-toto Statement v1 of a gate verdict; its subjects are the two report envelopes.
package struct GateStatement: Sendable, Codable, Equatable {
    package static let predicateType = "https://certify.invalid/gate-verdict/v1"

    package var type: String
    package var subject: [Subject]
    package var predicateType: String
    package var predicate: GateVerdict

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject
        case predicateType
        case predicate
    }

    /// Names the baseline and candidate envelopes by SHA-256, baseline first.
    package init(verdict: GateVerdict) {
        type = Statement.type
        subject = [
            Subject(name: verdict.baseline.envelope, sha256: verdict.baseline.sha256),
            Subject(name: verdict.candidate.envelope, sha256: verdict.candidate.sha256),
        ]
        predicateType = Self.predicateType
        predicate = verdict
    }

    /// Canonical bytes: sorted keys, as reports are written.
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

extension SigningIdentity {
    /// Records this signer in the verdict and signs its statement's exact bytes in a DSSE envelope;
    /// returns the envelope's bytes.
    package func sign(_ statement: GateStatement, at date: Date) throws -> Data {
        var statement = statement
        statement.predicate.signer = record(at: date).0
        return try envelope(for: try statement.encoded())
    }
}
