import CertifyReport
import Foundation
import Testing

/// `certify explain` on real reports: the cases to fix per level, and verification first.
@Suite struct ExplainTests {
    @Test func ropeDefectNeedsTheThreeCoreRopeCasesForL1AndTheEdgeOnesForL2() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "defective.yaml",
            profile("cpu.yaml", options: ["defect": "rope-half-split"], library: "certify_backend_defective"))
        _ = try CLI.run(["--chip", path, "--suite", "quick", "--output", folder.path("report")])
        // The report alone, without its envelope: explained unverified, with a warning. Its cases
        // are in cases.json, checked against the digest report.json records.
        for name in ["cases.json", "latency.bin"] {
            try FileManager.default.copyItem(at: folder.url.appendingPathComponent("report/\(name)"), to: folder.url.appendingPathComponent(name))
        }
        let lone = try folder.write(
            "report.json", String(decoding: try Data(contentsOf: folder.url.appendingPathComponent("report/report.json")), as: UTF8.self))
        let result = try CLI.run(["explain", lone])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(ExplainTests.notVerified("no signed envelope next to '\(lone)'")))
        let below3 = result.stdout.components(separatedBy: "To reach L3 Critical:")[0]
        // The chained kernels give other logits too: the model-level check's reason, as the report
        // records it (its figures are the oracle's, in fp64 on this host's BLAS).
        let statement = try Statement.decode(Data(contentsOf: folder.url.appendingPathComponent("report/report.json")))
        let modelCheck = try #require(statement.predicate.levelContext.modelCheck?.shortfall())
        #expect(modelCheck.hasPrefix("the model-level check failed at position 1 (prefill) "), "\(modelCheck)")
        #expect(
            below3 == ExplainTests.notVerified("no signed envelope next to '\(lone)'") + """
                To reach L1 Compatible:
                  fix 3 cases:
                    rope.fp32.qk.4x4x128x64: is outside the functional tolerance (worst element at 9.62e+06× its bound)
                    rope.fp16.qk.4x4x128x64: is outside the functional tolerance (worst element at 535× its bound)
                    rope.bf16.qk.4x4x128x64: is outside the functional tolerance (worst element at 199× its bound)
                To reach L2 Validated:
                  fix 15 cases:
                    rope.fp32.qk.4x4x128x64: is outside the functional tolerance (worst element at 9.62e+06× its bound)
                    rope.fp16.qk.4x4x128x64: is outside the functional tolerance (worst element at 535× its bound)
                    rope.bf16.qk.4x4x128x64: is outside the functional tolerance (worst element at 199× its bound)
                    rope.fp32.long-context.4x4x128x64: is outside the standard tolerance (worst element at 9.57e+05× its bound)
                    rope.fp16.long-context.4x4x128x64: is outside the standard tolerance (worst element at 2.99e+04× its bound)
                    rope.bf16.long-context.4x4x128x64: is outside the standard tolerance (worst element at 2.12e+04× its bound)
                    rope.fp32.glm4-long-context.4x4x128x64: is outside the standard tolerance (worst element at 1.08e+07× its bound)
                    rope.fp16.glm4-long-context.4x4x128x64: is outside the standard tolerance (worst element at 5.44e+05× its bound)
                    rope.bf16.glm4-long-context.4x4x128x64: is outside the standard tolerance (worst element at 5.76e+04× its bound)
                    rope.fp32.plan-key-offset-0.2x4x128x64: is outside the standard tolerance (worst element at 1.76e+07× its bound)
                    rope.fp32.plan-key-offset-8000.2x4x128x64: is outside the standard tolerance (worst element at 2.01e+06× its bound)
                    rope.fp16.plan-key-offset-0.2x4x128x64: is outside the standard tolerance (worst element at 5.13e+04× its bound)
                    rope.fp16.plan-key-offset-8000.2x4x128x64: is outside the standard tolerance (worst element at 1.52e+05× its bound)
                    rope.bf16.plan-key-offset-0.2x4x128x64: is outside the standard tolerance (worst element at 4.45e+04× its bound)
                    rope.bf16.plan-key-offset-8000.2x4x128x64: is outside the standard tolerance (worst element at 4.66e+04× its bound)
                  and:
                    - \(modelCheck)

                """)
        #expect(result.stdout.contains("    - the chip profile does not pin the backend library's SHA-256 (backend.sha256)\n"))
    }

    /// The first line explain prints above an explanation it could not verify.
    static func notVerified(_ why: String) -> String {
        "NOT VERIFIED: \(why) — do not rely on this for certification; check the signed report with 'certify verify --trust ROOT' first\n"
    }

    /// A first run's report, signed by the development identity, does not verify against the
    /// repository's Certs/: explain still explains it, under the NOT VERIFIED line, and says why
    /// and how to look at it trusted on stderr.
    @Test func aDevelopmentSignedReportIsExplainedUnderANotVerifiedLine() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("cpu.yaml", profile("cpu.yaml"))
        _ = try CLI.run(["--chip", path, "--suite", "quick", "--output", folder.path("report")])
        let result = try CLI.run(["explain", folder.path("report")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(ExplainTests.notVerified("untrusted signer (certify verify exits 22)") + "To reach L3 Critical:\n"))
        #expect(result.stderr.hasPrefix("warning: \(folder.path("report/report.dsse.json")): the signer 'CN=certify development identity on "))
        #expect(result.stderr.contains("\nhint: on the machine that ran certify, --trust '"))
        #expect(result.stderr.hasSuffix("/dev-identity/root.pem' accepts it for a look; it certifies nothing\n"))
        // Its own root, as the hint says: verified, so no warning at all.
        let root = try #require(result.stderr.firstMatch(of: #/--trust '([^']+)'/#)).1
        let trusted = try CLI.run(["explain", folder.path("report"), "--trust", String(root)])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stdout.hasPrefix("To reach L3 Critical:\n"))
        #expect(!trusted.stdout.contains("NOT VERIFIED"))
    }

    /// A report whose signature does not hold is not what anyone signed: explain refuses it with
    /// verify's code whatever the trust store, and prints nothing of it.
    @Test func aTamperedEnvelopeIsRefusedWithVerifysCode() throws {
        let run = try #require(SignedRun.shared)
        let folder = try TemporaryDirectory()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: run.envelope))
        let text = String(decoding: bytes, as: UTF8.self)
        let offset = text.utf8.distance(from: text.startIndex, to: try #require(text.range(of: "\"payload\" : \"")).upperBound) + 500
        bytes[offset] = bytes[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("report"), withIntermediateDirectories: true)
        try bytes.write(to: folder.url.appendingPathComponent("report/report.dsse.json"))
        for trust in [["--trust", run.root], []] {
            let result = try CLI.run(["explain", folder.path("report")] + trust)
            #expect(result.status == 21, "\(trust): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("error: \(folder.path("report/report.dsse.json")): the signature does not verify with the key of 'CN=Li Wei,O=certify certifiers'"))
        }
        let trusted = try CLI.run(["explain", run.report, "--trust", run.root])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stderr.isEmpty)
        #expect(!trusted.stdout.contains("NOT VERIFIED"))
    }

    /// A certify installed outside a repository has no Certs/ to fall back on: without --trust
    /// explain explains the signed statement under the NOT VERIFIED line, where verify exits 66.
    @Test func anInstalledCertifyWithoutTrustExplainsUnderANotVerifiedLine() throws {
        let run = try #require(SignedRun.shared)
        let folder = try TemporaryDirectory()
        let installed = folder.path("bin/certify")
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.executable.path, toPath: installed)
        let result = try Tool.run(installed, ["explain", run.report])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(ExplainTests.notVerified("no trust store (certify verify needs --trust)") + "To reach L3 Critical:\n"))
        #expect(result.stderr == "warning: no trust store: pass --trust with a root certificate or a folder of them\n")
        let verify = try Tool.run(installed, ["verify", run.report])
        #expect(verify.status == 66)
        let trusted = try Tool.run(installed, ["explain", run.report, "--trust", run.root])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stdout.hasPrefix("To reach L3 Critical:\n"))
    }

    @Test func missingReportExits66() throws {
        let result = try CLI.run(["explain", "/nonexistent/report"])
        #expect(result.status == 66)
        #expect(result.stderr == "error: report '/nonexistent/report' does not exist\n")
    }
}
