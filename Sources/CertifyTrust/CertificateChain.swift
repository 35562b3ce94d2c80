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
    /// each signature, `CertificatePolicy` and validity at `time`; returns the root.
    package func validate(trust: TrustStore, at time: Date, development: Bool) throws(VerificationError) -> CertificateSummary {
        let untrusted = development
            ? " It is a development identity, generated on the machine that ran certify: such a report is UNTRUSTED."
            : ""
        let (root, top) = try walk(trust: trust.roots, at: time)
        if let root { return CertificateSummary(root) }
        throw VerificationError(
            .untrustedSigner,
            "the signer '\(certificates[0].subject)' does not chain to a root in the trust store '\(trust.location)' "
                + "(\(trust.roots.count) root\(trust.roots.count == 1 ? "" : "s"); issuer '\(top.issuer)')." + untrusted)
    }

    /// The checks of `validate` that need no trust store: the leaf and every issuer the chain
    /// itself holds meet `CertificatePolicy` and are valid at `time`. Signing runs this, so that
    /// certify refuses a certificate its verify would reject, with verify's reason.
    package func checkPolicy(at time: Date) throws(VerificationError) {
        _ = try walk(trust: [], at: time)
    }

    /// From the leaf, issuer by issuer through the chain, until a certificate of `roots` issued the
    /// current one; returns that root (nil if none did) and the last certificate reached.
    private func walk(trust roots: [Certificate], at time: Date) throws(VerificationError) -> (Certificate?, Certificate) {
        let chain = certificates
        var current = chain[0]
        try Self.checkUsable(current, at: time, as: .signer)
        for depth in 0...chain.count {
            if let root = roots.first(where: { Self.issued(current, by: $0) }) {
                try Self.checkUsable(root, at: time, as: .issuer)
                return (root, current)
            }
            guard depth < chain.count - 1,
                let issuer = chain.dropFirst().first(where: { Self.issued(current, by: $0) && $0 != current })
            else { break }
            try Self.checkUsable(issuer, at: time, as: .issuer)
            current = issuer
        }
        return (nil, current)
    }

    private static func issued(_ certificate: Certificate, by issuer: Certificate) -> Bool {
        certificate.issuer == issuer.subject && issuer.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    private static func checkUsable(_ certificate: Certificate, at time: Date, as role: CertificatePolicy.Role) throws(VerificationError) {
        if time < certificate.notValidBefore || time > certificate.notValidAfter {
            throw VerificationError(
                .untrustedSigner,
                "certificate '\(certificate.subject)' was not valid when the report was signed at \(ReportTime.string(time)) "
                    + "(valid from \(ReportTime.string(certificate.notValidBefore)) to \(ReportTime.string(certificate.notValidAfter)))")
        }
        try CertificatePolicy.check(certificate, as: role)
    }
}
