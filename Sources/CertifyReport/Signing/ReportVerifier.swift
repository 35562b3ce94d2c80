import CertifyTrust
import Foundation

/// Verifies a signed report from the envelope's bytes outwards: form and signature (CertifyTrust),
/// then the statement, parsed only from the bytes the signature covers, then the certificate chain
/// at the signing time the statement records.
package enum ReportVerifier {
    /// The checks that need no trust store: envelope form, keyid and the Ed25519 signature over
    /// PAE(payloadType, payload), then the statement and its signer record.
    package static func verifySignature(_ envelopeBytes: Data) throws(VerificationError)
        -> (statement: Statement, payload: Data, signer: SignerRecord, signedAt: Date, chain: CertificateChain)
    {
        let opened = try EnvelopeVerifier.open(envelopeBytes)
        let statement: Statement
        do {
            statement = try Statement.decode(opened.payload)
        } catch {
            throw VerificationError(.malformed, "the signed payload is not a certify statement (\(VerificationError.describe(error)))")
        }
        guard statement.type == Statement.type, statement.predicateType == Statement.predicateType else {
            throw VerificationError(
                .malformed, "the signed statement is '\(statement.type)' with predicate '\(statement.predicateType)', not a certify report")
        }
        guard let signer = statement.predicate.signer, let signedAt = ReportTime.date(signer.signedAt) else {
            throw VerificationError(.malformed, "the signed statement records no signer and signing time")
        }
        guard signer.keyid == opened.keyid else {
            throw VerificationError(.badSignature, "the statement names signer key \(signer.keyid) but was signed by key \(opened.keyid)")
        }
        return (statement, opened.payload, signer, signedAt, opened.chain)
    }

    /// Every check: `verifySignature`, then the chain to a root of `trust`, valid at the signing time.
    package static func verify(_ envelopeBytes: Data, trust: TrustStore) throws(VerificationError) -> VerifiedReport {
        let (statement, payload, signer, signedAt, chain) = try verifySignature(envelopeBytes)
        let root = try chain.validate(trust: trust, at: signedAt, development: signer.development)
        return VerifiedReport(
            statement: statement, payload: payload, signer: signer, signedAt: signedAt, certificate: chain.leaf, root: root)
    }
}
