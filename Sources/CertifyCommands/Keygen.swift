import CertifyTrust
import CertifyReport

/// Maps keygen's errors to exit codes.
enum Keygen {
    /// Runs `body`, printing a failure as one line: a refused CA key exits 24, anything else 73.
    static func perform<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SigningError {
            Standard.error("error: \(error.description)")
            switch error {
            case .keyReadableByOthers, .keyDoesNotMatchCertificate, .malformedKey, .certificateNotValid:
                throw ExitStatus.signingKeyRefused.exitCode
            case .unreadable, .malformedCertificate:
                throw ExitStatus.noInput.exitCode
            case .exists, .unwritable:
                throw ExitStatus.cannotWrite.exitCode
            }
        } catch {
            Standard.error("error: \(error)")
            throw ExitStatus.cannotWrite.exitCode
        }
    }
}
