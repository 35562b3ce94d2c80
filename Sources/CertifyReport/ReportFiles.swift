import CertifyBase
import CertifyTrust
import Foundation

/// Finding and reading a signed report the way a user names it, for verify, explain and gate.
package enum ReportFiles {
    /// The envelope `report` names: the file itself, or the envelope inside a report folder.
    package static func envelopePath(_ report: String) throws(Failure) -> String {
        var isDirectory: ObjCBool = false
        guard let path = FileLocator.resolve(report), FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure(.noInput, "report '\(report)' does not exist")
        }
        guard isDirectory.boolValue else { return path }
        let inside = URL(fileURLWithPath: path).appendingPathComponent(ReportWriter.envelopeFile).path
        guard FileManager.default.fileExists(atPath: inside) else {
            throw Failure(.noInput, "report folder '\(report)' holds no \(ReportWriter.envelopeFile)")
        }
        return inside
    }

    /// The trust store `trust` names, else `fallback` (the repository's Certs/).
    package static func trustStore(_ trust: String?, fallback: String?) throws(Failure) -> TrustStore {
        guard let path = trust ?? fallback else {
            throw Failure(.noInput, "no trust store: pass --trust with a root certificate or a folder of them")
        }
        do {
            return try TrustStore.load(path)
        } catch {
            // A non-root anchor would let a chain stop short of the root: no signer can be trusted by it.
            if case .notARoot = error { throw Failure(.untrustedSigner, "trust store: \(error.description)") }
            throw Failure(.noInput, "trust store: \(error.description)")
        }
    }

    /// The bytes of the file at `path`.
    package static func read(_ path: String) throws(Failure) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure(.noInput, "cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    /// The signed report at `envelopePath`, verified against `store`, with the cases and latency
    /// samples of the side files next to it (each checked against the digest the statement signs).
    package static func verified(_ envelopePath: String, trust store: TrustStore) throws(Failure) -> VerifiedReport {
        try verified(envelopePath, bytes: try read(envelopePath), trust: store)
    }

    /// The same for envelope bytes already read from `envelopePath`.
    package static func verified(_ envelopePath: String, bytes: Data, trust store: TrustStore) throws(Failure) -> VerifiedReport {
        do {
            var report = try ReportVerifier.verify(bytes, trust: store)
            try report.statement.attachSideFiles(from: URL(fileURLWithPath: envelopePath).deletingLastPathComponent())
            return report
        } catch {
            throw Failure(error, path: envelopePath)
        }
    }

    /// Writes `data` to `path`, or nothing when `path` is nil.
    package static func write(_ data: Data, to path: String?) throws(Failure) {
        guard let path else { return }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(.cannotWrite, "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
