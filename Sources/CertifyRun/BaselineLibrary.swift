import CertifyBase
import CertifyBattery
import CertifyProfiles
import CertifyReport
import CertifyTrust
import Foundation

/// Finds the library a baseline report certified, so that the gate can time it beside the candidate.
package enum BaselineLibrary {
    /// The baseline's library and options, or nil with the reason it is not at hand.
    ///
    /// The library is `given` when there is one (it must be the file the report certified: a
    /// different digest is an error naming both), else the path the report recorded when a file
    /// with the report's digest is still there. Its options are those of the report's chip profile
    /// when that file is still there unchanged, else `fallbackOptions` (`note` hears which).
    package static func locate(
        _ report: Statement, given: String?, fallbackOptions: [BackendOption], note: (String) -> Void
    ) throws(Failure) -> (library: TimedLibrary?, reason: String?) {
        let predicate = report.predicate
        let digest = report.subjects(.backend).first?.digest["sha256"] ?? predicate.backend.librarySHA256
        let path: String
        if let given {
            guard let resolved = FileLocator.resolve(given) else { throw Failure(.noInput, "--baseline-library '\(given)' does not exist") }
            let actual = sha256(resolved) ?? "unreadable"
            guard actual == digest else {
                throw Failure(
                    .subjectMismatch,
                    "--baseline-library '\(given)' has SHA-256 \(actual), but the baseline report certified a library with SHA-256 \(digest)")
            }
            path = resolved
        } else {
            let recorded = predicate.backend.libraryPath
            guard FileManager.default.fileExists(atPath: recorded) else {
                return (nil, "the baseline library '\(recorded)' is not on this host")
            }
            guard let actual = sha256(recorded), actual == digest else {
                return (nil, "'\(recorded)' is no longer the library the baseline report certified (SHA-256 \(digest))")
            }
            path = recorded
        }
        var options = fallbackOptions
        if let profile = report.subjects(.chipProfile).first, let expected = profile.digest["sha256"],
            sha256(profile.name) == expected, let loaded = try? ProfileLoader.loadChip(path: profile.name, budgetKeys: Battery.budgetKeys)
        {
            options = loaded.backend.options
        } else if !fallbackOptions.isEmpty {
            note("note: the baseline's chip profile is not at hand unchanged; its library is created with the candidate profile's backend options")
        }
        return (TimedLibrary(path: path, sha256: digest, options: options), nil)
    }

    private static func sha256(_ path: String) -> String? {
        try? FileDigest.sha256(ofFile: path)
    }
}
