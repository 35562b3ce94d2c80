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
        // The report alone, without its envelope: explained unverified, with a warning.
        let lone = try folder.write(
            "report.json", String(decoding: try Data(contentsOf: folder.url.appendingPathComponent("report/report.json")), as: UTF8.self))
        let result = try CLI.run(["explain", lone])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("has no signed envelope next to it; explaining it unverified"))
        let below3 = result.stdout.components(separatedBy: "To reach L3 Critical:")[0]
        #expect(
            below3 == """
                To reach L1 Compatible:
                  fix 3 cases:
                    rope.fp32.qk.4x4x128x64: is outside the functional tolerance (worst element at 9.62e+06× its bound)
                    rope.fp16.qk.4x4x128x64: is outside the functional tolerance (worst element at 535× its bound)
                    rope.bf16.qk.4x4x128x64: is outside the functional tolerance (worst element at 199× its bound)
                To reach L2 Validated:
                  fix 12 cases:
                    rope.fp32.qk.4x4x128x64: is outside the functional tolerance (worst element at 9.62e+06× its bound)
                    rope.fp16.qk.4x4x128x64: is outside the functional tolerance (worst element at 535× its bound)
                    rope.bf16.qk.4x4x128x64: is outside the functional tolerance (worst element at 199× its bound)
                    rope.fp32.long-context.4x4x128x64: is outside the standard tolerance (worst element at 9.57e+05× its bound)
                    rope.fp16.long-context.4x4x128x64: is outside the standard tolerance (worst element at 2.99e+04× its bound)
                    rope.bf16.long-context.4x4x128x64: is outside the standard tolerance (worst element at 2.12e+04× its bound)
                    rope.fp32.plan-key-offset-0.2x4x128x64: is outside the standard tolerance (worst element at 1.76e+07× its bound)
                    rope.fp32.plan-key-offset-8000.2x4x128x64: is outside the standard tolerance (worst element at 2.01e+06× its bound)
                    rope.fp16.plan-key-offset-0.2x4x128x64: is outside the standard tolerance (worst element at 5.13e+04× its bound)
                    rope.fp16.plan-key-offset-8000.2x4x128x64: is outside the standard tolerance (worst element at 1.52e+05× its bound)
                    rope.bf16.plan-key-offset-0.2x4x128x64: is outside the standard tolerance (worst element at 4.45e+04× its bound)
                    rope.bf16.plan-key-offset-8000.2x4x128x64: is outside the standard tolerance (worst element at 4.66e+04× its bound)

                """)
        #expect(result.stdout.contains("    - the chip profile does not pin the backend library's SHA-256 (backend.sha256)\n"))
    }

    @Test func signedReportIsVerifiedFirst() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("cpu.yaml", profile("cpu.yaml"))
        _ = try CLI.run(["--chip", path, "--suite", "quick", "--output", folder.path("report")])
        // A development identity does not chain to the repository's Certs/: verify's exit code 22.
        let result = try CLI.run(["explain", folder.path("report")])
        #expect(result.status == 22)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\nhint: on the machine that ran certify, --trust '"))
        #expect(result.stderr.hasSuffix("/dev-identity/root.pem' accepts it for a look; it certifies nothing\n"))
    }

    @Test func missingReportExits66() throws {
        let result = try CLI.run(["explain", "/nonexistent/report"])
        #expect(result.status == 66)
        #expect(result.stderr == "error: report '/nonexistent/report' does not exist\n")
    }
}
