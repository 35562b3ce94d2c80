import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor this object owns: closed exactly once, when the object goes, unless
/// ownership was handed on with `release()`.
final class FileDescriptor {
    private(set) var raw: Int32

    /// Takes ownership of `raw` (which must be open).
    init(_ raw: Int32) {
        precondition(raw >= 0, "a FileDescriptor owns an open descriptor, not \(raw)")
        self.raw = raw
    }

    /// Opens `path` for reading, close-on-exec; nil with errno set when it cannot.
    convenience init?(reading path: String) {
        let raw = open(path, O_RDONLY | O_CLOEXEC)
        guard raw >= 0 else { return nil }
        self.init(raw)
    }

    /// Hands the descriptor on: this object no longer closes it.
    func release() -> Int32 {
        defer { raw = -1 }
        return raw
    }

    /// Closes it now rather than when the object goes.
    func close() {
        guard raw >= 0 else { return }
        _ = Glibc.close(raw)
        raw = -1
    }

    deinit {
        close()
    }
}
