import CertifyTrust
import Foundation
import Testing

@testable import CertifyReport

struct ReportWriterSigningTests {
    @Test func aRunWhoseCertificateExpiredMeanwhileWritesNothing() throws {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let pki = try TestPKI(certifierValidity: now.addingTimeInterval(-7200)...now.addingTimeInterval(-3600))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certify-unsigned-\(UUID().uuidString)")
        #expect(
            throws: SigningError.certificateNotValid(
                subject: "CN=Test Certifier,O=certify certifiers", at: ReportTime.string(now),
                notBefore: ReportTime.string(now.addingTimeInterval(-7200)), notAfter: ReportTime.string(now.addingTimeInterval(-3600)))
        ) {
            try ReportWriter.write(syntheticStatement(), summary: "", signedBy: pki.identity, at: now, to: folder)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func theFolderHoldsTheSignedBytesAndTheRenderings() throws {
        let pki = try TestPKI()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certify-signed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let signed = try ReportWriter.write(syntheticStatement(), summary: "s\n", signedBy: pki.identity, at: Date(), to: folder)
        #expect(try Data(contentsOf: folder.appendingPathComponent("report.json")) == signed.payload)
        #expect(try Data(contentsOf: folder.appendingPathComponent("report.dsse.json")) == signed.envelope)
        let chain = try String(contentsOf: folder.appendingPathComponent("signer-chain.pem"), encoding: .utf8)
        #expect(chain == KeyFile.pem(type: "CERTIFICATE", der: try KeyFile.der(pki.identity.chain[0])))
        #expect(try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8) == MarkdownRenderer.render(signed.statement, root: "CN=test root,O=certify"))
        #expect(try String(contentsOf: folder.appendingPathComponent("junit.xml"), encoding: .utf8) == JUnitRenderer.render(signed.statement))
        #expect(try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8) == HTMLRenderer.render(signed.statement, root: "CN=test root,O=certify"))
    }
}
