import CertifyBase
import CertifyReport
import CertifyTrust

/// Maps keygen's errors to failures.
enum Keygen {
    /// Runs `body`; a refused CA key exits 24, an unreadable file 66, anything else 73.
    static func perform<T>(_ body: () throws -> T) throws(Failure) -> T {
        do {
            return try body()
        } catch let error as SigningError {
            throw Failure(error)
        } catch {
            throw Failure(.cannotWrite, "\(error)")
        }
    }
}
