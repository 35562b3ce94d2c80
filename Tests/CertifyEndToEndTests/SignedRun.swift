import Foundation

/// A root, a certifier and one signed quick-suite run of the cpu profile, made once through the CLI.
// Immutable after init; the folder is kept for the whole test process.
final class SignedRun: @unchecked Sendable {
    let folder: TemporaryDirectory
    let run: CLI.Result
    let keygen: [CLI.Result]

    var pki: String { folder.path("pki") }
    var root: String { folder.path("pki/root/root.pem") }
    var key: String { folder.path("pki/li/certifier.key") }
    var certificate: String { folder.path("pki/li/certifier.pem") }
    var report: String { folder.path("report") }
    var envelope: String { folder.path("report/report.dsse.json") }

    static let shared: SignedRun? = try? SignedRun()

    private init() throws {
        folder = try TemporaryDirectory()
        keygen = [
            try CLI.run(["keygen", "root", "--out", folder.path("pki/root"), "--name", "certify test root"]),
            try CLI.run(["keygen", "certifier", "--ca", folder.path("pki/root"), "--name", "Li Wei", "--out", folder.path("pki/li")]),
        ]
        run = try CLI.run([
            "--chip", "Profiles/cpu.yaml", "--tier", "Profiles/tiers/developer.yaml", "--suite", "quick", "--output", folder.path("report"),
            "--signing-key", folder.path("pki/li/certifier.key"), "--signing-cert", folder.path("pki/li/certifier.pem"),
        ])
    }
}

/// Copies the shared envelope with one byte changed, for CLI tamper tests.
func tamperedCopy(of run: SignedRun, in folder: TemporaryDirectory, _ change: (inout Data) -> Void) throws -> String {
    var bytes = try Data(contentsOf: URL(fileURLWithPath: run.envelope))
    change(&bytes)
    let path = folder.path("tampered.dsse.json")
    try bytes.write(to: URL(fileURLWithPath: path))
    return path
}
