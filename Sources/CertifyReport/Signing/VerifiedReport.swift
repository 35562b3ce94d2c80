import CertifyTrust
import Foundation

/// A report whose envelope, signature and certificate chain have been checked.
package struct VerifiedReport: Sendable {
    /// The statement parsed from the verified payload bytes.
    package var statement: Statement
    /// The exact bytes the signature covers.
    package var payload: Data
    /// The signer as the signed statement records it.
    package var signer: SignerRecord
    /// `signer.signedAt` as a date; the chain was judged at this instant.
    package var signedAt: Date
    /// The signer's (leaf) certificate.
    package var certificate: CertificateSummary
    /// The trust store root the chain ends in.
    package var root: CertificateSummary

    /// The leaf certificate has expired since the report was signed (the report stays valid).
    package func expiredSinceSigning(now: Date = Date()) -> Bool {
        now > certificate.notValidAfter
    }

    /// Throws `.subjectMismatch` unless a subject in `role` has SHA-256 `sha256`.
    package func checkSubject(_ what: String, path: String, sha256: String, role: Subject.Role) throws(VerificationError) {
        let candidates = statement.subjects(role)
        guard !candidates.contains(where: { $0.digest["sha256"] == sha256 }) else { return }
        let expected = candidates.map { "'\($0.name)' sha256 \($0.digest["sha256"] ?? "none")" }
        throw VerificationError(
            .subjectMismatch,
            "\(what) '\(path)' (sha256 \(sha256)) is not what the report certifies"
                + (expected.isEmpty ? "; the report names no \(what)" : ": the report names \(expected.joined(separator: ", "))"))
    }
}
