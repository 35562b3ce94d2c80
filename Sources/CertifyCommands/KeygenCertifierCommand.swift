import ArgumentParser
import CertifyBase
import CertifyTrust
import Foundation

/// `certify keygen certifier --ca DIR --name NAME --out DIR`: a certifier certificate issued by a root.
struct KeygenCertifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certifier",
        abstract: "Issue a certifier certificate with the root CA in --ca: DIR/certifier.pem and DIR/certifier.key (0600).")

    @Option(help: ArgumentHelp("Folder holding the issuing root.pem and root.key.", valueName: "dir"))
    var ca: String

    @Option(help: "The certifier's name (the certificate's common name), e.g. \"Li Wei\".")
    var name: String

    @Option(help: ArgumentHelp("Folder to write certifier.pem and certifier.key into.", valueName: "dir"))
    var out: String

    @OptionGroup var validity: ValidityOptions

    func run() throws {
        let (start, end) = try validity.window(defaultDays: 825)
        let directory = URL(fileURLWithPath: out)
        for file in [CertificateAuthority.rootKeyFile, CertificateAuthority.rootCertificateFile] {
            let path = (ca as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else { throw Failure(.noInput, "CA file '\(path)' does not exist") }
        }
        let certificate = try Keygen.perform {
            try CertificateAuthority.writeCertifier(
                name: name, caDirectory: URL(fileURLWithPath: ca), notBefore: start, notAfter: end, to: directory)
        }
        Console.output(
            "Certifier '\(certificate.subject)' issued by '\(certificate.issuer)', valid \(ReportTime.string(start)) to \(ReportTime.string(end))\n"
                + "  certificate \(directory.appendingPathComponent(CertificateAuthority.certifierCertificateFile).path)\n"
                + "  private key \(directory.appendingPathComponent(CertificateAuthority.certifierKeyFile).path) (mode 0600)\n"
                + "Sign with: certify --chip FILE --signing-key \(directory.appendingPathComponent(CertificateAuthority.certifierKeyFile).path) "
                + "--signing-cert \(directory.appendingPathComponent(CertificateAuthority.certifierCertificateFile).path)\n")
    }
}
