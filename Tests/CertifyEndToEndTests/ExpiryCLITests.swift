import CertifyTrust
import CertifyReport
import Foundation
import Testing

/// Expiry through the CLI: a real run's statement re-signed in-process by certifiers whose
/// certificates have already expired, at chosen signing times.
@Suite struct ExpiryCLITests {
    private func envelope(signedAt: Date, certifierValidity: ClosedRange<Date>, in folder: TemporaryDirectory) throws -> String {
        let run = try #require(SignedRun.shared)
        let statement = try Statement.read(folder: URL(fileURLWithPath: run.folder.path("report")))
        let now = Date()
        let (rootKey, root) = try CertificateAuthority.makeRoot(
            name: "expiry root", notBefore: now.addingTimeInterval(-86400), notAfter: now.addingTimeInterval(86400))
        let (key, certificate) = try CertificateAuthority.issueCertifier(
            name: "Short Lived", issuerKey: rootKey, issuer: root, notBefore: certifierValidity.lowerBound,
            notAfter: certifierValidity.upperBound)
        let signed = try SigningIdentity(key: key, chain: [certificate], development: false).sign(statement, at: signedAt)
        try signed.envelope.write(to: folder.url.appendingPathComponent("report.dsse.json"))
        // The statement binds the run's cases and samples by digest; they go with the envelope.
        for name in ["cases.json", "latency.bin"] {
            try FileManager.default.copyItem(atPath: run.folder.path("report/\(name)"), toPath: folder.path(name))
        }
        try KeyFile.create(folder.path("root.pem"), KeyFile.pem(type: "CERTIFICATE", der: try KeyFile.der(root)), mode: 0o644)
        return folder.path("report.dsse.json")
    }

    @Test func aReportSignedWhileValidVerifiesAfterExpiryWithANote() throws {
        let folder = try TemporaryDirectory()
        let now = Date()
        let path = try envelope(
            signedAt: now.addingTimeInterval(-7200), certifierValidity: now.addingTimeInterval(-10800)...now.addingTimeInterval(-3600),
            in: folder)
        let result = try CLI.run(["verify", path, "--trust", folder.path("root.pem")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\nnote      the signer's certificate expired on "))
        #expect(result.stdout.contains(", after the report was signed; the report remains valid\n"))
    }

    @Test func aReportSignedAfterExpiryIsAnUntrustedSigner() throws {
        let folder = try TemporaryDirectory()
        let now = Date()
        let path = try envelope(
            signedAt: now, certifierValidity: now.addingTimeInterval(-10800)...now.addingTimeInterval(-3600), in: folder)
        let result = try CLI.run(["verify", path, "--trust", folder.path("root.pem")])
        #expect(result.status == 22)
        #expect(result.stderr.hasPrefix("error: \(path): certificate 'CN=Short Lived,O=certify certifiers' was not valid when the report was signed at "))
    }
}
