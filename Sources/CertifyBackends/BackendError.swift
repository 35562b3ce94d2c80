import CertifyBase

/// Why a backend could not be loaded or used. Every message names the library.
package typealias BackendError = KindedError<BackendErrorKind>

/// What kind of thing went wrong with a backend.
package enum BackendErrorKind: String, Sendable {
    /// No library by that name or path.
    case notFound
    /// dlopen refused the file.
    case notLoadable
    /// The library does not export certify_backend_bootstrap.
    case missingBootstrap
    /// The plugin speaks another ABI major, refused to bootstrap, or returned a malformed table.
    case abiMismatch
    /// The file's SHA-256 differs from the profile's pin.
    case hashMismatch
    /// create() failed.
    case createFailed
    /// An entry point returned an error for a case.
    case callFailed
    /// An entry point answered INVALID_ARGUMENT: the backend refused what it was given.
    case invalidArgument
    /// The backend does not implement the kernel × dtype.
    case unsupported
    /// The worker died during the case: a signal, or an exit in the middle of it.
    case crashed
    /// The worker did not answer within the case's deadline and was killed.
    case timedOut
    /// The backend wrote outside a host buffer it was handed (a guard page or a canary).
    case memoryViolation
    /// SIGINT or SIGTERM arrived during the case.
    case interrupted
    /// The backend is unusable after repeated crashes; the case was not attempted.
    case notRun
}
