import CertifyTrust
import CertifyBackends
import CertifyBase
import CertifyReport
import Foundation
import Testing

/// Quick-suite reports of the `defective` plugin, signed by the shared test PKI, made once:
/// five clean runs, one with a planted numerical regression, one slowed 5× and gated in the same step.
// Immutable after init; the folder is kept for the whole test process.
final class GateRuns: @unchecked Sendable {
    let signed: SignedRun
    let folder: TemporaryDirectory
    let clean: [String]
    let cleanRuns: [CLI.Result]
    let regressed: CLI.Result
    let slowed: CLI.Result

    var regressedReport: String { folder.path("regressed") }
    var slowedReport: String { folder.path("slowed") }

    static let shared: GateRuns? = try? GateRuns()

    private init() throws {
        guard let signed = SignedRun.shared else { throw CocoaError(.fileNoSuchFile) }
        let folder = try TemporaryDirectory()
        let signing = ["--signing-key", signed.key, "--signing-cert", signed.certificate]
        func run(_ name: String, _ options: [String: String], extra: [String] = []) throws -> CLI.Result {
            let profilePath = try folder.write(
                "\(name).yaml", profile("cpu.yaml", options: options, library: "certify_backend_defective"))
            return try CLI.run(["--chip", profilePath, "--suite", "quick", "--output", folder.path(name)] + signing + extra)
        }
        // Runs are sequential: concurrent runs would share the CPU and perturb each other's timings.
        self.signed = signed
        self.folder = folder
        clean = (1...5).map { folder.path("clean\($0)") }
        cleanRuns = try (1...5).map { try run("clean\($0)", [:]) }
        regressed = try run("regressed", ["defect": "fp16-accumulation"])
        slowed = try run("slowed", ["delay_factor": "5"], extra: ["--baseline", folder.path("clean1"), "--trust", signed.root])
    }

    func gate(_ baseline: String, _ candidate: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["gate", "--baseline", baseline, "--candidate", candidate, "--trust", signed.root] + extra)
    }
}

@Suite(.serialized) struct GateCLITests {
    @Test func identicalBuildsNeverFailTheGateOverTwentyPairs() throws {
        let runs = try #require(GateRuns.shared)
        #expect(runs.cleanRuns.map(\.status) == [0, 0, 0, 0, 0], "\(runs.cleanRuns.map(\.stderr))")
        var falseAlarms: [String] = []
        for baseline in runs.clean {
            for candidate in runs.clean where candidate != baseline {
                let result = try runs.gate(baseline, candidate)
                if result.status != 0 { falseAlarms.append("\(baseline) → \(candidate): \(result.status)\n\(result.stdout)") }
            }
        }
        #expect(falseAlarms.isEmpty, "\(falseAlarms.count) false alarms in 20 gates:\n\(falseAlarms.joined(separator: "\n"))")
    }

    @Test func aPlantedNumericalRegressionFailsTheGate() throws {
        let runs = try #require(GateRuns.shared)
        #expect(runs.regressed.stdout.contains("gemm.fp16.long-k.1x16x4096 failed") || runs.regressed.stderr.contains("gemm.fp16.long-k.1x16x4096 failed"))
        let result = try runs.gate(runs.clean[0], runs.regressedReport)
        // The level falls because the case fails: the failed case, the most specific finding, decides.
        #expect(result.status == 32, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("level-lowered"))
        #expect(result.stdout.contains("new-failure"))
        #expect(result.stdout.contains("gemm"))
        #expect(result.stdout.hasSuffix("exit 32: new-failure decides\n"))
        #expect(result.stderr.contains("cannot re-run a failing case"))
    }

    @Test func aSlowedBuildFailsTheGateInTheRunItself() throws {
        let runs = try #require(GateRuns.shared)
        #expect(runs.slowed.status == 35, "\(runs.slowed.stdout)\(runs.slowed.stderr)")
        #expect(runs.slowed.stdout.contains("latency-regression  battery"))
        #expect(runs.slowed.stdout.contains("latency  interleaved-a-b: "))
        #expect(!runs.slowed.stdout.contains("new-failure"))
        let again = try runs.gate(runs.clean[1], runs.slowedReport)
        #expect(again.status == 35, "\(again.stdout)")
    }

    @Test func writesMarkdownJUnitAndASignedVerdict() throws {
        let runs = try #require(GateRuns.shared)
        let out = try TemporaryDirectory()
        let result = try runs.gate(
            runs.clean[0], runs.slowedReport,
            [
                "--markdown", out.path("gate.md"), "--junit", out.path("junit.xml"), "--verdict", out.path("gate.dsse.json"),
                "--signing-key", runs.signed.key, "--signing-cert", runs.signed.certificate,
            ])
        #expect(result.status == 35)
        let markdown = try String(contentsOfFile: out.path("gate.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("## certify gate: FAILED\n"))
        #expect(markdown.contains("| ❌ latency-regression | `"))
        let junit = try String(contentsOfFile: out.path("junit.xml"), encoding: .utf8)
        #expect(junit.contains("<failure type=\"latency-regression\""))
        let consumers = try Tool.run(CLI.repositoryRoot.appendingPathComponent("scripts/check-junit").path, [out.path("junit.xml")])
        #expect(consumers.status == 0, "\(consumers.stdout)\(consumers.stderr)")
        let envelope = try JSONDecoder().decode(Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: out.path("gate.dsse.json"))))
        let payload = try #require(Data(base64Encoded: envelope.payload))
        let statement = try JSONDecoder().decode(GateStatement.self, from: payload)
        #expect(statement.predicateType == "https://certify.invalid/gate-verdict/v1")
        #expect(statement.predicate.passed == false)
        #expect(statement.predicate.worst == .latencyRegression)
        #expect(statement.predicate.signer?.subject == "CN=Li Wei,O=certify certifiers")
        let digests = try [runs.clean[0], runs.slowedReport].map {
            try FileDigest.sha256(ofFile: URL(fileURLWithPath: $0).appendingPathComponent("report.dsse.json").path)
        }
        #expect(statement.subject.map { $0.digest["sha256"] } == digests)
    }

    @Test func anExpectationsFileMakesAKnownFailureANoteAndReportsUnexpectedPasses() throws {
        let runs = try #require(GateRuns.shared)
        let folder = try TemporaryDirectory()
        let report = try Statement.read(folder: URL(fileURLWithPath: runs.clean[0]))
        let passing = try #require(report.predicate.cases.first { $0.outcome == .passed })
        let file = try folder.write(
            "expectations.yaml",
            """
            schema: 1
            expected_failures:
              - case: \(passing.id)
                reason: tracked upstream
            """)
        let result = try runs.gate(runs.clean[0], runs.clean[1], ["--expectations", file])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("unexpected-pass"))
        let bad = try folder.write("bad.yaml", "schema: 1\nflake: []\n")
        let refused = try runs.gate(runs.clean[0], runs.clean[1], ["--expectations", bad])
        #expect(refused.status == 65)
        #expect(refused.stderr.hasPrefix("\(bad):2:1: error: unknown key 'flake' at top level; did you mean 'flakes'?"))
    }

    @Test func aTamperedOrUntrustedReportIsRefusedBeforeComparing() throws {
        let runs = try #require(GateRuns.shared)
        let folder = try TemporaryDirectory()
        let tampered = try tamperedCopy(of: runs.signed, in: folder) { bytes in
            let index = bytes.firstIndex(of: UInt8(ascii: "\"", ))! + 40
            bytes[index] = bytes[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        }
        let result = try runs.gate(runs.clean[0], tampered)
        #expect([20, 21].contains(result.status), "\(result.stderr)")
        let stranger = try TemporaryDirectory()
        _ = try CLI.run(["keygen", "root", "--out", stranger.path("ca")])
        let untrusted = try CLI.run(["gate", "--baseline", runs.clean[0], "--candidate", runs.clean[1], "--trust", stranger.path("ca/root.pem")])
        #expect(untrusted.status == 22)
    }
}

@Suite struct GateExitStatusTests {
    @Test(arguments: [
        (GateFinding.Kind.levelLowered, Int32(30)), (.tierLost, 31), (.newFailure, 32), (.supportLost, 33), (.errorGrowth, 34),
        (.latencyRegression, 35), (.unexpectedPass, 0), (.expectedFailure, 0), (.flake, 0), (.skipped, 0),
    ])
    func eachFindingKindHasItsDocumentedExitCode(_ kind: GateFinding.Kind, _ code: Int32) {
        #expect(kind.exitStatus.rawValue == code)
        #expect(kind.fails == (code != 0))
    }
}
