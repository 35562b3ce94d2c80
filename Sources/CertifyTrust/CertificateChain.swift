import Foundation
import SwiftASN1
import X509

/// What a report's reader needs of one certificate, without X.509 types.
package struct CertificateSummary: Sendable, Equatable {
    package var subject: String
    package var issuer: String
    package var notValidBefore: Date
    package var notValidAfter: Date

    init(_ certificate: Certificate) {
        subject = certificate.subject.description
        issuer = certificate.issuer.description
        notValidBefore = certificate.notValidBefore
        notValidAfter = certificate.notValidAfter
    }
}

/// A signer's certificate chain as an envelope carries it: leaf first, then any intermediates.
package struct CertificateChain: Sendable {
    let certificates: [Certificate]

    init(_ certificates: [Certificate]) {
        precondition(!certificates.isEmpty, "a certificate chain has a leaf")
        self.certificates = certificates
    }

    /// The signer's own certificate.
    package var leaf: CertificateSummary { CertificateSummary(certificates[0]) }

    /// The root the chain names: the issuer of its last certificate (the chain never holds the root).
    package var namedRoot: String { certificates[certificates.count - 1].issuer.description }

    /// The chain as PEM certificates, leaf first, as `openssl verify -untrusted` reads it.
    package func pem() throws -> String {
        try certificates.map { KeyFile.pem(type: "CERTIFICATE", der: try KeyFile.der($0)) }.joined()
    }

    /// Follows issuer links from the leaf through the intermediates to a root of `trust`, checking
    /// each signature, CA constraints and validity at `time`; returns the root.
    package func validate(trust: TrustStore, at time: Date, development: Bool) throws(VerificationError) -> CertificateSummary {
        let chain = certificates
        let untrusted = development
            ? " It is a development identity, generated on the machine that ran certify: such a report is UNTRUSTED."
            : ""
        var current = chain[0]
        try Self.checkUsable(current, at: time, asIssuer: false)
        for depth in 0...chain.count {
            if let root = trust.roots.first(where: { Self.issued(current, by: $0) }) {
                try Self.checkUsable(root, at: time, asIssuer: true)
                return CertificateSummary(root)
            }
            guard depth < chain.count - 1,
                let issuer = chain.dropFirst().first(where: { Self.issued(current, by: $0) && $0 != current })
            else { break }
            try Self.checkUsable(issuer, at: time, asIssuer: true)
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
}
