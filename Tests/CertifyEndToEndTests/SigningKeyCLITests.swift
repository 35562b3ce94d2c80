import CertifyReport
import Foundation
import Testing

@Suite struct SigningKeyCLITests {
    @Test func aKeyOthersCanReadIsRefusedBeforeTheRun() throws {
        let folder = try TemporaryDirectory()
        _ = try CLI.run(["keygen", "root", "--out", folder.path("ca")])
        _ = try CLI.run(["keygen", "certifier", "--ca", folder.path("ca"), "--name", "X", "--out", folder.path("me")])
        let key = folder.path("me/certifier.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let result = try CLI.run(
            ["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", folder.path("out")],
            environment: ["CERTIFY_SIGNING_KEY": key, "CERTIFY_SIGNING_CERT": folder.path("me/certifier.pem")])
        #expect(result.status == 24)
        #expect(result.stderr == "error: signing key '\(key)' can be read by group or others (mode 644); run 'chmod 600 \(key)'\n")
        #expect(!FileManager.default.fileExists(atPath: folder.path("out")))
    }

    @Test func anExpiredCertifierCannotSign() throws {
        let folder = try TemporaryDirectory()
        _ = try CLI.run(["keygen", "root", "--out", folder.path("ca"), "--not-before", "2020-01-01T00:00:00Z"])
        let issued = try CLI.run([
            "keygen", "certifier", "--ca", folder.path("ca"), "--name", "Old", "--out", folder.path("me"),
            "--not-before", "2021-01-01T00:00:00Z", "--not-after", "2022-01-01T00:00:00Z",
        ])
        #expect(issued.status == 0, "\(issued.stderr)")
        let result = try CLI.run([
            "--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", folder.path("out"),
            "--signing-key", folder.path("me/certifier.key"), "--signing-cert", folder.path("me/certifier.pem"),
        ])
        #expect(result.status == 24)
        #expect(result.stderr.hasPrefix("error: certificate 'CN=Old,O=certify certifiers' is not valid at "))
        #expect(result.stderr.hasSuffix(" (valid from 2021-01-01T00:00:00Z to 2022-01-01T00:00:00Z)\n"))
    }

    @Test func withoutAKeyARunSignsWithAnUntrustedDevelopmentIdentity() throws {
        let folder = try TemporaryDirectory()
        let config = folder.path("config")
        let environment = ["XDG_CONFIG_HOME": config, "CERTIFY_SIGNING_KEY": "", "CERTIFY_SIGNING_CERT": ""]
        let run = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", folder.path("out")], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let identity = "\(config)/certify/dev-identity"
        #expect(run.stderr.contains("warning: no signing key configured (--signing-key/--signing-cert or CERTIFY_SIGNING_KEY/CERTIFY_SIGNING_CERT); signed with the development identity in '\(identity)': the report is UNTRUSTED\n"))
        #expect(run.stdout.contains("(development identity: UNTRUSTED)\n"))
        let mode = try FileManager.default.attributesOfItem(atPath: "\(identity)/certifier.key")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try String(contentsOfFile: folder.path("out/report.md"), encoding: .utf8).contains("development identity: UNTRUSTED"))

        let rejected = try CLI.run(["verify", folder.path("out")], environment: environment)
        #expect(rejected.status == 22)
        #expect(rejected.stderr.contains("It is a development identity, generated on the machine that ran certify: such a report is UNTRUSTED.\n"))
        #expect(rejected.stderr.hasSuffix("hint: on the machine that ran certify, --trust '\(identity)/root.pem' accepts it for a look; it certifies nothing\n"))

        let accepted = try CLI.run(["verify", folder.path("out"), "--trust", "\(identity)/root.pem"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("\nWARNING   signed with a development identity: UNTRUSTED; it verifies only because --trust names its root\n"))

        // The identity is made once and reused.
        let again = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", folder.path("out2")], environment: environment)
        let first = try Statement.read(folder: URL(fileURLWithPath: folder.path("out")))
        let second = try Statement.read(folder: URL(fileURLWithPath: folder.path("out2")))
        #expect(again.status == 0)
        #expect(first.predicate.signer?.keyid == second.predicate.signer?.keyid)
    }

    static let errorTable: [([String], Int32, String)] = [
        (["verify", "no/such/report"], 66, "error: report 'no/such/report' does not exist\n"),
        (["verify", "Profiles/cpu.yaml", "--trust", "Certs"], 20, "error: Profiles/cpu.yaml: the file is not a DSSE envelope (invalid JSON)\n"),
        (["keygen", "certifier", "--ca", "no/ca", "--name", "x", "--out", "/tmp/none"], 66, "error: CA file 'no/ca/root.key' does not exist\n"),
    ]

    @Test(arguments: errorTable)
    func verifyAndKeygenErrors(arguments: [String], status: Int32, stderr: String) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == status)
        #expect(result.stderr == stderr)
    }
}

/// certify signs only with a chain its own verify would accept: OpenSSL-made certificates that
/// break the certificate policy are refused before anything runs (exit 24), with verify's reason.
@Suite struct CertificatePolicyCLITests {
    static let refused: [(String, String, String)] = [
        ("no-digital-signature", "root", "certificate 'CN=openssl leaf,O=OpenSSL test' may not make digital signatures"),
        ("unknown-critical", "root", "certificate 'CN=openssl leaf,O=OpenSSL test' has an unknown critical extension 1.3.6.1.4.1.55555.1"),
        ("ca-leaf", "root", "certificate 'CN=openssl leaf,O=OpenSSL test' is a CA certificate (CA:TRUE); a report is signed by an end-entity certificate"),
        ("server-only", "root", "certificate 'CN=openssl leaf,O=OpenSSL test' has an extended key usage without codeSigning, so it may not sign reports"),
        ("certifier", "certifier", "certificate 'CN=openssl certifier,O=OpenSSL test' is not a CA that may issue certificates"),
    ]

    @Test(arguments: refused)
    func aCertificateVerifyWouldRejectCannotSign(extensions: String, issuer: String, reason: String) throws {
        let pki = try OpenSSLPKI()
        if issuer == "certifier" { try pki.issue("certifier", by: "root", extensions: "certifier") }
        try pki.issue("leaf", by: issuer, extensions: extensions)
        let chain = try pki.chain(issuer == "root" ? ["leaf"] : ["leaf", issuer], to: "chain.pem")
        let out = try TemporaryDirectory()
        let result = try CLI.run([
            "--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", out.path("report"),
            "--signing-key", pki.folder.path("leaf.key"), "--signing-cert", chain,
        ])
        #expect(result.status == 24)
        #expect(result.stderr == "error: \(reason): certify verify would reject a report signed with it\n")
        #expect(!FileManager.default.fileExists(atPath: out.path("report")))
    }

    /// A trust store holds roots only: an intermediate given to --trust is refused (exit 22), not
    /// taken as an anchor that would stop a chain short of the root.
    @Test func anIntermediateIsNoTrustAnchor() throws {
        let run = try #require(SignedRun.shared)
        let pki = try OpenSSLPKI()
        let intermediate = try pki.issue("intermediate", by: "root", extensions: "intermediate")
        let result = try CLI.run(["verify", run.envelope, "--trust", intermediate])
        #expect(result.status == 22)
        #expect(
            result.stderr
                == "error: trust store: '\(intermediate)' holds 'CN=openssl intermediate,O=OpenSSL test', which is not a root "
                + "(its issuer is 'CN=openssl root,O=OpenSSL test'): a trust store holds self-signed root certificates only; "
                + "trust the root it chains to\n")
    }
}
