#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads a profile file with POSIX calls, refusing an oversized file before reading it.
enum FileReader {
    enum Failure: Error {
        /// The C library's `strerror` text for the failing call.
        case unreadable(String)
        /// The file's size when `fstat` knows it; nil when it only showed while reading.
        case tooLarge(Int?)
    }

    static func contents(ofFile path: String, limit: Int) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(errorText()) }
        defer { _ = close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(errorText()) }
        if (status.st_mode & S_IFMT) == S_IFREG, Int(status.st_size) > limit {
            throw .tooLarge(Int(status.st_size))
        }

        // Read one byte past the limit, so a file that grew, or a pipe, is still caught.
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count < bytes.count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .unreadable(errorText())
            }
            if result == 0 { break }
            count += result
        }
        guard count <= limit else { throw .tooLarge(nil) }
        bytes.removeSubrange(count...)
        return bytes
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
