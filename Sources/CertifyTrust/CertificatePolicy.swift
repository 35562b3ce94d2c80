import SwiftASN1
import X509

/// The rules a certificate must meet to sign a report or to issue a signer's certificate. Signing
/// (`SigningIdentity.checkUsable`) and verifying (`CertificateChain.validate`) apply this one
/// policy, so certify never signs with a certificate its own verify would reject, and refuses it
/// with the reason verify would give.
package enum CertificatePolicy {
    /// What a certificate is to the chain it is in.
    enum Role {
        /// The leaf, whose key makes the report's signature.
        case signer
        /// An intermediate or root that issued the next certificate down.
        case issuer
    }

    /// The extensions certify understands; any other marked critical makes a certificate unusable,
    /// as RFC 5280 §4.2 requires of a relying party.
    static let understood: Set<ASN1ObjectIdentifier> = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage,
        .X509ExtensionID.subjectKeyIdentifier, .X509ExtensionID.authorityKeyIdentifier,
        .X509ExtensionID.subjectAlternativeName,
    ]

    /// Throws `.untrustedSigner` with the reason unless `certificate` may act as `role`:
    /// - no critical extension certify does not understand;
    /// - an issuer is a CA (basic constraints CA:TRUE) whose key usage, if any, includes keyCertSign;
    /// - a signer is not a CA, its key usage, if any, includes digitalSignature, and its extended
    ///   key usage, if any, includes codeSigning (signing artifacts) or anyExtendedKeyUsage.
    static func check(_ certificate: Certificate, as role: Role) throws(VerificationError) {
        if let critical = certificate.extensions.first(where: { $0.critical && !understood.contains($0.oid) }) {
            throw VerificationError(
                .untrustedSigner, "certificate '\(certificate.subject)' has an unknown critical extension \(critical.oid)")
        }
        let keyUsage: KeyUsage?
        let constraints: BasicConstraints?
        let extendedKeyUsage: ExtendedKeyUsage?
        do {
            keyUsage = try certificate.extensions.keyUsage
            constraints = try certificate.extensions.basicConstraints
            extendedKeyUsage = try certificate.extensions.extendedKeyUsage
        } catch {
            throw VerificationError(.untrustedSigner, "certificate '\(certificate.subject)' has malformed extensions")
        }
        switch role {
        case .issuer:
            guard case .isCertificateAuthority = constraints, keyUsage?.keyCertSign ?? true else {
                throw VerificationError(.untrustedSigner, "certificate '\(certificate.subject)' is not a CA that may issue certificates")
            }
        case .signer:
            if case .isCertificateAuthority = constraints {
                throw VerificationError(
                    .untrustedSigner,
                    "certificate '\(certificate.subject)' is a CA certificate (CA:TRUE); a report is signed by an end-entity certificate")
            }
            if let keyUsage, !keyUsage.digitalSignature {
                throw VerificationError(.untrustedSigner, "certificate '\(certificate.subject)' may not make digital signatures")
            }
            if let extendedKeyUsage, !extendedKeyUsage.contains(.codeSigning), !extendedKeyUsage.contains(.any) {
                throw VerificationError(
                    .untrustedSigner,
                    "certificate '\(certificate.subject)' has an extended key usage without codeSigning, so it may not sign reports")
            }
        }
    }
}
