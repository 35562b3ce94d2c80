import CertifyReport
import Foundation
import Testing

/// The run-and-gate step timing the baseline's library beside the candidate's (interleaved A/B),
/// against `GateRuns`' first clean quick-suite report of the `defective` plugin. The planted
/// slowdowns are large (3×) so that no test depends on a small effect on a loaded host; how small
/// a slowdown the gate sees is measured by scripts/bench-gate, not asserted here.
@Suite(.serialized) struct GateABTests {
    /// Runs the quick suite with the `defective` plugin's `options` and gates it against the
    /// first clean report, 4 worker processes per side.
    func runAndGate(_ options: [String: String], _ extra: [String] = []) throws -> (CLI.Result, TemporaryDirectory) {
        let runs = try #require(GateRuns.shared)
        let folder = try TemporaryDirectory()
        let chip = try folder.write("chip.yaml", profile("cpu.yaml", options: options, library: "certify_backend_defective"))
        let result = try CLI.run(
            [
                "--chip", chip, "--suite", "quick", "--output", folder.path("report"), "--signing-key", runs.signed.key,
                "--signing-cert", runs.signed.certificate, "--baseline", runs.clean[0], "--trust", runs.signed.root,
                "--replicates", "4", "--markdown", folder.path("gate.md"), "--junit", folder.path("junit.xml"),
            ] + extra)
        return (result, folder)
    }

    @Test func aFamilyThreeTimesSlowerFailsTheABGateWithExit35() throws {
        // delay_kernel 3 is CB_KERNEL_RMSNORM: only RMSNorm, in every dtype, is slowed.
        let (result, folder) = try runAndGate(["delay_factor": "3", "delay_kernel": "3"])
        #expect(result.status == 35, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("latency-regression  kernel rmsnorm "), "\(result.stdout)")
        #expect(result.stdout.contains("latency  interleaved-a-b: smallest detectable slowdown: "))
        #expect(result.stdout.contains("measured side by side, 4 worker processes per side"))
        let flagged = result.stdout.split(separator: "\n").filter { $0.hasPrefix("latency-regression") }
        #expect(flagged.allSatisfy { $0.contains("rmsnorm") }, "\(flagged)")
        #expect(result.stdout.hasSuffix("exit 35: latency-regression decides\n"))
        let measured = try JSONDecoder().decode(
            PairedMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: folder.path("report/paired-latency.json"))))
        #expect(measured.replicates == 4)
        #expect(measured.baselineSHA256 == measured.candidateSHA256)
        let markdown = try String(contentsOfFile: folder.path("gate.md"), encoding: .utf8)
        #expect(markdown.contains("**Latency** (interleaved-a-b): smallest detectable slowdown: "))
        #expect(markdown.contains("latency: interleaved A/B, 4 fresh worker processes per side alternating"))
        let junit = try String(contentsOfFile: folder.path("junit.xml"), encoding: .utf8)
        #expect(junit.contains("<property name=\"latency.method\" value=\"interleaved-a-b\"/>"))
        #expect(junit.contains("<failure type=\"latency-regression\""))
    }

    @Test func aCleanPairPassesTheABGate() throws {
        let (result, _) = try runAndGate([:])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("GATE PASSED"))
        #expect(result.stdout.contains("latency  interleaved-a-b: "))
        #expect(!result.stderr.contains("report against report"))
    }

    @Test func aBaselineLibraryThatIsNotTheCertifiedOneIsRefused() throws {
        let (result, _) = try runAndGate([:], ["--baseline-library", CLI.buildDirectory.appendingPathComponent("libcertify_backend_cpu.so").path])
        #expect(result.status == 23, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("libcertify_backend_cpu.so' has SHA-256 "))
        #expect(result.stderr.contains("but the baseline report certified a library with SHA-256 "))
    }

    @Test func withoutTheBaselineLibraryTheGateFallsBackAndStatesItsWeakerPower() throws {
        let runs = try #require(GateRuns.shared)
        let folder = try TemporaryDirectory()
        // A baseline certified from a copy of the library, which is then gone.
        let copy = folder.path("libcertify_backend_gone.so")
        try FileManager.default.copyItem(atPath: CLI.buildDirectory.appendingPathComponent("libcertify_backend_defective.so").path, toPath: copy)
        let chip = try folder.write("gone.yaml", profile("cpu.yaml", library: copy))
        let signing = ["--signing-key", runs.signed.key, "--signing-cert", runs.signed.certificate]
        let baseline = try CLI.run(["--chip", chip, "--suite", "quick", "--output", folder.path("baseline")] + signing)
        #expect(baseline.status == 0, "\(baseline.stderr)")
        try FileManager.default.removeItem(atPath: copy)
        let candidate = try folder.write("chip.yaml", profile("cpu.yaml", library: "certify_backend_defective"))
        let result = try CLI.run(
            ["--chip", candidate, "--suite", "quick", "--output", folder.path("candidate"), "--baseline", folder.path("baseline"), "--trust", runs.signed.root]
                + signing)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("latency  report-against-report: smallest detectable slowdown: 2.00× for every kernel at once"))
        #expect(result.stderr.contains("report against report: each side is one worker process at a different time"), "\(result.stderr)")
        #expect(result.stderr.contains("(not measured side by side: the baseline library '\(copy)' is not on this host)"))
        let gate = try runs.gate(runs.clean[0], runs.clean[1])
        #expect(gate.stderr.contains("not measured side by side: certify gate compares two existing reports and runs no library"))
    }
}
