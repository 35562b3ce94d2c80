import Foundation

/// Why certify cannot create or use a signing identity.
package enum SigningError: Error, Equatable, CustomStringConvertible {
    /// The key file can be read by group or others; `mode` is its permission bits.
    case keyReadableByOthers(path: String, mode: UInt16)
    /// A file cannot be read; `reason` is the system's words.
    case unreadable(path: String, reason: String)
    /// The key file is not an Ed25519 PKCS#8 PEM private key.
    case malformedKey(path: String)
    /// The certificate file holds no PEM certificate, or one that does not parse.
    case malformedCertificate(path: String, reason: String)
    /// The private key does not belong to the certificate's public key.
    case keyDoesNotMatchCertificate(key: String, certificate: String)
    /// The certificate is not valid at the signing time.
    case certificateNotValid(subject: String, at: String, notBefore: String, notAfter: String)
    /// The chain breaks the certificate policy verify applies; `reason` is verify's words.
    case certificateRefused(reason: String)
    /// A trust store file holds a certificate that is not a self-signed root.
    case notARoot(path: String, subject: String, issuer: String)
    /// keygen refuses to overwrite an existing file.
    case exists(path: String)
    /// A file or folder cannot be written; `reason` is the system's words.
    case unwritable(path: String, reason: String)

    package var description: String {
        switch self {
        case .keyReadableByOthers(let path, let mode):
            "signing key '\(path)' can be read by group or others (mode \(String(mode, radix: 8))); run 'chmod 600 \(path)'"
        case .unreadable(let path, let reason):
            "cannot read '\(path)': \(reason)"
        case .malformedKey(let path):
            "'\(path)' is not an Ed25519 private key in PKCS#8 PEM ('-----BEGIN PRIVATE KEY-----')"
        case .malformedCertificate(let path, let reason):
            "'\(path)' is not a PEM X.509 certificate: \(reason)"
        case .keyDoesNotMatchCertificate(let key, let certificate):
            "signing key '\(key)' does not match the public key of certificate '\(certificate)'"
        case .certificateNotValid(let subject, let at, let notBefore, let notAfter):
            "certificate '\(subject)' is not valid at \(at) (valid from \(notBefore) to \(notAfter))"
        case .certificateRefused(let reason):
            "\(reason): certify verify would reject a report signed with it"
        case .notARoot(let path, let subject, let issuer):
            "'\(path)' holds '\(subject)', which is not a root (its issuer is '\(issuer)'): "
                + "a trust store holds self-signed root certificates only; trust the root it chains to"
        case .exists(let path):
            "'\(path)' already exists; certify keygen never overwrites a key or certificate"
        case .unwritable(let path, let reason):
            "cannot write '\(path)': \(reason)"
        }
    }
}
