import Crypto
import Foundation
import SwiftASN1
import X509

/// Verifies a signed report from the envelope's bytes outwards: form, signature, then the
/// statement (parsed only from the bytes the signature covers), then the certificate chain at the
/// signing time the statement records.
package enum ReportVerifier {
    /// The checks that need no trust store: envelope form, keyid and the Ed25519 signature over
    /// PAE(payloadType, payload), then the statement and its signer record.
    package static func verifySignature(_ envelopeBytes: Data) throws(VerificationError)
        -> (statement: Statement, payload: Data, signer: SignerRecord, signedAt: Date, chain: [Certificate])
    {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: envelopeBytes)
        } catch {
            throw VerificationError(.malformed, "the file is not a DSSE envelope (\(describe(error)))")
        }
        guard envelope.payloadType == Envelope.inTotoPayloadType else {
            throw VerificationError(
                .malformed, "the envelope's payloadType is '\(envelope.payloadType)', not '\(Envelope.inTotoPayloadType)'")
        }
        guard envelope.signatures.count == 1, let signature = envelope.signatures.first else {
            throw VerificationError(.malformed, "the envelope has \(envelope.signatures.count) signatures; certify writes exactly one")
        }
        guard let payload = canonicalBase64(envelope.payload) else {
            throw VerificationError(.malformed, "the envelope's payload is not canonical base64")
        }
        guard let sig = canonicalBase64(signature.sig), sig.count == 64 else {
            throw VerificationError(.malformed, "the signature is not a base64 Ed25519 signature of 64 bytes")
        }
        guard let chainExtension = signature.extension, chainExtension.kind == CertificateChainExtension.kind else {
            throw VerificationError(
                .malformed, "the signature carries no certificate chain (extension kind '\(CertificateChainExtension.kind)')")
        }
        var chain: [Certificate] = []
        for (index, text) in chainExtension.ext.certificates.enumerated() {
            guard let der = canonicalBase64(text), let certificate = try? Certificate(derEncoded: Array(der)) else {
                throw VerificationError(.malformed, "certificate \(index + 1) of the chain is not base64 DER X.509")
            }
            chain.append(certificate)
        }
        guard let leaf = chain.first else { throw VerificationError(.malformed, "the certificate chain is empty") }
        guard let publicKey = Curve25519.Signing.PublicKey(leaf.publicKey) else {
            throw VerificationError(.malformed, "the signer's certificate '\(leaf.subject)' does not hold an Ed25519 key")
        }
        let keyid = SigningIdentity.keyid(publicKey)
        guard signature.keyid == keyid else {
            throw VerificationError(
                .badSignature, "the envelope's keyid \(signature.keyid) is not the signer's key \(keyid)")
        }
        guard publicKey.isValidSignature(sig, for: PAE.encode(payloadType: envelope.payloadType, payload: payload)) else {
            throw VerificationError(
                .badSignature, "the signature does not verify with the key of '\(leaf.subject)': the report was altered or signed by another key")
        }
        let statement: Statement
        do {
            statement = try Statement.decode(payload)
        } catch {
            throw VerificationError(.malformed, "the signed payload is not a certify statement (\(describe(error)))")
        }
        guard statement.type == Statement.type, statement.predicateType == Statement.predicateType else {
            throw VerificationError(
                .malformed, "the signed statement is '\(statement.type)' with predicate '\(statement.predicateType)', not a certify report")
        }
        guard let signer = statement.predicate.signer, let signedAt = ReportTime.date(signer.signedAt) else {
            throw VerificationError(.malformed, "the signed statement records no signer and signing time")
        }
        guard signer.keyid == keyid else {
            throw VerificationError(.badSignature, "the statement names signer key \(signer.keyid) but was signed by key \(keyid)")
        }
        return (statement, payload, signer, signedAt, chain)
    }

    /// Every check: `verifySignature`, then the chain to a root of `trust`, valid at the signing time.
    package static func verify(_ envelopeBytes: Data, trust: TrustStore) throws(VerificationError) -> VerifiedReport {
        let (statement, payload, signer, signedAt, chain) = try verifySignature(envelopeBytes)
        let root = try validateChain(chain, trust: trust, at: signedAt, development: signer.development)
        return VerifiedReport(
            statement: statement, payload: payload, signer: signer, signedAt: signedAt, certificate: chain[0], root: root)
    }

    /// Follows issuer links from the leaf through the envelope's intermediates to a trusted root,
    /// checking each signature, CA constraints and validity at `time`.
    static func validateChain(_ chain: [Certificate], trust: TrustStore, at time: Date, development: Bool)
        throws(VerificationError) -> Certificate
    {
        let untrusted = development
            ? " It is a development identity, generated on the machine that ran certify: such a report is UNTRUSTED."
            : ""
        var current = chain[0]
        try checkUsable(current, at: time, asIssuer: false)
        for depth in 0...chain.count {
            if let root = trust.roots.first(where: { issued(current, by: $0) }) {
                try checkUsable(root, at: time, asIssuer: true)
                return root
            }
            guard depth < chain.count - 1,
                let issuer = chain.dropFirst().first(where: { issued(current, by: $0) && $0 != current })
            else { break }
            try checkUsable(issuer, at: time, asIssuer: true)
            current = issuer
        }
        throw VerificationError(
            .untrustedSigner,
            "the signer '\(chain[0].subject)' does not chain to a root in the trust store '\(trust.location)' "
                + "(\(trust.roots.count) root\(trust.roots.count == 1 ? "" : "s"); issuer '\(current.issuer)')." + untrusted)
    }

    private static func issued(_ certificate: Certificate, by issuer: Certificate) -> Bool {
        certificate.issuer == issuer.subject && issuer.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    private static let understood: Set<ASN1ObjectIdentifier> = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage,
        .X509ExtensionID.subjectKeyIdentifier, .X509ExtensionID.authorityKeyIdentifier,
        .X509ExtensionID.subjectAlternativeName,
    ]

    private static func checkUsable(_ certificate: Certificate, at time: Date, asIssuer: Bool) throws(VerificationError) {
        if time < certificate.notValidBefore || time > certificate.notValidAfter {
            throw VerificationError(
                .untrustedSigner,
                "certificate '\(certificate.subject)' was not valid when the report was signed at \(ReportTime.string(time)) "
                    + "(valid from \(ReportTime.string(certificate.notValidBefore)) to \(ReportTime.string(certificate.notValidAfter)))")
        }
        if let critical = certificate.extensions.first(where: { $0.critical && !understood.contains($0.oid) }) {
            throw VerificationError(
                .untrustedSigner, "certificate '\(certificate.subject)' has an unknown critical extension \(critical.oid)")
        }
        let keyUsage: KeyUsage?
        let constraints: BasicConstraints?
        do {
            keyUsage = try certificate.extensions.keyUsage
            constraints = try certificate.extensions.basicConstraints
        } catch {
            throw VerificationError(.untrustedSigner, "certificate '\(certificate.subject)' has malformed extensions")
        }
        if asIssuer {
            guard case .isCertificateAuthority = constraints, keyUsage?.keyCertSign ?? true else {
                throw VerificationError(.untrustedSigner, "certificate '\(certificate.subject)' is not a CA that may issue certificates")
            }
        } else if let keyUsage, !keyUsage.digitalSignature {
            throw VerificationError(.untrustedSigner, "certificate '\(certificate.subject)' may not make digital signatures")
        }
    }

    /// Decodes canonical base64: the standard or the URL-safe alphabet (DSSE accepts both), never
    /// mixed, padding optional for URL-safe, no whitespace and no spare bits set.
    private static func canonicalBase64(_ text: String) -> Data? {
        var standard = text
        if text.contains(where: { $0 == "-" || $0 == "_" }) {
            guard !text.contains(where: { $0 == "+" || $0 == "/" }) else { return nil }
            standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            if !standard.hasSuffix("=") && standard.utf8.count % 4 != 0 {
                standard += String(repeating: "=", count: 4 - standard.utf8.count % 4)
            }
        }
        guard let data = Data(base64Encoded: standard), data.base64EncodedString() == standard else { return nil }
        return data
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "invalid JSON" : "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default:
            "\(error)"
        }
    }
}
