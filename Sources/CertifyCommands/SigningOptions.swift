import CertifyTrust
import ArgumentParser
import CertifyReport
import Foundation

/// How a run chooses its signing identity: options, then environment, then the development identity.
struct SigningOptions: ParsableArguments {
    @Option(
        name: .customLong("signing-key"),
        help: ArgumentHelp(
            "Certifier private key (PKCS#8 PEM, mode 0600; default: $CERTIFY_SIGNING_KEY, else the untrusted development identity).",
            valueName: "file"))
    var key: String?

    @Option(
        name: .customLong("signing-cert"),
        help: ArgumentHelp(
            "Certifier certificate (PEM, then any intermediates; default: $CERTIFY_SIGNING_CERT).", valueName: "file"))
    var certificate: String?

    /// The warning a run prints after signing with the development identity.
    static func developmentWarning(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        "warning: no signing key configured (--signing-key/--signing-cert or CERTIFY_SIGNING_KEY/CERTIFY_SIGNING_CERT); "
            + "signed with the development identity in '\(DevelopmentIdentity.directory(environment: environment).path)': the report is UNTRUSTED"
    }

    /// Loads the configured identity, or the development identity when none is; prints why a key is refused.
    func identity(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SigningIdentity {
        let keyPath = key ?? environment["CERTIFY_SIGNING_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let certificatePath = certificate ?? environment["CERTIFY_SIGNING_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let identity: SigningIdentity
        do {
            switch (keyPath, certificatePath) {
            case (nil, nil):
                let directory = DevelopmentIdentity.directory(environment: environment)
                identity = try DevelopmentIdentity.loadOrCreate(in: directory)
            case (let keyPath?, let certificatePath?):
                for path in [keyPath, certificatePath] where !FileManager.default.fileExists(atPath: path) {
                    Standard.error("error: signing file '\(path)' does not exist")
                    throw ExitStatus.noInput.exitCode
                }
                identity = try SigningIdentity.load(keyPath: keyPath, certificatePath: certificatePath)
            case (nil, _):
                Standard.error("error: --signing-cert needs --signing-key (or CERTIFY_SIGNING_KEY)")
                throw ExitStatus.usage.exitCode
            case (_, nil):
                Standard.error("error: --signing-key needs --signing-cert (or CERTIFY_SIGNING_CERT)")
                throw ExitStatus.usage.exitCode
            }
            try identity.checkValid(at: Date())
        } catch let error as SigningError {
            Standard.error("error: \(error.description)")
            throw ExitStatus.signingKeyRefused.exitCode
        } catch let error as ExitCode {
            throw error
        } catch {
            Standard.error("error: cannot create the development identity: \(error.localizedDescription)")
            throw ExitStatus.cannotWrite.exitCode
        }
        return identity
    }
}
