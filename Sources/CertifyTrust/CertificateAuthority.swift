import Crypto
import Foundation
import X509

/// Makes the root CA and certifier certificates behind signed reports (`certify keygen`).
package enum CertificateAuthority {
    /// File names keygen writes.
    package static let rootCertificateFile = "root.pem"
    package static let rootKeyFile = "root.key"
    package static let certifierCertificateFile = "certifier.pem"
    package static let certifierKeyFile = "certifier.key"

    /// A self-signed Ed25519 root CA that may issue certifier certificates (path length 0).
    package static func makeRoot(name: String, notBefore: Date, notAfter: Date) throws
        -> (key: Curve25519.Signing.PrivateKey, certificate: Certificate)
    {
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName {
            OrganizationName("certify")
            CommonName(name)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: subject, subject: subject,
            signatureAlgorithm: .ed25519,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return (key, certificate)
    }

    /// A certifier (end-entity, digital signature only) certificate issued by `issuer`.
    package static func issueCertifier(
        name: String, issuerKey: Curve25519.Signing.PrivateKey, issuer: Certificate, notBefore: Date, notAfter: Date
    ) throws -> (key: Curve25519.Signing.PrivateKey, certificate: Certificate) {
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName {
            OrganizationName("certify certifiers")
            CommonName(name)
        }
        let authorityKey = SubjectKeyIdentifier(hash: issuer.publicKey).keyIdentifier
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: issuer.subject, subject: subject,
            signatureAlgorithm: .ed25519,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: authorityKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        return (key, certificate)
    }

    /// Writes root.pem (0644) and root.key (0600) into `directory`, creating it; refuses to overwrite.
    package static func writeRoot(name: String, notBefore: Date, notAfter: Date, to directory: URL) throws -> Certificate {
        let (key, certificate) = try makeRoot(name: name, notBefore: notBefore, notAfter: notAfter)
        try write(key: key, certificate: certificate, keyFile: rootKeyFile, certificateFile: rootCertificateFile, to: directory)
        return certificate
    }

    /// Issues a certifier certificate with the CA in `caDirectory` and writes certifier.pem and
    /// certifier.key (0600) into `directory`; refuses to overwrite.
    package static func writeCertifier(
        name: String, caDirectory: URL, notBefore: Date, notAfter: Date, to directory: URL
    ) throws -> Certificate {
        let caKey = try KeyFile.readKey(caDirectory.appendingPathComponent(rootKeyFile).path)
        let caCertificatePath = caDirectory.appendingPathComponent(rootCertificateFile).path
        let caCertificate = try KeyFile.readCertificates(caCertificatePath)[0]
        _ = try SigningIdentity(key: caKey, chain: [caCertificate], development: false, keyName: caDirectory.appendingPathComponent(rootKeyFile).path)
        let (key, certificate) = try issueCertifier(
            name: name, issuerKey: caKey, issuer: caCertificate, notBefore: notBefore, notAfter: notAfter)
        try write(
            key: key, certificate: certificate, keyFile: certifierKeyFile, certificateFile: certifierCertificateFile,
            to: directory)
        return certificate
    }

    private static func write(
        key: Curve25519.Signing.PrivateKey, certificate: Certificate, keyFile: String, certificateFile: String, to directory: URL
    ) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SigningError.unwritable(path: directory.path, reason: error.localizedDescription)
        }
        let keyPath = directory.appendingPathComponent(keyFile).path
        let certificatePath = directory.appendingPathComponent(certificateFile).path
        for path in [keyPath, certificatePath] where FileManager.default.fileExists(atPath: path) {
            throw SigningError.exists(path: path)
        }
        try KeyFile.create(keyPath, KeyFile.pem(key), mode: 0o600)
        try KeyFile.create(certificatePath, KeyFile.pem(type: "CERTIFICATE", der: try KeyFile.der(certificate)), mode: 0o644)
    }
}
