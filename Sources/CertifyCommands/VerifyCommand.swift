import CertifyTrust
import ArgumentParser
import CertifyBackends
import CertifyReport
import Foundation

/// `certify verify REPORT`: checks a signed report offline and prints what it verifiably says.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed report: envelope, signature, certificate chain, signing time and subjects.",
        discussion: """
            REPORT is a report.dsse.json envelope or a report folder holding one.
            The trust store is --trust (a PEM file or a folder of *.pem roots),
            else the Certs/ folder of the repository certify was built in.

            Exit codes: 0 verified, 20 malformed envelope, 21 bad signature,
            22 untrusted signer (no chain to a trusted root, a certificate not
            valid at signing time, or a development identity), 23 subject
            mismatch, 66 a file does not exist.
            """)

    @Argument(help: ArgumentHelp("The envelope (report.dsse.json) or the report folder.", valueName: "report"))
    var report: String

    @Option(help: ArgumentHelp("Trusted roots: a PEM file or a folder of *.pem (default: the repository's Certs/).", valueName: "path"))
    var trust: String?

    @Option(help: ArgumentHelp("Backend library that must be the report's backend subject (by SHA-256).", valueName: "lib"))
    var backend: String?

    @Option(help: ArgumentHelp("Chip profile that must be the report's chip subject (by SHA-256).", valueName: "file"))
    var chip: String?

    @Option(help: ArgumentHelp("Tier profile that must be one of the report's tier subjects; repeatable.", valueName: "file"))
    var tier: [String] = []

    @Flag(help: "Write report.md, report.html and junit.xml from the verified statement next to the envelope.")
    var render = false

    func run() throws {
        let envelopePath = try envelope()
        let store = try trustStore()
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: envelopePath))
        } catch {
            Standard.error("error: cannot read '\(envelopePath)': \(error.localizedDescription)")
            throw ExitStatus.noInput.exitCode
        }
        let verified: VerifiedReport
        do {
            verified = try ReportVerifier.verify(bytes, trust: store)
            var checked: [String] = []
            let checks: [(String, String?, Int?)] =
                [("backend", backend, 0), ("chip profile", chip, 1)] + tier.map({ ("tier profile", $0, nil) })
            for (what, path, index) in checks {
                guard let path else { continue }
                guard let located = FileLocator.resolve(path) else {
                    Standard.error("error: \(what) '\(path)' does not exist")
                    throw ExitStatus.noInput.exitCode
                }
                guard let digest = try? FileDigest.sha256(ofFile: located) else {
                    Standard.error("error: cannot read \(what) '\(path)'")
                    throw ExitStatus.noInput.exitCode
                }
                try verified.checkSubject(what, path: path, sha256: digest, index: index)
                checked.append("\(what) \(path)")
            }
            Standard.output(summary(verified, path: envelopePath, store: store, checked: checked))
        } catch let error as VerificationError {
            throw Self.refuse(envelopePath, error).exitCode
        }
        if render {
            let directory = URL(fileURLWithPath: envelopePath).deletingLastPathComponent()
            do {
                try ReportWriter.render(verified.statement, to: directory)
            } catch {
                Standard.error("error: cannot write the renderings to '\(directory.path)': \(error.localizedDescription)")
                throw ExitStatus.cannotWrite.exitCode
            }
            Standard.output("rendered  \(ReportWriter.markdownFile), \(ReportWriter.htmlFile), \(ReportWriter.junitFile) in \(directory.path)\n")
        }
    }

    /// Prints why `path` did not verify, with how to look at a development-identity report
    /// anyway, and returns the exit status for it.
    static func refuse(_ path: String, _ error: VerificationError) -> ExitStatus {
        Standard.error("error: \(path): \(error.message)")
        if error.kind == .untrustedSigner && error.message.contains("development identity") {
            let root = DevelopmentIdentity.directory().appendingPathComponent("root.pem").path
            Standard.error("hint: on the machine that ran certify, --trust '\(root)' accepts it for a look; it certifies nothing")
        }
        return exitStatus(error.kind)
    }

    static func exitStatus(_ kind: VerificationError.Kind) -> ExitStatus {
        switch kind {
        case .malformed: .malformedReport
        case .badSignature: .badSignature
        case .untrustedSigner: .untrustedSigner
        case .subjectMismatch: .subjectMismatch
        }
    }

    private func envelope() throws -> String {
        try Self.envelopePath(report)
    }

    /// The envelope `report` names: the file itself, or the envelope inside a report folder.
    static func envelopePath(_ report: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard let path = FileLocator.resolve(report), FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            Standard.error("error: report '\(report)' does not exist")
            throw ExitStatus.noInput.exitCode
        }
        guard isDirectory.boolValue else { return path }
        let inside = URL(fileURLWithPath: path).appendingPathComponent(ReportWriter.envelopeFile).path
        guard FileManager.default.fileExists(atPath: inside) else {
            Standard.error("error: report folder '\(report)' holds no \(ReportWriter.envelopeFile)")
            throw ExitStatus.noInput.exitCode
        }
        return inside
    }

    private func trustStore() throws -> TrustStore {
        try Self.trustStore(trust)
    }

    /// The trust store `trust` names, else the repository's Certs/.
    static func trustStore(_ trust: String?) throws -> TrustStore {
        guard let path = trust ?? Self.repositoryCerts() else {
            Standard.error("error: no trust store: pass --trust with a root certificate or a folder of them")
            throw ExitStatus.noInput.exitCode
        }
        do {
            return try TrustStore.load(path)
        } catch {
            Standard.error("error: trust store: \(error.description)")
            throw ExitStatus.noInput.exitCode
        }
    }

    /// `Certs/` in the nearest folder above the executable that has one (the repository of a `swift build`).
    static func repositoryCerts() -> String? {
        var directory = URL(fileURLWithPath: PluginLocator.executableDirectory)
        while directory.path != "/" {
            let certs = directory.appendingPathComponent("Certs")
            if FileManager.default.fileExists(atPath: certs.appendingPathComponent("README.md").path) { return certs.path }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    private func summary(_ verified: VerifiedReport, path: String, store: TrustStore, checked: [String]) -> String {
        let p = verified.statement.predicate
        let backendSubject = verified.statement.subject.first
        var lines = ["VERIFIED  \(path)"]
        if verified.signer.development {
            lines.append("WARNING   signed with a development identity: UNTRUSTED; it verifies only because --trust names its root")
        }
        lines.append("chip      \(p.chip.vendor) \(p.chip.family) \(p.chip.model) (\(p.chip.profile))")
        lines.append(
            "backend   \(p.backend.name) \(p.backend.version), ABI \(p.backend.abiVersion), "
                + "\(backendSubject?.name ?? "-") sha256 \(backendSubject?.digest["sha256"] ?? "-")")
        lines.append("level     \(p.level.name)")
        lines.append(
            "tiers     " + (p.tiers.isEmpty
                ? "none assessed"
                : p.tiers.map { "\($0.id) \($0.qualified ? "QUALIFIED" : "NOT QUALIFIED") (requires L\($0.requiredLevel))" }
                    .joined(separator: ", ")))
        lines.append("date      run \(p.run.startedAt) to \(p.run.finishedAt), signed \(verified.signer.signedAt)")
        lines.append("signer    \(verified.signer.subject) (keyid \(verified.signer.keyid))")
        lines.append("root      \(verified.root.subject) from \(store.location)")
        if verified.expiredSinceSigning() {
            lines.append(
                "note      the signer's certificate expired on \(ReportTime.string(verified.certificate.notValidAfter)), "
                    + "after the report was signed; the report remains valid")
        }
        lines.append("subjects  " + (checked.isEmpty ? "not checked (give --backend, --chip, --tier)" : "match: " + checked.joined(separator: ", ")))
        return lines.joined(separator: "\n") + "\n"
    }
}
