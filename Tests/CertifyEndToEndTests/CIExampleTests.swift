import Foundation
import Testing

/// A backend's repository as a fresh clone of it has it, for the CI examples to run in: a Makefile
/// that "builds" the backend (copies the `defective` plugin), a chip profile naming it, and the
/// trust store the examples' header says to commit, made with `certify keygen` as the README says.
/// Branch `main` is the certified release, `clean` a harmless change, `defect` the same backend
/// with a broken kernel (the plugin's fp16-accumulation defect, set in the profile).
// Immutable after init; the folder is kept for the whole test process.
final class CIExampleRepository: @unchecked Sendable {
    let folder: TemporaryDirectory
    var repository: String { folder.path("repo") }
    var key: String { folder.path("ci-certifier/certifier.key") }
    var certificate: String { folder.path("ci-certifier/certifier.pem") }

    static let shared: CIExampleRepository? = try? CIExampleRepository()

    private init() throws {
        folder = try TemporaryDirectory()
        for arguments in [
            ["keygen", "root", "--out", folder.path("offline/ca"), "--name", "ACME certification root"],
            ["keygen", "certifier", "--ca", folder.path("offline/ca"), "--name", "ACME CI", "--out", folder.path("ci-certifier")],
        ] {
            let result = try CLI.run(arguments)
            guard result.status == 0 else { throw SetupFailed(log: "certify \(arguments): \(result.stderr)") }
        }
        let repo = URL(fileURLWithPath: folder.path("repo"))
        for sub in ["backend", "profiles", "certify-roots"] {
            try FileManager.default.createDirectory(at: repo.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: folder.path("offline/ca/root.pem"), toPath: repo.appendingPathComponent("certify-roots/acme-root.pem").path)
        try Data("libcertify_backend_acme.so:\n\tcp \"$(PLUGIN)\" $@\n".utf8).write(to: repo.appendingPathComponent("backend/Makefile"))
        try Data("backend/*.so\n".utf8).write(to: repo.appendingPathComponent(".gitignore"))
        let acme = repo.appendingPathComponent("profiles/acme.yaml")
        try Data(try profile("cpu.yaml", library: "certify_backend_acme").utf8).write(to: acme)
        try git("init", "-q", "-b", "main")
        try git("add", "-A")
        try git("commit", "-q", "-m", "The certified release")
        try git("checkout", "-q", "-b", "clean")
        try Data("A change that touches no kernel.\n".utf8).write(to: repo.appendingPathComponent("NOTES"))
        try git("add", "NOTES")
        try git("commit", "-q", "-m", "A harmless change")
        try git("checkout", "-q", "-b", "defect", "main")
        try Data(try profile("cpu.yaml", options: ["defect": "fp16-accumulation"], library: "certify_backend_acme").utf8).write(to: acme)
        try git("commit", "-q", "-a", "-m", "Accumulate fp16 GEMMs in fp16")
        try git("checkout", "-q", "main")
    }

    private func git(_ arguments: String...) throws {
        let result = try Tool.run("git", ["-C", repository, "-c", "user.name=CI", "-c", "user.email=ci@example.invalid"] + arguments)
        guard result.status == 0 else { throw SetupFailed(log: "git \(arguments): \(result.stderr)") }
    }

    /// One pipeline of `example` on `branch`, played by scripts/run-ci-example with the artifacts of
    /// the earlier pipelines in `store`: its exit status, its JSON record and what it printed.
    func play(_ service: String, _ example: String, branch: String, event: String, store: String) throws -> Pipeline {
        let secrets: [String] =
            service == "github"
            ? [
                "--secret", "CERTIFY_SIGNING_KEY_PEM=\(try String(contentsOfFile: key, encoding: .utf8))",
                "--secret", "CERTIFY_SIGNING_CERT_PEM=\(try String(contentsOfFile: certificate, encoding: .utf8))",
            ]
            : ["--file-variable", "CERTIFY_SIGNING_KEY=\(key)", "--file-variable", "CERTIFY_SIGNING_CERT=\(certificate)"]
        let result = try Tool.run(
            CLI.repositoryRoot.appendingPathComponent("scripts/run-ci-example").path,
            [
                service, CLI.repositoryRoot.appendingPathComponent(example).path, "--repository", repository, "--store", store,
                "--certify", CLI.executable.path, "--certify-source", CLI.repositoryRoot.path, "--suite", "quick",
                "--event", event, "--branch", branch,
            ] + secrets,
            environment: CLI.isolated.merging(["PLUGIN": CLI.buildDirectory.appendingPathComponent("libcertify_backend_defective.so").path]) { $1 })
        return Pipeline(status: result.status, record: try? JSONDecoder().decode(Pipeline.Record.self, from: Data(result.stdout.utf8)), stderr: result.stderr)
    }
}

/// A command that makes the repository failed; `log` is what it printed.
struct SetupFailed: Error, CustomStringConvertible {
    var log: String
    var description: String { log }
}

/// What scripts/run-ci-example reports of one pipeline.
struct Pipeline: CustomStringConvertible {
    struct Record: Decodable {
        struct Step: Decodable {
            var name: String
            var status: Int32?
            var skipped: Bool?
            var output: String?
        }
        struct JUnit: Decodable {
            var path: String
            var tests: Int
            var failures: Int
        }
        struct Comment: Decodable {
            var body: String
        }
        var workspace: String
        var steps: [Step]
        var junit: [JUnit]
        var comments: [Comment]
    }

    var status: Int32
    var record: Record?
    var stderr: String

    func step(_ name: String) -> Record.Step? { record?.steps.first { $0.name == name } }

    var description: String {
        "exit \(status)\n\(stderr)\n" + (record?.steps.map { "\($0.name): \($0.status.map(String.init) ?? "skipped")\n\($0.output ?? "")" }.joined(separator: "\n") ?? "")
    }
}

/// The acceptance of issue 18: the CI examples' own shell steps, run locally, gate a candidate
/// against a baseline with a trust store a fresh clone can have. The release is certified on
/// main, then a harmless change passes the gate and a broken kernel is blocked with exit 32.
@Suite(.serialized) struct CIExampleTests {
    @Test func gitHubActionsExampleGatesACandidateAgainstTheCertifiedRelease() throws {
        let repo = try #require(CIExampleRepository.shared)
        let store = try TemporaryDirectory()
        let example = "examples/github-actions.yml"

        let release = try repo.play("github", example, branch: "main", event: "push", store: store.path("store"))
        #expect(release.status == 0, "\(release)")
        // The first run has no baseline: the download fails (continue-on-error) and no gate runs.
        #expect(release.step("Fetch the last certified report")?.status == 1, "\(release)")
        #expect(release.step("Certify and gate")?.status == 0, "\(release)")
        #expect(release.step("Certify and gate")?.output?.contains("GATE") == false)
        #expect(release.step("Comment the gate summary on the pull request")?.skipped == true)
        // The artifact is rooted at the report folder, as the next run's gate expects it.
        let certified = store.path("store/run1/certified-report")
        for file in ["report.dsse.json", "signer-chain.pem", "junit.xml", "certified-library.so"] {
            #expect(FileManager.default.fileExists(atPath: "\(certified)/\(file)"), "\(file)")
        }
        // The committed trust store verifies it: what a fresh clone of the backend repository has.
        let verified = try CLI.run(["verify", certified, "--trust", "\(repo.repository)/certify-roots"])
        #expect(verified.status == 0, "\(verified.stderr)")

        let clean = try repo.play("github", example, branch: "clean", event: "pull_request", store: store.path("store"))
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.step("Fetch the last certified report")?.status == 0, "\(clean)")
        let cleanGate = try #require(clean.step("Certify and gate"))
        #expect(cleanGate.status == 0, "\(clean)")
        #expect(cleanGate.output?.contains("GATE PASSED") == true, "\(clean)")
        #expect(clean.record?.comments.map { $0.body.hasPrefix("## certify gate: PASSED\n") } == [true], "\(clean)")
        #expect(clean.record?.junit.map(\.path) == ["report/junit.xml", "gate-junit.xml"])
        #expect(clean.record?.junit.map(\.failures) == [0, 0])

        let defect = try repo.play("github", example, branch: "defect", event: "pull_request", store: store.path("store"))
        #expect(defect.status == 1, "\(defect)")
        let defectGate = try #require(defect.step("Certify and gate"))
        #expect(defectGate.status == 32, "\(defect)")
        #expect(defectGate.output?.contains("exit 32: new-failure decides") == true, "\(defect)")
        #expect(defect.record?.comments.map { $0.body.hasPrefix("## certify gate: FAILED\n") } == [true], "\(defect)")
        #expect(defect.record?.junit.map(\.path) == ["report/junit.xml", "gate-junit.xml"])
        #expect(defect.record?.junit.allSatisfy { $0.failures > 0 } == true, "\(String(describing: defect.record?.junit))")
        #expect(defect.step("Keep the report")?.status == 0)
        #expect(defect.step("Keep the gate's summary and signed verdict")?.status == 0)
    }

    @Test func gitLabCIExampleGatesACandidateAgainstTheCertifiedRelease() throws {
        let repo = try #require(CIExampleRepository.shared)
        let store = try TemporaryDirectory()
        let example = "examples/gitlab-ci.yml"

        let release = try repo.play("gitlab", example, branch: "main", event: "push", store: store.path("store"))
        #expect(release.status == 0, "\(release)")
        #expect(release.step("certify")?.status == 0, "\(release)")
        #expect(release.step("certify")?.output?.contains("GATE") == false)

        let defect = try repo.play("gitlab", example, branch: "defect", event: "pull_request", store: store.path("store"))
        #expect(defect.status == 1, "\(defect)")
        #expect(defect.step("build")?.status == 0, "\(defect)")
        let gate = try #require(defect.step("certify"))
        #expect(gate.status == 32, "\(defect)")
        #expect(gate.output?.contains("exit 32: new-failure decides") == true, "\(defect)")
        #expect(defect.record?.junit.map(\.path) == ["report/junit.xml", "gate-junit.xml"])
        #expect(defect.record?.junit.allSatisfy { $0.failures > 0 } == true)
    }
}
