import CertifyBase
import CertifyTrust
import Foundation

/// Which identity signs: the configured key and certificate (options, then CERTIFY_SIGNING_KEY and
/// CERTIFY_SIGNING_CERT), else the local development identity.
package enum SigningChoice {
    /// The warning a run prints after signing with the development identity.
    package static func developmentWarning(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        "warning: no signing key configured (--signing-key/--signing-cert or CERTIFY_SIGNING_KEY/CERTIFY_SIGNING_CERT); "
            + "signed with the development identity in '\(DevelopmentIdentity.directory(environment: environment).path)': the report is UNTRUSTED"
    }

    /// The identity `key` and `certificate` name (or the environment does), checked valid now.
    package static func identity(
        key: String?, certificate: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Failure) -> SigningIdentity {
        let keyPath = key ?? environment["CERTIFY_SIGNING_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let certificatePath = certificate ?? environment["CERTIFY_SIGNING_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let identity: SigningIdentity
        do {
            switch (keyPath, certificatePath) {
            case (nil, nil):
                identity = try DevelopmentIdentity.loadOrCreate(in: DevelopmentIdentity.directory(environment: environment))
            case (let keyPath?, let certificatePath?):
                for path in [keyPath, certificatePath] where !FileManager.default.fileExists(atPath: path) {
                    throw Failure(.noInput, "signing file '\(path)' does not exist")
                }
                identity = try SigningIdentity.load(keyPath: keyPath, certificatePath: certificatePath)
            case (nil, _):
                throw Failure(.usage, "--signing-cert needs --signing-key (or CERTIFY_SIGNING_KEY)")
            case (_, nil):
                throw Failure(.usage, "--signing-key needs --signing-cert (or CERTIFY_SIGNING_CERT)")
            }
            try identity.checkUsable(at: Date())
        } catch let error as SigningError {
            throw Failure(.signingKeyRefused, error.description)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(.cannotWrite, "cannot create the development identity: \(error.localizedDescription)")
        }
        return identity
    }
}
