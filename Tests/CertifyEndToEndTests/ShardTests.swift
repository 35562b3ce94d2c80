import CertifyBattery
import CertifyReport
import CertifyTrust
import Foundation
import Testing

/// The cpu profile's quick suite at seed 7 with the developer tier: shards 1/2 and 2/2, another
/// seed's 1/2, and the unsharded run, made once through the CLI and signed by the test run's
/// development identity.
// Immutable after init; the folder is kept for the whole test process.
final class ShardRuns: @unchecked Sendable {
    static let arguments = ["--chip", "Profiles/cpu.yaml", "--tier", "Profiles/tiers/developer.yaml", "--suite", "quick"]

    let folder: TemporaryDirectory
    let runs: [String: CLI.Result]

    var root: String { DevelopmentIdentity.directory(environment: ["XDG_CONFIG_HOME": CLI.configHome]).appendingPathComponent("root.pem").path }
    func report(_ name: String) -> String { folder.path(name) }

    static let shared: ShardRuns? = try? ShardRuns()

    private init() throws {
        folder = try TemporaryDirectory()
        var runs: [String: CLI.Result] = [:]
        for (name, extra) in [
            ("shard1", ["--seed", "7", "--shard", "1/2"]), ("shard2", ["--seed", "7", "--shard", "2/2"]),
            ("seed8-shard1", ["--seed", "8", "--shard", "1/2"]), ("unsharded", ["--seed", "7"]),
        ] {
            runs[name] = try CLI.run(Self.arguments + extra + ["--output", folder.path(name)])
        }
        self.runs = runs
    }

    /// Signs `statement`, changed by `change`, with the development identity into `folder/name`:
    /// a shard a certify of another battery, backend or split would have made.
    func resigned(_ name: String, as newName: String, in scratch: TemporaryDirectory, _ change: (inout Statement) -> Void) throws -> String {
        var statement = try Statement.read(folder: URL(fileURLWithPath: report(name)))
        change(&statement)
        statement.predicate.signer = nil
        let identity = try DevelopmentIdentity.loadOrCreate(in: DevelopmentIdentity.directory(environment: ["XDG_CONFIG_HOME": CLI.configHome]))
        try ReportWriter.write(statement, summary: "", signedBy: identity, at: Date(), to: scratch.url.appendingPathComponent(newName))
        return scratch.path(newName)
    }
}

@Suite struct ShardTests {
    @Test func eachShardIsASignedReportOfItsPartThatVerifiesAlone() throws {
        let runs = try #require(ShardRuns.shared)
        var ids: [String] = []
        for index in 1...2 {
            let run = try #require(runs.runs["shard\(index)"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("shard    \(index)/2 on \(ProcessInfo.processInfo.hostName): "))
            let verified = try CLI.run(["verify", runs.report("shard\(index)"), "--trust", runs.root])
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.contains("\nshard     \(index)/2 on \(ProcessInfo.processInfo.hostName): "))
            let statement = try Statement.read(folder: URL(fileURLWithPath: runs.report("shard\(index)")))
            let shard = try #require(statement.predicate.shard)
            #expect((shard.index, shard.count, shard.suiteCases) == (index, 2, Battery.cases(.quick).count))
            #expect(shard.suiteCaseIDsSHA256 == ShardRecord.caseListSHA256(Battery.cases(.quick).map(\.id)))
            #expect(shard.costShare > 0.4 && shard.costShare < 0.6)
            ids += statement.predicate.cases.map(\.id)
        }
        #expect(ids.sorted() == Battery.cases(.quick).map(\.id).sorted())
    }

    /// The acceptance: two shards merge into a report `certify verify` accepts, equal to the
    /// unsharded run of the same seed in every case's outcome, in level and in the tier's verdict.
    @Test func twoShardsMergeIntoTheUnshardedRunsVerdicts() throws {
        let runs = try #require(ShardRuns.shared)
        let scratch = try TemporaryDirectory()
        let merged = try CLI.run(["merge", runs.report("shard2"), runs.report("shard1"), "--output", scratch.path("merged"), "--trust", runs.root])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("merged   2 shards: 1/2 on "))
        let verified = try CLI.run([
            "verify", scratch.path("merged"), "--trust", runs.root, "--chip", "Profiles/cpu.yaml", "--tier", "Profiles/tiers/developer.yaml",
        ])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("\nmerged    2 shards: 1/2 on "))
        let whole = try Statement.read(folder: URL(fileURLWithPath: runs.report("unsharded")))
        let union = try Statement.read(folder: URL(fileURLWithPath: scratch.path("merged")))
        let (u, m) = (whole.predicate, union.predicate)
        #expect(m.cases.map(\.id) == u.cases.map(\.id))
        #expect(m.cases.map(\.outcome) == u.cases.map(\.outcome))
        // The verdicts; a reason may quote a latency, and no two runs time alike.
        #expect(m.level.reached == u.level.reached)
        #expect(m.level.gaps.map(\.level) == u.level.gaps.map(\.level))
        #expect(m.tiers.map { [$0.id, "\($0.levelReached)", "\($0.qualified)"] } == u.tiers.map { [$0.id, "\($0.levelReached)", "\($0.qualified)"] })
        #expect(m.levelContext == u.levelContext)
        #expect(m.shard == nil && m.complete)
        #expect(union.subject == whole.subject)
        let shards = try #require(m.shards)
        #expect(shards.map(\.index) == [1, 2])
        for shard in shards {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: runs.report("shard\(shard.index)/report.json")))
            #expect(shard.reportSHA256 == FileDigest.sha256(Array(bytes)))
            #expect(shard.hostname == ProcessInfo.processInfo.hostName)
        }
    }

    @Test func mergeRefusesEachBadSetOfShardsWithItsOwnCode() throws {
        let runs = try #require(ShardRuns.shared)
        let scratch = try TemporaryDirectory()
        let (one, two) = (runs.report("shard1"), runs.report("shard2"))
        let envelope = { (name: String) in runs.report(name) + "/report.dsse.json" }
        let otherBattery = try runs.resigned("shard2", as: "battery", in: scratch) { $0.predicate.run.batteryVersion = "1.2.0" }
        let otherBackend = try runs.resigned("shard2", as: "backend", in: scratch) { statement in
            statement.subject[0].digest["sha256"] = String(repeating: "0", count: 64)
        }
        let otherSplit = try runs.resigned("shard2", as: "split", in: scratch) { $0.predicate.shard?.count = 3 }
        let interrupted = try runs.resigned("shard2", as: "interrupted", in: scratch) { statement in
            (statement.predicate.complete, statement.predicate.incompleteReason) = (false, "interrupted by SIGINT")
        }
        let tampered = scratch.path("tampered.dsse.json")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: envelope("shard2")))
        let text = String(decoding: bytes, as: UTF8.self)
        let at = text.utf8.distance(from: text.startIndex, to: try #require(text.range(of: "\"payload\" : \"")).upperBound) + 500
        bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try bytes.write(to: URL(fileURLWithPath: tampered))
        let expectations: [(String, [String], Int32, String)] = [
            ("a missing shard", [one], 40, "error: shard 2/2 is missing: give all 2 shards"),
            ("the same shard twice", [one, one, two], 41, "error: '\(envelope("shard1"))' and '\(envelope("shard1"))' are both shard 1/2 (the same report)"),
            ("a shard of another split", [one, otherSplit], 41, "error: '\(otherSplit)/report.dsse.json' is shard 2/3 but '\(envelope("shard1"))' is 1/2: they split the suite differently"),
            ("another seed", [one, runs.report("seed8-shard1"), two], 42, "error: '\(envelope("seed8-shard1"))' was run with seed 8 (given); '\(envelope("shard1"))' with 7 (given)"),
            ("another battery", [one, otherBattery], 43, "error: '\(otherBattery)/report.dsse.json' was run with battery 1.2.0; this certify merges battery \(Battery.version)"),
            ("another backend", [one, otherBackend], 44, "error: '\(otherBackend)/report.dsse.json' certifies backend sha256 \(String(repeating: "0", count: 64)); '\(envelope("shard1"))' certifies "),
            ("an unsharded report", [one, runs.report("unsharded")], 45, "error: '\(envelope("unsharded"))' is not a shard report: it was run without --shard"),
            ("an interrupted shard", [one, interrupted], 45, "error: shard 2/2 '\(interrupted)/report.dsse.json' is incomplete (interrupted by SIGINT); resume it, then merge"),
            ("a tampered shard", [one, tampered], 21, "error: \(tampered): "),
            ("a shard that does not exist", [one, scratch.path("nowhere")], 66, "error: report '\(scratch.path("nowhere"))' does not exist"),
        ]
        for (what, shards, status, message) in expectations {
            let result = try CLI.run(["merge"] + shards + ["--output", scratch.path("merged-\(status)"), "--trust", runs.root])
            #expect(result.status == status, "\(what): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(what)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("merged-\(status)")), "\(what)")
        }
    }

    /// A node that dies mid-shard leaves the journal, which keeps the shard: `--resume` on another
    /// node continues the same part, and refuses to continue it as another.
    @Test func aResumedShardStaysTheSameShard() throws {
        let runs = try #require(ShardRuns.shared)
        let scratch = try TemporaryDirectory()
        let folder = scratch.path("shard1")
        try FileManager.default.copyItem(atPath: runs.report("shard1"), toPath: folder)
        let other = try CLI.run(["--chip", "Profiles/cpu.yaml", "--tier", "Profiles/tiers/developer.yaml", "--resume", folder, "--shard", "2/2"])
        #expect(other.status == 64)
        #expect(other.stderr.contains("it was started with --shard 1/2; run with the same options"), "\(other.stderr)")
        let resumed = try CLI.run(["--chip", "Profiles/cpu.yaml", "--tier", "Profiles/tiers/developer.yaml", "--resume", folder])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let statement = try Statement.read(folder: URL(fileURLWithPath: folder))
        #expect(statement.predicate.shard?.index == 1 && statement.predicate.shard?.count == 2)
        let original = try Statement.read(folder: URL(fileURLWithPath: runs.report("shard1")))
        #expect(statement.predicate.cases.map(\.id) == original.predicate.cases.map(\.id))
    }

    /// A shard a trust store does not accept is refused as `certify verify` refuses it.
    @Test func mergeVerifiesTheShardsAgainstTheTrustStore() throws {
        let runs = try #require(ShardRuns.shared)
        let scratch = try TemporaryDirectory()
        let result = try CLI.run(["merge", runs.report("shard1"), runs.report("shard2"), "--output", scratch.path("merged")])
        #expect(result.status == 22, "\(result.stderr)")
        #expect(result.stderr.contains("does not chain to a root in the trust store"))
    }
}

/// `--backend-option` chooses a shard's device without changing the chip profile, so every shard
/// names the same profile by SHA-256 and the report records the option.
@Suite struct BackendOptionTests {
    @Test func aBackendOptionReachesTheBackendAndTheReportButNotTheProfile() throws {
        let scratch = try TemporaryDirectory()
        let result = try CLI.run([
            "--chip", "Profiles/ascend.yaml", "--suite", "quick", "--shard", "2/2", "--backend-option", "device_id=3",
            "--output", scratch.path("shard"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let statement = try Statement.read(folder: URL(fileURLWithPath: scratch.path("shard")))
        #expect(statement.predicate.run.backendOptions == ["device_id=3"])
        let profile = try FileDigest.sha256(ofFile: CLI.repositoryRoot.appendingPathComponent("Profiles/ascend.yaml").path)
        #expect(statement.subjects(.chipProfile).map { $0.digest["sha256"] } == [profile])
    }

    @Test func aBackendOptionTheBackendDoesNotKnowIsRefusedByIt() throws {
        let scratch = try TemporaryDirectory()
        let unknown = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--backend-option", "device_id=1", "--output", scratch.path("a")])
        #expect(unknown.status == 69)
        #expect(unknown.stderr.contains("unknown option 'device_id'"))
        let malformed = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--backend-option", "device_id", "--output", scratch.path("b")])
        #expect(malformed.status == 64)
        #expect(malformed.stderr == "error: --backend-option 'device_id' is not key=value\n")
    }
}
