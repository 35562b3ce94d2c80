import Foundation
import X509

/// The root certificates a verifier trusts: every PEM certificate in a file, or in the `*.pem`
/// files of a folder (like the repository's `Certs/`).
package struct TrustStore: Sendable {
    /// Trust anchors: a chain must end in one of these.
    package var roots: [Certificate]
    /// Where the roots came from, for messages.
    package var location: String

    package init(roots: [Certificate], location: String) {
        self.roots = roots
        self.location = location
    }

    /// Loads `path`, a PEM file or a folder of them; a folder without certificates is an empty store.
    package static func load(_ path: String) throws(SigningError) -> TrustStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "No such file or directory")
        }
        guard isDirectory.boolValue else { return TrustStore(roots: try readRoots(path), location: path) }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".pem") }.sorted()
        var roots: [Certificate] = []
        for name in names {
            roots += try readRoots(URL(fileURLWithPath: path).appendingPathComponent(name).path)
        }
        return TrustStore(roots: roots, location: path)
    }

    /// The certificates of the PEM file `path`, each a root: self-issued and self-signed. An
    /// intermediate or a certifier as an anchor would let a chain stop below the root its owner
    /// answers to, and Certs/README.md promises roots only, so such a file is refused.
    private static func readRoots(_ path: String) throws(SigningError) -> [Certificate] {
        let certificates = try KeyFile.readCertificates(path)
        for certificate in certificates
        where certificate.issuer != certificate.subject
            || !certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
        {
            throw .notARoot(path: path, subject: certificate.subject.description, issuer: certificate.issuer.description)
        }
        return certificates
    }
}
