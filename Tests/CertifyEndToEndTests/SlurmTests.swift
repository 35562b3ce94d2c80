import CertifyReport
import Foundation
import Testing

/// The acceptance run on Slurm: scripts/slurm/submit runs the quick suite as a 2-task job array
/// and a dependent merge, on the single-node cluster `scripts/slurm/cluster start` runs (as
/// `.ci/run` does). Outside CI, with no cluster answering, these tests are skipped (and
/// scripts/test says so loudly); in CI (`CI=true`) they fail instead, so a broken install cannot
/// pass as green.
@Suite(.serialized) struct SlurmTests {
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// A cluster answers and has a node to run on.
    static let clusterAnswers: Bool = {
        guard let result = try? Tool.run("sinfo", ["-h", "-o", "%t"]), result.status == 0 else { return false }
        return result.stdout.split(separator: "\n").contains { ["idle", "mix", "alloc"].contains(String($0)) }
    }()

    static let available = inCI || clusterAnswers

    private var environment: [String: String] { ["CERTIFY": CLI.executable.path, "XDG_CONFIG_HOME": CLI.configHome] }

    private func requireCluster() -> Bool {
        if !Self.clusterAnswers {
            Issue.record("no Slurm cluster answers (sinfo); start one with scripts/slurm/cluster start (CI=true requires it)")
        }
        return Self.clusterAnswers
    }

    @Test(.enabled(if: available, "no Slurm cluster answers: scripts/slurm/cluster start (as root) runs one"))
    func aTwoShardArrayMergesIntoTheUnshardedRun() throws {
        guard requireCluster() else { return }
        let runs = try #require(ShardRuns.shared)
        let scratch = try TemporaryDirectory()
        let submitted = try Tool.run(
            CLI.repositoryRoot.appendingPathComponent("scripts/slurm/submit").path,
            ["--out", scratch.path("run"), "--shards", "2", "--trust", runs.root, "--wait", "--"] + ShardRuns.arguments + ["--seed", "7"],
            environment: environment)
        #expect(submitted.status == 0, "\(submitted.stdout)\(submitted.stderr)")
        #expect(submitted.stdout.contains("shards: job "))
        let verified = try CLI.run(["verify", scratch.path("run/merged"), "--trust", runs.root, "--chip", "Profiles/cpu.yaml"])
        #expect(verified.status == 0, "\(verified.stderr)")
        let merged = try Statement.read(folder: URL(fileURLWithPath: scratch.path("run/merged"))).predicate
        let whole = try Statement.read(folder: URL(fileURLWithPath: runs.report("unsharded"))).predicate
        #expect(merged.cases.map(\.id) == whole.cases.map(\.id))
        #expect(merged.cases.map(\.outcome) == whole.cases.map(\.outcome))
        // The verdicts; a reason may quote a latency, and no two runs time alike.
        #expect(merged.level.reached == whole.level.reached)
        #expect(merged.tiers.map { [$0.id, "\($0.levelReached)", "\($0.qualified)"] } == whole.tiers.map { [$0.id, "\($0.levelReached)", "\($0.qualified)"] })
        #expect(merged.shards?.map(\.index) == [1, 2])
        // Each shard ran as its own array task.
        let logs = try FileManager.default.contentsOfDirectory(atPath: scratch.path("run")).filter { $0.hasPrefix("slurm-") }
        #expect(logs.filter { $0.contains("_") }.count == 2 && logs.contains { $0.hasPrefix("slurm-merge-") }, "\(logs)")
    }

    @Test(.enabled(if: available, "no Slurm cluster answers: scripts/slurm/cluster start (as root) runs one"))
    func aLabMatrixSummarisesEveryProfileInOneTable() throws {
        guard requireCluster() else { return }
        let runs = try #require(ShardRuns.shared)
        let scratch = try TemporaryDirectory()
        let result = try Tool.run(
            CLI.repositoryRoot.appendingPathComponent("scripts/slurm/lab-matrix").path,
            ["--out", scratch.path("lab"), "--shards", "2", "--trust", runs.root, "--wait", "Profiles/cpu.yaml", "Profiles/cambricon.yaml", "--",
             "--suite", "quick", "--seed", "3", "--tier", "Profiles/tiers/enterprise.yaml"],
            environment: environment)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let table = try String(contentsOfFile: scratch.path("lab/matrix.md"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(table.count == 4, "\(table)")
        #expect(table.contains { $0.hasPrefix("| cpu | certify reference cpu | cpu 1.0.0 | 1/2 ") && $0.contains("| L2 Validated | enterprise yes |") })
        // The cambricon stub truncates; its row says what the merged report says.
        let cambricon = try Statement.read(folder: URL(fileURLWithPath: scratch.path("lab/cambricon/merged"))).predicate
        let row = try #require(table.first { $0.hasPrefix("| cambricon |") })
        #expect(row.contains("| \(cambricon.tiers.map { "\($0.id) \($0.qualified ? "yes" : "no")" }.joined(separator: ", ")) |"))
        #expect(row.contains("| \(cambricon.cases.filter { $0.outcome == .passed }.count) / "))
    }
}
