import ArgumentParser
import CertifyTrust
import Foundation

/// `certify keygen root --out DIR`: a self-signed Ed25519 root CA.
struct KeygenRootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "root", abstract: "Create a root CA: DIR/root.pem (for Certs/) and DIR/root.key (0600, keep offline).")

    @Option(help: ArgumentHelp("Folder to write root.pem and root.key into.", valueName: "dir"))
    var out: String

    @Option(help: "The root's common name.")
    var name: String = "certify root"

    @OptionGroup var validity: ValidityOptions

    func run() throws {
        let (start, end) = try validity.window(defaultDays: 3650)
        let directory = URL(fileURLWithPath: out)
        let certificate = try Keygen.perform {
            try CertificateAuthority.writeRoot(name: name, notBefore: start, notAfter: end, to: directory)
        }
        Console.output(
            "Root CA '\(certificate.subject)', valid \(ReportTime.string(start)) to \(ReportTime.string(end))\n"
                + "  certificate \(directory.appendingPathComponent(CertificateAuthority.rootCertificateFile).path)\n"
                + "  private key \(directory.appendingPathComponent(CertificateAuthority.rootKeyFile).path) (mode 0600; keep it offline, never in git)\n")
    }
}
