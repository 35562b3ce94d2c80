import ArgumentParser
import CertifyBase
import CertifyReport
import CertifyTrust
import Foundation

/// `certify verify REPORT`: checks a signed report offline and prints what it verifiably says.
/// It needs no backend: nothing here loads a plugin.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed report: envelope, signature, certificate chain, signing time and subjects.",
        discussion: """
            REPORT is a report.dsse.json envelope or a report folder holding one.
            The trust store is --trust (a PEM file or a folder of *.pem roots),
            else the Certs/ folder of the repository certify was built in.

            Exit codes: 0 verified, or
            \(ExitStatus.helpTable([.malformedReport, .badSignature, .untrustedSigner, .subjectMismatch, .noInput]))
            """)

    @Argument(help: ArgumentHelp("The envelope (report.dsse.json) or the report folder.", valueName: "report"))
    var report: String

    @OptionGroup var trust: TrustOption

    @Option(help: ArgumentHelp("Backend library that must be the report's backend subject (by SHA-256).", valueName: "lib"))
    var backend: String?

    @Option(help: ArgumentHelp("Chip profile that must be the report's chip subject (by SHA-256).", valueName: "file"))
    var chip: String?

    @Option(help: ArgumentHelp("Tier profile that must be one of the report's tier subjects; repeatable.", valueName: "file"))
    var tier: [String] = []

    @Flag(help: "Write report.md, report.html and junit.xml from the verified statement next to the envelope.")
    var render = false

    func run() throws {
        let envelopePath = try ReportFiles.envelopePath(report)
        let store = try trust.store()
        let verified = try ReportFiles.verified(envelopePath, trust: store)
        var checked: [String] = []
        let checks: [(String, String?, Subject.Role)] =
            [("backend", backend, .backend), ("chip profile", chip, .chipProfile)] + tier.map { ("tier profile", $0, .tierProfile) }
        for (what, path, role) in checks {
            guard let path else { continue }
            guard let located = FileLocator.resolve(path) else { throw Failure(.noInput, "\(what) '\(path)' does not exist") }
            guard let digest = try? FileDigest.sha256(ofFile: located) else { throw Failure(.noInput, "cannot read \(what) '\(path)'") }
            do {
                try verified.checkSubject(what, path: path, sha256: digest, role: role)
            } catch {
                throw Failure(error, path: envelopePath)
            }
            checked.append("\(what) \(path)")
        }
        Console.output(verified.summary(path: envelopePath, trustLocation: store.location, checked: checked))
        guard render else { return }
        let directory = URL(fileURLWithPath: envelopePath).deletingLastPathComponent()
        do {
            try ReportWriter.render(verified.statement, root: verified.root.subject, to: directory)
        } catch {
            throw Failure(.cannotWrite, "cannot write the renderings to '\(directory.path)': \(error.localizedDescription)")
        }
        Console.output("rendered  \(ReportWriter.markdownFile), \(ReportWriter.htmlFile), \(ReportWriter.junitFile) in \(directory.path)\n")
    }
}
