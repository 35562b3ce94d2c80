import CertifyTrust
import CertifyBackends
import CertifyReport
import Foundation
import Testing

@Suite struct SigningCLITests {
    @Test func keygenWritesARootAndACertifierThatOpenSSLAccepts() throws {
        let run = try #require(SignedRun.shared)
        #expect(run.keygen.map(\.status) == [0, 0], "\(run.keygen.map(\.stderr))")
        #expect(run.keygen[0].stdout.hasPrefix("Root CA 'CN=certify test root,O=certify', valid "))
        #expect(run.keygen[1].stdout.hasPrefix("Certifier 'CN=Li Wei,O=certify certifiers' issued by 'CN=certify test root,O=certify', valid "))
        for (path, mode) in [(run.key, 0o600), (run.folder.path("pki/root/root.key"), 0o600), (run.certificate, 0o644)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == mode, "\(path)")
        }
        let openssl = try Tool.run("openssl", ["verify", "-CAfile", run.root, run.certificate])
        #expect(openssl.status == 0, "\(openssl.stderr)")
        #expect(openssl.stdout == "\(run.certificate): OK\n")
        let stranger = try TemporaryDirectory()
        _ = try CLI.run(["keygen", "root", "--out", stranger.path("ca")])
        let rejected = try Tool.run("openssl", ["verify", "-CAfile", stranger.path("ca/root.pem"), run.certificate])
        #expect(rejected.status != 0)
    }

    @Test func keygenNeverOverwrites() throws {
        let run = try #require(SignedRun.shared)
        let again = try CLI.run(["keygen", "root", "--out", run.folder.path("pki/root")])
        #expect(again.status == 73)
        #expect(
            again.stderr == "error: '\(run.folder.path("pki/root/root.key"))' already exists; certify keygen never overwrites a key or certificate\n")
    }

    @Test func aSignedRunWritesTheEnvelopeAndRenderingsOfTheSameBytes() throws {
        let run = try #require(SignedRun.shared)
        #expect(run.run.status == 0, "\(run.run.stderr)")
        #expect(run.run.stdout.contains("Signed: \(run.envelope) by 'CN=Li Wei,O=certify certifiers'\n"))
        #expect(!run.run.stderr.contains("development identity"))
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: run.report))
        #expect(
            names == [
                "report.json", "report.dsse.json", "cases.json", "latency.bin", "summary.txt", "report.md", "report.html", "junit.xml",
                "journal.jsonl", "worker.log", "signer-chain.pem",
            ])
        let envelope = try JSONDecoder().decode(Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: run.envelope)))
        let reportJSON = try Data(contentsOf: URL(fileURLWithPath: run.folder.path("report/report.json")))
        #expect(Data(base64Encoded: envelope.payload) == reportJSON)
        let statement = try Statement.decode(reportJSON)
        #expect(statement.predicate.signer?.subject == "CN=Li Wei,O=certify certifiers")
        #expect(statement.predicate.signer?.development == false)
    }

    @Test func verifyPrintsTheVerifiedSummary() throws {
        let run = try #require(SignedRun.shared)
        let library = CLI.buildDirectory.appendingPathComponent("libcertify_backend_cpu.so").path
        let result = try CLI.run([
            "verify", run.report, "--trust", run.root, "--backend", library, "--chip", "Profiles/cpu.yaml",
            "--tier", "Profiles/tiers/developer.yaml",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "VERIFIED  \(run.envelope)")
        #expect(lines.map { String($0.prefix(10)) } == ["VERIFIED  ", "chip      ", "backend   ", "level     ", "tiers     ", "date      ", "signer    ", "root      ", "subjects  "])
        #expect(lines.contains("level     L2 Validated"))
        #expect(lines.contains("tiers     developer QUALIFIED (requires L1)"))
        #expect(lines.contains { $0.hasPrefix("signer    CN=Li Wei,O=certify certifiers (keyid ") })
        #expect(lines.contains("root      CN=certify test root,O=certify from \(run.root)"))
        #expect(lines.last == "subjects  match: backend \(library), chip profile Profiles/cpu.yaml, tier profile Profiles/tiers/developer.yaml")
    }

    @Test func verifyReportsASubjectMismatch() throws {
        let run = try #require(SignedRun.shared)
        let result = try CLI.run(["verify", run.envelope, "--trust", run.root, "--chip", "Profiles/ascend.yaml"])
        #expect(result.status == 23)
        let digest = try FileDigest.sha256(ofFile: CLI.repositoryRoot.appendingPathComponent("Profiles/ascend.yaml").path)
        let expected = try FileDigest.sha256(ofFile: CLI.repositoryRoot.appendingPathComponent("Profiles/cpu.yaml").path)
        #expect(
            result.stderr
                == "error: \(run.envelope): chip profile 'Profiles/ascend.yaml' (sha256 \(digest)) is not what the report certifies: "
                + "the report names 'Profiles/cpu.yaml' sha256 \(expected)\n")
    }

    @Test func theRepositoryTrustStoreHoldsNoTestRoot() throws {
        let run = try #require(SignedRun.shared)
        let result = try CLI.run(["verify", run.envelope])
        #expect(result.status == 22)
        #expect(result.stderr.contains("does not chain to a root in the trust store '\(CLI.repositoryRoot.appendingPathComponent("Certs").path)'"))
    }

    @Test func tamperedEnvelopesFailWithTheirOwnExitCodes() throws {
        let run = try #require(SignedRun.shared)
        let scratch = try TemporaryDirectory()
        let original = try Data(contentsOf: URL(fileURLWithPath: run.envelope))
        let text = String(decoding: original, as: UTF8.self)
        let payloadStart = try #require(text.range(of: "\"payload\" : \"")).upperBound
        let offset = text.utf8.distance(from: text.startIndex, to: payloadStart) + 500
        let cases: [(String, (inout Data) -> Void, Int32)] = [
            ("a payload character", { $0[offset] = $0[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A") }, 21),
            ("the first byte", { $0[0] ^= 0x01 }, 20),
            ("the last byte", { $0[$0.count - 2] ^= 0x01 }, 20),
            ("a keyid digit", {
                let at = text.utf8.distance(from: text.startIndex, to: text.range(of: "\"keyid\" : \"")!.upperBound)
                $0[at] = $0[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            }, 21),
            ("a truncation", { $0 = $0.prefix($0.count / 2) }, 20),
        ]
        for (what, change, status) in cases {
            let path = try tamperedCopy(of: run, in: scratch, change)
            let result = try CLI.run(["verify", path, "--trust", run.root])
            #expect(result.status == status, "\(what): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func anIndependentPythonVerifierAcceptsTheEnvelopeAndRejectsATamperedOne() throws {
        let run = try #require(SignedRun.shared)
        let script = CLI.repositoryRoot.appendingPathComponent("scripts/verify_envelope.py").path
        let accepted = try Tool.run("python3", [script, run.envelope, run.root])
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        #expect(accepted.stdout == "OK CN=Li Wei,O=certify certifiers (root CN=certify test root,O=certify)\n")
        let scratch = try TemporaryDirectory()
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: run.envelope)), as: UTF8.self)
        let offset = text.utf8.distance(from: text.startIndex, to: text.range(of: "\"payload\" : \"")!.upperBound) + 300
        let tampered = try tamperedCopy(of: run, in: scratch) {
            $0[offset] = $0[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        }
        let rejected = try Tool.run("python3", [script, tampered, run.root])
        #expect(rejected.status == 1)
        #expect(rejected.stdout == "REJECTED: InvalidSignature: \n")
        let stranger = try TemporaryDirectory()
        _ = try CLI.run(["keygen", "root", "--out", stranger.path("ca")])
        let otherRoot = try Tool.run("python3", [script, run.envelope, stranger.path("ca/root.pem")])
        #expect(otherRoot.status == 1)
        #expect(otherRoot.stdout.hasPrefix("REJECTED: "))
    }

    @Test func theHTMLReportRendersInHeadlessChromiumWithoutConsoleErrors() throws {
        let run = try #require(SignedRun.shared)
        let scratch = try TemporaryDirectory()
        let script = CLI.repositoryRoot.appendingPathComponent("scripts/check-html").path
        let result = try Tool.run(script, [run.folder.path("report/report.html"), scratch.path("report.png")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let png = try Data(contentsOf: scratch.url.appendingPathComponent("report.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
        #expect(png.count > 20_000)
        // The check can fail: a page with a script error does.
        let broken = try scratch.write("broken.html", "<!DOCTYPE html><p>x</p><script>undefinedFunction()</script>")
        let control = try Tool.run(script, [broken, scratch.path("broken.png")])
        #expect(control.status == 1)
        #expect(control.stdout.contains("Uncaught ReferenceError: undefinedFunction is not defined"))
    }

    @Test func verifyCanReRenderFromTheVerifiedStatement() throws {
        let run = try #require(SignedRun.shared)
        let scratch = try TemporaryDirectory()
        // What an auditor is handed: the envelope, and the cases and samples it signs by digest.
        try FileManager.default.copyItem(atPath: run.envelope, toPath: scratch.path("report.dsse.json"))
        for name in ["cases.json", "latency.bin"] {
            try FileManager.default.copyItem(atPath: run.folder.path("report/\(name)"), toPath: scratch.path(name))
        }
        let result = try CLI.run(["verify", scratch.url.path, "--trust", run.root, "--render"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["report.md", "report.html", "junit.xml"] {
            let rendered = try Data(contentsOf: scratch.url.appendingPathComponent(name))
            let original = try Data(contentsOf: URL(fileURLWithPath: run.report).appendingPathComponent(name))
            #expect(rendered == original, "\(name)")
        }
    }
}
