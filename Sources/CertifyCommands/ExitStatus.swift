import ArgumentParser

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

    package var exitCode: ExitCode { ExitCode(rawValue) }
}
