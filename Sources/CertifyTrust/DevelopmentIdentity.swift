import Foundation
import X509

/// The signing identity a run falls back to when no key is configured: generated on first use
/// outside any repository, chained to a local root nobody else trusts.
package enum DevelopmentIdentity {
    /// `$XDG_CONFIG_HOME/certify/dev-identity`, else `~/.config/certify/dev-identity`.
    package static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base: URL
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            base = URL(fileURLWithPath: config)
        } else {
            base = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config")
        }
        return base.appendingPathComponent("certify/dev-identity")
    }

    /// Loads the development identity in `directory`, creating it first if there is none.
    ///
    /// The folder holds root.pem (to pass to `certify verify --trust` when testing), certifier.pem
    /// and certifier.key; the root's key is discarded once the certifier is issued.
    package static func loadOrCreate(in directory: URL) throws -> SigningIdentity {
        let keyPath = directory.appendingPathComponent(CertificateAuthority.certifierKeyFile).path
        let certificatePath = directory.appendingPathComponent(CertificateAuthority.certifierCertificateFile).path
        if !FileManager.default.fileExists(atPath: keyPath) {
            try create(in: directory)
        }
        return try SigningIdentity.load(keyPath: keyPath, certificatePath: certificatePath, development: true)
    }

    private static func create(in directory: URL) throws {
        let parent = directory.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        // Built in a private folder and renamed into place, so concurrent first runs agree on one identity.
        let staging = parent.appendingPathComponent(".dev-identity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: staging) }
        let host = ProcessInfo.processInfo.hostName
        let now = Date()
        let (rootKey, root) = try CertificateAuthority.makeRoot(
            name: "certify development root on \(host) (UNTRUSTED)", notBefore: now.addingTimeInterval(-3600),
            notAfter: now.addingTimeInterval(10 * 365 * 86400))
        let (key, certificate) = try CertificateAuthority.issueCertifier(
            name: "certify development identity on \(host) (UNTRUSTED)", issuerKey: rootKey, issuer: root,
            notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(10 * 365 * 86400))
        try KeyFile.create(
            staging.appendingPathComponent(CertificateAuthority.certifierKeyFile).path, KeyFile.pem(key), mode: 0o600)
        try KeyFile.create(
            staging.appendingPathComponent(CertificateAuthority.certifierCertificateFile).path,
            KeyFile.pem(type: "CERTIFICATE", der: try KeyFile.der(certificate)), mode: 0o644)
        try KeyFile.create(
            staging.appendingPathComponent(CertificateAuthority.rootCertificateFile).path,
            KeyFile.pem(type: "CERTIFICATE", der: try KeyFile.der(root)), mode: 0o644)
        do {
            try FileManager.default.moveItem(at: staging, to: directory)
        } catch where FileManager.default.fileExists(atPath: directory.appendingPathComponent(CertificateAuthority.certifierKeyFile).path) {
            // Another run created it first; use that one.
        }
    }
}
