import CertifyBackends
import CertifyProfiles
import Foundation

/// Opens the backend a chip profile names, in a worker process or in this one.
package enum SessionFactory {
    /// The library `profile` names, resolved against the profile's folder and the plugin search path.
    package static func library(for profile: ChipProfile, profilePath: String) throws(BackendError) -> String {
        let folder = URL(fileURLWithPath: profilePath).deletingLastPathComponent().path
        return try PluginLocator.standard().resolve(profile.backend.library, relativeTo: folder)
    }

    /// A session on `library` with the profile's options and pin; a worker logs to `logPath`.
    package static func open(
        library: String, profile: ChipProfile, isolation: Isolation, logPath: String, maxConsecutiveCrashes: Int
    ) throws(BackendError) -> any BackendSession {
        let options = profile.backend.options.map { (key: $0.key, value: $0.value) }
        switch isolation {
        case .worker:
            return try WorkerSession(
                path: library, expectedSHA256: profile.backend.sha256, options: options, logPath: logPath,
                caseTimeoutSeconds: profile.latency.caseTimeoutSeconds, maxConsecutiveCrashes: maxConsecutiveCrashes)
        case .inProcess:
            return try InProcessSession(path: library, expectedSHA256: profile.backend.sha256, options: options)
        }
    }
}
