import Testing

@testable import CertifyProfiles

@Suite struct GateExpectationsTests {
    @Test func loadsEveryList() throws {
        let text = """
            schema: 1
            description: Acme NPU backend
            expected_failures:
              - case: gemm.bf16.k4096
                reason: bf16 accumulation bug, ACME-123
            flakes:
              - case: attention.*
                reason: timer jitter on shared runners
            skips:
              - case: convert.fp32.bf16
                justification: not shipped in this release
            """
        let loaded = try ProfileLoader.loadGateExpectations(bytes: Array(text.utf8), path: "gate.yaml")
        #expect(loaded.expectedFailures == [.init(pattern: "gemm.bf16.k4096", reason: "bf16 accumulation bug, ACME-123", line: 4)])
        #expect(loaded.flakes.first?.matches("attention.f16.causal") == true)
        #expect(loaded.flakes.first?.matches("gemm.f16") == false)
        #expect(loaded.skip("convert.fp32.bf16")?.reason == "not shipped in this release")
        #expect(loaded.path == "gate.yaml")
    }

    @Test(arguments: [
        ("schema: 1\nflake:\n  - case: x\n", "gate.yaml:2:1: error: unknown key 'flake' at top level; did you mean 'flakes'?"),
        ("schema: 1\nskips:\n  - case: x\n", "gate.yaml:3:5: error: missing key 'justification' in skips.0"),
        ("schema: 1\nflakes:\n  - case: a*b\n    reason: r\n", "gate.yaml:3:11: error: 'flakes.0.case' may hold '*' only at its end, got 'a*b'"),
        ("schema: 1\nflakes: x\n", "gate.yaml:2:9: error: 'flakes' must be a list, got 'x'"),
    ])
    func reportsLocatedErrors(_ text: String, _ expected: String) {
        #expect(throws: ProfileError.self) {
            try ProfileLoader.loadGateExpectations(bytes: Array(text.utf8), path: "gate.yaml")
        }
        do {
            _ = try ProfileLoader.loadGateExpectations(bytes: Array(text.utf8), path: "gate.yaml")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }
}
