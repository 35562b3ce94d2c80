import CertifyBase
import CertifyProfiles
import CertifyTrust

extension Failure {
    /// A profile that does not load: its compiler-style message (file:line:column, the source line
    /// and a caret) as it is; 66 when it cannot be read, else 65.
    package init(_ error: ProfileError) {
        self.init(error.kind == .unreadable ? .noInput : .badProfile, "", notes: [error.description])
    }

    /// A refused signing identity or keygen file: 24 for a key that may not sign, 66 for a file
    /// that cannot be read, 73 for one that cannot be written, 22 for a trust anchor that is no root.
    package init(_ error: SigningError) {
        let status: ExitStatus =
            switch error {
            case .keyReadableByOthers, .keyDoesNotMatchCertificate, .malformedKey, .certificateNotValid, .certificateRefused:
                .signingKeyRefused
            case .unreadable, .malformedCertificate: .noInput
            case .exists, .unwritable: .cannotWrite
            case .notARoot: .untrustedSigner
            }
        self.init(status, error.description)
    }

    /// A report at `path` that does not verify, with how to look at a development-identity report
    /// anyway; 20–23 by the kind of check that failed.
    package init(_ error: VerificationError, path: String) {
        let status: ExitStatus =
            switch error.kind {
            case .malformed: .malformedReport
            case .badSignature: .badSignature
            case .untrustedSigner: .untrustedSigner
            case .subjectMismatch: .subjectMismatch
            }
        var notes: [String] = []
        if error.kind == .untrustedSigner && error.message.contains("development identity") {
            let root = DevelopmentIdentity.directory().appendingPathComponent("root.pem").path
            notes.append("hint: on the machine that ran certify, --trust '\(root)' accepts it for a look; it certifies nothing")
        }
        self.init(status, "\(path): \(error.message)", notes: notes)
    }
}

extension GateFinding.Kind {
    /// The exit status of a gate whose most severe finding is of this kind; 0 for notes.
    package var exitStatus: ExitStatus {
        switch self {
        case .levelLowered: .gateLevelLowered
        case .tierLost: .gateTierLost
        case .newFailure: .gateNewFailure
        case .supportLost: .gateSupportLost
        case .errorGrowth: .gateErrorGrowth
        case .latencyRegression: .gateLatencyRegression
        case .unexpectedPass, .expectedFailure, .flake, .skipped, .notJudged: .certified
        }
    }
}
