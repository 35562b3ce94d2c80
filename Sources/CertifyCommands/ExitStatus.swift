import ArgumentParser
import CertifyReport

/// certify's exit codes; the README documents them and the tests assert each.
package enum ExitStatus: Int32, CaseIterable {
    /// The run completed, the chip reached at least L1 and qualified for every tier given.
    case certified = 0
    /// The run completed and a report was written, but the chip reached no level or missed a tier.
    case notCertified = 1
    /// The backend crashed or hung on `--max-consecutive-crashes` cases in a row and was marked
    /// unusable; the report was written, marked incomplete, with the remaining cases not run.
    case backendUnusable = 2
    /// The command line is wrong (ArgumentParser's own code).
    case usage = 64
    /// A profile is malformed: the message names file:line:column and the key.
    case badProfile = 65
    /// A file named on the command line does not exist or cannot be read.
    case noInput = 66
    /// The backend library cannot be found, loaded, verified or started.
    case backendUnavailable = 69
    /// A bug in certify.
    case internalError = 70
    /// The report folder cannot be written.
    case cannotWrite = 73
    /// SIGINT (Ctrl-C) stopped the run; a partial report marked incomplete was written and
    /// `--resume <dir>` continues it (128 + 2, the shell's convention).
    case interrupted = 130
    /// SIGTERM stopped the run; as for `interrupted` (128 + 15).
    case terminated = 143
    /// `certify verify`: the file is not a DSSE envelope of a certify statement (JSON, base64,
    /// payload type, certificate chain extension or statement unreadable).
    case malformedReport = 20
    /// `certify verify`: the signature does not verify over the payload with the signer's key.
    case badSignature = 21
    /// `certify verify`: the signer's chain does not reach a trusted root, or was not valid at
    /// signing time; also a development-identity report checked against the real trust store.
    case untrustedSigner = 22
    /// `certify verify`: a `--backend`, `--chip` or `--tier` file is not the report's subject.
    case subjectMismatch = 23
    /// A signing key is refused: readable by group or others, not matching its certificate, or
    /// its certificate not valid now.
    case signingKeyRefused = 24
    /// `certify gate`: the candidate reached a lower level than the baseline (the most severe
    /// gate failure; when several kinds occur the gate exits with the lowest of 30–35).
    case gateLevelLowered = 30
    /// `certify gate`: a tier the baseline qualified for is lost.
    case gateTierLost = 31
    /// `certify gate`: a case that passed in the baseline fails, errs, crashes, hangs or is missing.
    case gateNewFailure = 32
    /// `certify gate`: a kernel × dtype that passed in the baseline is no longer supported.
    case gateSupportLost = 33
    /// `certify gate`: a case's error grew past `--error-growth` times the baseline's, even
    /// within tolerance.
    case gateErrorGrowth = 34
    /// `certify gate`: a case is slower beyond noise (Mann–Whitney U and the p50 effect floor).
    case gateLatencyRegression = 35

    package var exitCode: ExitCode { ExitCode(rawValue) }

    /// The exit status of a gate that found `kind` as its most severe failure.
    package static func gate(_ kind: GateFinding.Kind) -> ExitStatus {
        switch kind {
        case .levelLowered: .gateLevelLowered
        case .tierLost: .gateTierLost
        case .newFailure: .gateNewFailure
        case .supportLost: .gateSupportLost
        case .errorGrowth: .gateErrorGrowth
        case .latencyRegression: .gateLatencyRegression
        case .unexpectedPass, .expectedFailure, .flake, .skipped: .certified
        }
    }
}
