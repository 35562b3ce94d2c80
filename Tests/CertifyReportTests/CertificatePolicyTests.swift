import CertifyTrust
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import CertifyReport

/// Signing applies the certificate policy verify applies: each certificate verify would reject is
/// refused at signing with verify's reason, and what verify accepts signs.
struct CertificatePolicyTests {
    /// A certificate for a new key, issued by `issuer` (its key `issuerKey`) with `extensions`.
    private static func issue(
        _ name: String, by issuer: Certificate, key issuerKey: Curve25519.Signing.PrivateKey, extensions: Certificate.Extensions
    ) throws -> (Curve25519.Signing.PrivateKey, Certificate) {
        let key = Curve25519.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("policy")
            CommonName(name)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date(timeIntervalSinceNow: -3600), notValidAfter: Date(timeIntervalSinceNow: 86400),
            issuer: issuer.subject, subject: subject, signatureAlgorithm: .ed25519, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        return (key, certificate)
    }

    /// An end entity's extensions with `keyUsage` and, when given, an extended key usage and one more extension.
    private static func leaf(
        keyUsage: KeyUsage = KeyUsage(digitalSignature: true), extendedKeyUsage: [ExtendedKeyUsage.Usage]? = nil,
        ca: Bool = false, extra: Certificate.Extension? = nil
    ) throws -> Certificate.Extensions {
        var extensions = try Certificate.Extensions {
            Critical(ca ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : BasicConstraints.notCertificateAuthority)
            Critical(keyUsage)
        }
        if let extendedKeyUsage { try extensions.append(try ExtendedKeyUsage(extendedKeyUsage).makeCertificateExtension()) }
        if let extra { try extensions.append(extra) }
        return extensions
    }

    static let unknownCritical = Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 55555, 1], critical: true, value: [0x05, 0x00])

    static let refused: [(String, String)] = [
        ("no digitalSignature", "certificate 'CN=no digitalSignature,O=policy' may not make digital signatures"),
        ("unknown critical", "certificate 'CN=unknown critical,O=policy' has an unknown critical extension 1.3.6.1.4.1.55555.1"),
        ("CA leaf", "certificate 'CN=CA leaf,O=policy' is a CA certificate (CA:TRUE); a report is signed by an end-entity certificate"),
        ("server only", "certificate 'CN=server only,O=policy' has an extended key usage without codeSigning, so it may not sign reports"),
        ("through a certifier", "certificate 'CN=Test Certifier,O=certify certifiers' is not a CA that may issue certificates"),
    ]

    /// The identity each refused case names: its chain, signed by the test root or, for the last,
    /// through a certifier that is no CA.
    private static func identity(_ name: String, _ pki: TestPKI) throws -> SigningIdentity {
        let extensions: Certificate.Extensions =
            switch name {
            case "no digitalSignature": try leaf(keyUsage: KeyUsage(nonRepudiation: true))
            case "unknown critical": try leaf(extra: unknownCritical)
            case "CA leaf": try leaf(keyUsage: KeyUsage(digitalSignature: true, keyCertSign: true), ca: true)
            case "server only": try leaf(extendedKeyUsage: [.serverAuth])
            default: try leaf()
            }
        if name == "through a certifier" {
            let (key, certificate) = try issue(name, by: pki.identity.chain[0], key: pki.identity.key, extensions: extensions)
            return try SigningIdentity(key: key, chain: [certificate, pki.identity.chain[0]], development: false)
        }
        let (key, certificate) = try issue(name, by: pki.root, key: pki.rootKey, extensions: extensions)
        return try SigningIdentity(key: key, chain: [certificate], development: false)
    }

    @Test(arguments: refused)
    func signingRefusesWithTheReasonVerifyGives(name: String, reason: String) throws {
        let pki = try TestPKI()
        let identity = try Self.identity(name, pki)
        #expect(throws: SigningError.certificateRefused(reason: reason)) { try identity.checkUsable(at: Date()) }
        #expect(
            SigningError.certificateRefused(reason: reason).description
                == "\(reason): certify verify would reject a report signed with it")
        // Signed regardless, verify rejects it with the same reason.
        let signed = try identity.sign(syntheticStatement(), at: Date())
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(signed.envelope, trust: pki.trust) }
        #expect(error == VerificationError(.untrustedSigner, reason))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certify-refused-\(UUID().uuidString)")
        #expect(throws: SigningError.certificateRefused(reason: reason)) {
            try ReportWriter.write(syntheticStatement(), summary: "", signedBy: identity, at: Date(), to: folder)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    /// What the policy allows signs and verifies: keygen's certifier, and an extended key usage with codeSigning.
    @Test func certifiersAndCodeSigningCertificatesSignAndVerify() throws {
        let pki = try TestPKI()
        let (key, certificate) = try Self.issue(
            "code signing", by: pki.root, key: pki.rootKey, extensions: try Self.leaf(extendedKeyUsage: [.codeSigning]))
        for identity in [pki.identity, try SigningIdentity(key: key, chain: [certificate], development: false)] {
            try identity.checkUsable(at: Date())
            let signed = try identity.sign(syntheticStatement(), at: Date())
            _ = try ReportVerifier.verify(signed.envelope, trust: pki.trust)
        }
    }
}
