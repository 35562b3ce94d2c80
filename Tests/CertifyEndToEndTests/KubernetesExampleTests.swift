import CertifyReport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// examples/kubernetes: the manifests are valid Jobs by the Kubernetes API's own schema (held in
/// Tests/Fixtures/kubernetes), and the shell steps their pods run, run here with a local folder
/// for each volume, shard, resume after a pod is killed, and merge as docs/sharding.md says.
@Suite(.serialized) struct KubernetesExampleTests {
    private static let checker = CLI.repositoryRoot.appendingPathComponent("scripts/check-kubernetes").path

    @Test func theExampleManifestsAreValidJobs() throws {
        let result = try Tool.run(Self.checker, [])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == """
            examples/kubernetes/merge-job.yaml: valid batch/v1 Job 'certify-merge' (Kubernetes v1.34 schema, strict)
            examples/kubernetes/shards-job.yaml: valid batch/v1 Job 'certify-shards' (Kubernetes v1.34 schema, strict)

            """)
    }

    /// The check can fail: a misspelt field, a wrong type, and shards that disagree with the Job.
    @Test(arguments: [
        ("completions: 2", "completion: 2", "spec: Additional properties are not allowed ('completion' was unexpected)"),
        ("backoffLimitPerIndex: 2", "backoffLimitPerIndex: two", "spec.backoffLimitPerIndex: 'two' is not of type 'integer', 'null'"),
        ("value: \"2\"", "value: \"3\"", "spec.template.spec.containers.certify.env.SHARDS: 3 shards but 2 completions"),
        ("completionMode: Indexed", "completionMode: NonIndexed", "spec.completionMode: a sharded run needs Indexed, so each pod knows its shard"),
    ])
    func aBrokenManifestIsRefusedWithItsPath(original: String, broken: String, error: String) throws {
        let text = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("examples/kubernetes/shards-job.yaml"), encoding: .utf8)
        #expect(text.contains(original))
        let folder = try TemporaryDirectory()
        let path = try folder.write("job.yaml", text.replacingOccurrences(of: original, with: broken))
        let result = try Tool.run(Self.checker, [path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(path): error: \(error)\n"), "\(result.stdout)")
    }

    /// What the pods of shards-job.yaml and merge-job.yaml run, with the volumes as local folders,
    /// the quick suite for the full one, and certify on PATH as in the image.
    @Test func thePodsShardResumeAfterAKillAndMergeIntoTheUnshardedVerdicts() throws {
        let scratch = try TemporaryDirectory()
        for folder in ["reports", "roots", "bin"] {
            try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: scratch.path("bin/certify"), withDestinationPath: CLI.executable.path)
        // The lab's PKI: the root in the certify-roots ConfigMap, the certifier in the certify-signer Secret.
        #expect(try CLI.run(["keygen", "root", "--out", scratch.path("ca")]).status == 0)
        #expect(try CLI.run(["keygen", "certifier", "--ca", scratch.path("ca"), "--name", "Kubernetes lab", "--out", scratch.path("signer")]).status == 0)
        try FileManager.default.copyItem(atPath: scratch.path("ca/root.pem"), toPath: scratch.path("roots/root.pem"))

        let volumes = [
            ("/reports", scratch.path("reports")), ("/roots", scratch.path("roots")), ("/signer", scratch.path("signer")),
            ("/profiles/", CLI.repositoryRoot.appendingPathComponent("Profiles").path + "/"), ("--suite full", "--suite quick"),
        ]
        func script(_ manifest: String) throws -> String {
            let extracted = try Tool.run("python3", [
                "-c", "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['spec']['template']['spec']['containers'][0]['args'][0])",
                "examples/kubernetes/\(manifest)",
            ])
            #expect(extracted.status == 0, "\(extracted.stderr)")
            return volumes.reduce(extracted.stdout) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        }
        let shardScript = try script("shards-job.yaml")
        var environment = ProcessInfo.processInfo.environment.merging(CLI.isolated) { $1 }
        environment["PATH"] = scratch.path("bin") + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        // The env the manifest gives the container.
        environment["SHARDS"] = "2"
        environment["DEVICE_OPTION"] = "device_id"
        func pod(_ script: String, index: Int? = nil, killAfterJournalLines lines: Int? = nil) throws -> CLI.Result {
            var podEnvironment = environment
            if let index { podEnvironment["JOB_COMPLETION_INDEX"] = String(index) }
            return try PodProcess.run(script, environment: podEnvironment, killWhen: lines.map { lines in
                { (try? String(contentsOfFile: scratch.path("reports/shard-\(index! + 1)/journal.jsonl"), encoding: .utf8))?
                    .split(separator: "\n").count ?? 0 >= lines }
            })
        }

        let first = try pod(shardScript, index: 0)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        // Pod 1 dies mid-shard (SIGKILL to the whole pod: no report is written), and Kubernetes
        // restarts it with the same index: it resumes from the journal.
        let killed = try pod(shardScript, index: 1, killAfterJournalLines: 4)
        #expect(killed.status != 0, "\(killed.stdout)\(killed.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("reports/shard-2/journal.jsonl")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("reports/shard-2/report.json")))
        let journal = try String(contentsOfFile: scratch.path("reports/shard-2/journal.jsonl"), encoding: .utf8)
        let header = try #require(JSONSerialization.jsonObject(with: Data(journal.prefix { $0 != "\n" }.utf8)) as? [String: Any])
        let restarted = try pod(shardScript, index: 1)
        #expect(restarted.status == 0, "\(restarted.stdout)\(restarted.stderr)")
        // The run the killed pod started, continued: not a new one.
        let resumed = try Statement.read(folder: scratch.url.appendingPathComponent("reports/shard-2")).predicate
        #expect(resumed.complete && resumed.run.startedAt == header["startedAt"] as? String)
        // A pod restarted after its shard completed leaves the shard as it was.
        let envelope = try Data(contentsOf: scratch.url.appendingPathComponent("reports/shard-1/report.dsse.json"))
        let again = try pod(shardScript, index: 0)
        #expect(again.status == 0 && again.stdout == "shard 1/2: already complete in \(scratch.path("reports/shard-1"))\n", "\(again.stdout)\(again.stderr)")
        #expect(try Data(contentsOf: scratch.url.appendingPathComponent("reports/shard-1/report.dsse.json")) == envelope)

        let merged = try pod(try script("merge-job.yaml"))
        #expect(merged.status == 0, "\(merged.stdout)\(merged.stderr)")
        let verified = try CLI.run(["verify", scratch.path("reports/merged"), "--trust", scratch.path("roots"), "--chip", "Profiles/ascend.yaml"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("\nmerged    2 shards: 1/2 on "), "\(verified.stdout)")

        // The same run unsharded: the merged report has its outcome in every case, and its level.
        let whole = try CLI.run(["--chip", "Profiles/ascend.yaml", "--suite", "quick", "--seed", "42", "--output", scratch.path("whole")])
        #expect(whole.status <= 1, "\(whole.stderr)")
        let u = try Statement.read(folder: scratch.url.appendingPathComponent("whole")).predicate
        let m = try Statement.read(folder: scratch.url.appendingPathComponent("reports/merged")).predicate
        #expect(m.complete && m.shards?.map(\.index) == [1, 2])
        #expect(m.cases.map(\.id) == u.cases.map(\.id))
        #expect(m.cases.map(\.outcome) == u.cases.map(\.outcome))
        #expect(m.level.reached == u.level.reached)
    }
}

/// `sh -c script` as a pod's container runs it: in a session of its own, so that killing the pod
/// kills certify and its worker together, with no chance to write anything.
private enum PodProcess {
    static func run(_ script: String, environment: [String: String], killWhen condition: (() -> Bool)?) throws -> CLI.Result {
        let scratch = try TemporaryDirectory()
        let out = scratch.url.appendingPathComponent("stdout")
        let err = scratch.url.appendingPathComponent("stderr")
        try Data().write(to: out)
        try Data().write(to: err)
        let leader = scratch.url.appendingPathComponent("pgid")
        let process = Process()
        // setsid forks a child that leads a new session and process group (its pid is their id),
        // and waits for it; the child writes its pid down and becomes the pod's shell.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["--wait", "/bin/sh", "-c", "echo $$ > \"$POD_LEADER\"; exec /bin/sh -c \"$POD_SCRIPT\""]
        process.currentDirectoryURL = CLI.repositoryRoot
        process.environment = environment.merging(["POD_SCRIPT": script, "POD_LEADER": leader.path]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if let condition {
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && !condition() && Date() < deadline { usleep(20_000) }
            if let text = try? String(contentsOf: leader, encoding: .utf8), let group = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(-group, SIGKILL)
            }
        }
        process.waitUntilExit()
        return CLI.Result(
            status: process.terminationStatus,
            stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }
}
