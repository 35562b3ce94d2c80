import CertifyTrust
import CertifyBackends
import CertifyBase
import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// The strict tiers: attainable by a correct backend, closed to looser declared numerics, and
/// judged on inputs from a seed certify draws.
@Suite struct TierTests {
    static let tiers = ["developer", "enterprise", "finance", "state-owned"].flatMap { ["--tier", "Profiles/tiers/\($0).yaml"] }

    /// Profiles/cpu.yaml with the built cpu backend's SHA-256 pinned, written into `folder`.
    static func pinnedCPUProfile(in folder: TemporaryDirectory) throws -> String {
        let library = CLI.buildDirectory.appendingPathComponent("libcertify_backend_cpu.so").path
        let sha = try FileDigest.sha256(ofFile: library)
        let text = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("Profiles/cpu.yaml"), encoding: .utf8)
        let pinned = text.replacingOccurrences(
            of: "  library: certify_backend_cpu", with: "  sha256: \(sha)\n  library: certify_backend_cpu")
        #expect(pinned != text)
        return try folder.write("cpu-pinned.yaml", pinned)
    }

    private func report(_ folder: String) throws -> Statement {
        try Statement.read(folder: URL(fileURLWithPath: folder))
    }

    @Test func thePinnedSoakedReferenceQualifiesForEveryTierInOneRun() throws {
        let folder = try TemporaryDirectory()
        let profile = try Self.pinnedCPUProfile(in: folder)
        let result = try CLI.run(
            ["--chip", profile, "--suite", "quick", "--soak", "1", "--output", folder.path("report")] + Self.tiers)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Level reached: L3 Critical"))
        for line in [
            "Developer (developer, requires L1): QUALIFIED",
            "Enterprise (enterprise, requires L2): QUALIFIED",
            "Finance (finance, requires L2, implementation's tolerance ×0.5, drawn seed): QUALIFIED",
            "State-owned enterprise (state-owned, requires L3, implementation's tolerance ×0.5, drawn seed): QUALIFIED",
        ] {
            #expect(result.stdout.contains(line), "\(line)")
        }
        let predicate = try report(folder.path("report")).predicate
        #expect(predicate.tiers.allSatisfy { $0.qualified })
        // The reference uses well under half of the implementation's share of every bound.
        let worst = predicate.cases.compactMap(\.standardImplementationRatio).max() ?? .infinity
        #expect(worst < 0.5)
        #expect(predicate.run.seedOrigin == .drawn)
    }

    @Test func roundingTowardZeroDoesNotQualifyForFinanceAndTheReasonSaysSo() throws {
        let folder = try TemporaryDirectory()
        let result = try CLI.run(
            ["--chip", "Profiles/cambricon.yaml", "--suite", "quick", "--output", folder.path("report"),
             "--tier", "Profiles/tiers/finance.yaml"])
        #expect(result.status == 1)
        let finance = try #require(try report(folder.path("report")).predicate.tiers.first)
        #expect(!finance.qualified)
        let truncated = finance.reasons.filter { $0.contains("the backend rounds toward zero") }
        #expect(!truncated.isEmpty)
        // Within the standard tolerance (the bound allows for truncation) yet over the tightened one.
        #expect(truncated.allSatisfy { $0.contains("the implementation's share of its bound, limit 0.5×") })
    }

    @Test func twoStateOwnedRunsDrawTwoSeeds() throws {
        let folder = try TemporaryDirectory()
        var seeds: [UInt64] = []
        for name in ["a", "b"] {
            let result = try CLI.run(
                ["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", folder.path(name),
                 "--tier", "Profiles/tiers/state-owned.yaml"])
            #expect(result.status == 1, "not pinned, so not L3")
            let run = try report(folder.path(name)).predicate.run
            #expect(run.seedOrigin == .drawn)
            #expect(run.seed > 0 && run.seed < 1 << 53)
            #expect(result.stdout.hasPrefix("certify \(Harness.version) · battery \(Battery.version) · suite quick · seed \(run.seed) (drawn)\n"))
            seeds.append(run.seed)
        }
        #expect(seeds[0] != seeds[1])
    }

    @Test func aGivenSeedIsRefusedForATierThatRequiresADrawnOne() throws {
        let result = try CLI.run(
            ["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--seed", "5", "--tier", "Profiles/tiers/finance.yaml"])
        #expect(result.status == ExitStatus.usage.rawValue)
        #expect(
            result.stderr
                == "error: the finance tier requires a seed certify draws for the run (seed: drawn in Profiles/tiers/finance.yaml); --seed 5 would let the battery's inputs be known in advance. To repeat a certified run, give its report with --reproduce\n"
        )
    }

    @Test func aReproductionRepeatsTheReportsSeedAndSuiteAndNamesIt() throws {
        let folder = try TemporaryDirectory()
        let original = folder.path("original")
        let first = try CLI.run(
            ["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", original, "--tier", "Profiles/tiers/finance.yaml"])
        #expect(first.status == 0, "\(first.stderr)")
        let again = try CLI.run(
            ["--chip", "Profiles/cpu.yaml", "--reproduce", original, "--output", folder.path("again"),
             "--tier", "Profiles/tiers/finance.yaml"])
        #expect(again.status == 0, "\(again.stderr)")
        let before = try report(original).predicate
        let after = try report(folder.path("again")).predicate
        #expect(after.run.seed == before.run.seed)
        #expect(after.run.suite == .quick)
        #expect(after.run.seedOrigin == .reproduction)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: original).appendingPathComponent("report.json")))
        #expect(after.run.reproduces == FileDigest.sha256(bytes))
        #expect(after.tiers.allSatisfy { $0.qualified })
        // The cpu reference is deterministic: the same inputs give the same figures.
        #expect(after.cases.map(\.standardRatio) == before.cases.map(\.standardRatio))

        let conflicting = try CLI.run(["--chip", "Profiles/cpu.yaml", "--reproduce", original, "--suite", "standard"])
        #expect(conflicting.status == ExitStatus.usage.rawValue)
        #expect(conflicting.stderr == "error: cannot reproduce '\(original)': it ran --suite quick\n")
    }
}
