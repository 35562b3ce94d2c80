import CertifyTrust
import Foundation
import Testing

@testable import CertifyReport

struct ChainTests {
    private let hour: TimeInterval = 3600

    @Test func aReportSignedWhileTheCertificateWasValidVerifiesAfterItExpired() throws {
        let now = Date()
        let pki = try TestPKI(certifierValidity: now.addingTimeInterval(-3 * hour)...now.addingTimeInterval(-hour))
        let signed = try pki.identity.sign(syntheticStatement(), at: now.addingTimeInterval(-2 * hour))
        let verified = try ReportVerifier.verify(signed.envelope, trust: pki.trust)
        #expect(verified.expiredSinceSigning(now: now))
    }

    @Test func aReportSignedAfterTheCertificateExpiredFails() throws {
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        let notBefore = now.addingTimeInterval(-3 * hour)
        let notAfter = now.addingTimeInterval(-hour)
        let pki = try TestPKI(certifierValidity: notBefore...notAfter)
        let signed = try pki.identity.sign(syntheticStatement(), at: now)
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(signed.envelope, trust: pki.trust) }
        #expect(
            error == VerificationError(
                .untrustedSigner,
                "certificate 'CN=Test Certifier,O=certify certifiers' was not valid when the report was signed at \(ReportTime.string(now)) "
                    + "(valid from \(ReportTime.string(notBefore)) to \(ReportTime.string(notAfter)))"))
    }

    @Test func aReportSignedBeforeTheCertificateStartedFails() throws {
        let now = Date()
        let pki = try TestPKI(certifierValidity: now.addingTimeInterval(hour)...now.addingTimeInterval(2 * hour))
        let signed = try pki.identity.sign(syntheticStatement(), at: now)
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(signed.envelope, trust: pki.trust) }
        #expect(error?.kind == .untrustedSigner)
        #expect(error?.message.hasPrefix("certificate 'CN=Test Certifier,O=certify certifiers' was not valid when") == true)
    }

    @Test func anExpiredRootAtSigningTimeFails() throws {
        let now = Date()
        let pki = try TestPKI(rootValidity: now.addingTimeInterval(-3 * hour)...now.addingTimeInterval(-hour))
        let signed = try pki.identity.sign(syntheticStatement(), at: now)
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(signed.envelope, trust: pki.trust) }
        #expect(error?.message.hasPrefix("certificate 'CN=test root,O=certify' was not valid when") == true)
    }

    @Test func anotherRootIsAnUntrustedSigner() throws {
        let pki = try TestPKI()
        let stranger = try TestPKI()
        let signed = try pki.identity.sign(syntheticStatement(), at: Date())
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(signed.envelope, trust: stranger.trust) }
        #expect(
            error == VerificationError(
                .untrustedSigner,
                "the signer 'CN=Test Certifier,O=certify certifiers' does not chain to a root in the trust store 'test-roots' "
                    + "(1 root; issuer 'CN=test root,O=certify')."))
    }

    @Test func aDevelopmentIdentityIsUntrustedAndSaysSo() throws {
        let pki = try TestPKI(development: true)
        let signed = try pki.identity.sign(syntheticStatement(), at: Date())
        #expect(signed.statement.predicate.signer?.development == true)
        let error = verificationError { () throws(VerificationError) in
            _ = try ReportVerifier.verify(signed.envelope, trust: TrustStore(roots: [], location: "Certs"))
        }
        #expect(
            error == VerificationError(
                .untrustedSigner,
                "the signer 'CN=Test Certifier,O=certify certifiers' does not chain to a root in the trust store 'Certs' "
                    + "(0 roots; issuer 'CN=test root,O=certify'). It is a development identity, generated on the machine "
                    + "that ran certify: such a report is UNTRUSTED."))
    }

    @Test func aCertifierCannotIssueCertificates() throws {
        let pki = try TestPKI()
        // A certifier (not a CA) signs a certificate for a new key and hands over the chain.
        let (key, rogue) = try CertificateAuthority.issueCertifier(
            name: "Rogue", issuerKey: pki.identity.key, issuer: pki.identity.chain[0], notBefore: Date(timeIntervalSinceNow: -60),
            notAfter: Date(timeIntervalSinceNow: 3600))
        let identity = try SigningIdentity(key: key, chain: [rogue, pki.identity.chain[0]], development: false)
        let signed = try identity.sign(syntheticStatement(), at: Date())
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(signed.envelope, trust: pki.trust) }
        #expect(
            error == VerificationError(
                .untrustedSigner, "certificate 'CN=Test Certifier,O=certify certifiers' is not a CA that may issue certificates"))
    }

    @Test func aKeyThatIsNotTheCertificatesIsRefused() throws {
        let pki = try TestPKI()
        let other = try TestPKI()
        #expect(throws: SigningError.keyDoesNotMatchCertificate(key: "key", certificate: "CN=Test Certifier,O=certify certifiers")) {
            try SigningIdentity(key: other.identity.key, chain: pki.identity.chain, development: false)
        }
    }
}
