import Foundation

/// certify's exit statuses: the one table. The help text and the README's table are made from
/// `meaning` (a test compares the README with it), and every failure a command reports carries one.
package enum ExitStatus: Int32, CaseIterable, Sendable {
    case certified = 0
    case notCertified = 1
    case backendUnusable = 2
    case malformedReport = 20
    case badSignature = 21
    case untrustedSigner = 22
    case subjectMismatch = 23
    case signingKeyRefused = 24
    case gateLevelLowered = 30
    case gateTierLost = 31
    case gateNewFailure = 32
    case gateSupportLost = 33
    case gateErrorGrowth = 34
    case gateLatencyRegression = 35
    case mergeShardMissing = 40
    case mergeShardOverlap = 41
    case mergeSeedDiffers = 42
    case mergeBatteryDiffers = 43
    case mergeSubjectDiffers = 44
    case mergeNotAShard = 45
    case usage = 64
    case badProfile = 65
    case noInput = 66
    case backendUnavailable = 69
    case internalError = 70
    case cannotWrite = 73
    case interrupted = 130
    case terminated = 143

    /// What the status means, one line, for the help text and the README.
    package var meaning: String {
        switch self {
        case .certified: "the run completed; the chip reached at least L1 and qualified for every `--tier` given"
        case .notCertified: "the run completed and the report was written, but the chip reached no level or missed a tier"
        case .backendUnusable:
            "the backend crashed or hung on `--max-consecutive-crashes` cases in a row (default 3) and was marked unusable; the report was written, marked incomplete, the remaining cases *not run*"
        case .malformedReport:
            "`certify verify`: malformed — not a DSSE envelope of a certify statement (JSON, base64, payload type, certificate chain or statement unreadable)"
        case .badSignature:
            "`certify verify`: bad signature — the Ed25519 signature over PAE(payloadType, payload) does not verify with the signer's certificate key, the keyid is not that key's, or the report's cases.json or latency.bin is missing or not the file whose SHA-256 the signed statement records"
        case .untrustedSigner:
            "`certify verify`: untrusted signer — no chain to a root in the trust store, a certificate not valid at the signing time or outside the certificate policy, a development identity, or a `--trust` certificate that is not a root"
        case .subjectMismatch: "`certify verify`: subject mismatch — a `--backend`, `--chip` or `--tier` file is not what the report certifies"
        case .signingKeyRefused:
            "a signing key is refused: group or others can read it, it does not match its certificate, or its chain is not valid now or breaks the certificate policy verify applies"
        case .gateLevelLowered: "`certify gate`: the candidate reached a lower level than the baseline, and no case that passed now fails or is unsupported (that case's 32 or 33 decides)"
        case .gateTierLost: "`certify gate`: a tier the baseline qualified for is lost (after 32, 33 and 30 in precedence)"
        case .gateNewFailure: "`certify gate`: a case that passed in the baseline now fails, errs, crashes, hangs or is missing"
        case .gateSupportLost: "`certify gate`: a kernel × dtype that passed in the baseline is no longer supported"
        case .gateErrorGrowth:
            "`certify gate`: a case's error / tolerance grew past `--error-growth` times the baseline's (default 4×), even within tolerance"
        case .gateLatencyRegression: "`certify gate`: a case, a kernel family or the battery is slower beyond noise (A/B side by side, or report against report; see docs/gating.md)"
        case .mergeShardMissing: "`certify merge`: a shard is missing — the shards given do not cover 1…N, or a case of the suite is in none of them"
        case .mergeShardOverlap:
            "`certify merge`: a shard is given twice or overlaps another — the same index twice, shards of different N, or a case in two shards"
        case .mergeSeedDiffers: "`certify merge`: a shard was run with another seed (or a seed of another origin)"
        case .mergeBatteryDiffers:
            "`certify merge`: a shard was run with another battery version, suite or case list, or other measurement settings (warm-up, iterations, runs, soak, isolation)"
        case .mergeSubjectDiffers: "`certify merge`: a shard certifies another backend library (SHA-256), chip profile or tier profiles"
        case .mergeNotAShard: "`certify merge`: a report is not a shard (run without `--shard`) or is incomplete (`--resume` it, then merge)"
        case .usage: "the command line is wrong (missing `--chip`, unknown suite …)"
        case .badProfile: "a chip or tier profile is malformed; the message names `file:line:column` and the key"
        case .noInput: "a file named on the command line does not exist"
        case .backendUnavailable: "the backend library cannot be found, loaded, verified against its pin, or started"
        case .internalError: "an internal error in certify"
        case .cannotWrite: "the report folder cannot be written, or `--output` names a folder that already holds a report (certify never overwrites one)"
        case .interrupted:
            "SIGINT (Ctrl-C) stopped the run: a partial report marked incomplete was written; `--resume <dir>` continues it"
        case .terminated: "SIGTERM stopped the run: as for 130"
        }
    }

    /// The statuses as a two-column Markdown table, as the README shows them.
    package static var markdownTable: String {
        (["| code | meaning |", "|---|---|"] + allCases.map { "| \($0.rawValue) | \($0.meaning) |" }).joined(separator: "\n")
    }

    /// `statuses` for a help text: "  0   meaning", the meaning without Markdown.
    package static func helpTable(_ statuses: [ExitStatus]) -> String {
        statuses.map { status in
            let plain = status.meaning.replacingOccurrences(of: "`", with: "").replacingOccurrences(of: "*", with: "")
            return "  \(String(status.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0))\(plain)"
        }.joined(separator: "\n")
    }
}
