#if canImport(Glibc)
import Glibc
#endif

/// Evicts the host's caches by writing a buffer larger than any last-level cache.
enum CacheFlush {
    /// 64 MiB: larger than the LLC of any host this runs on, so every earlier line is evicted.
    static let bytes = 64 << 20
    nonisolated(unsafe) private static let buffer: UnsafeMutableRawPointer = {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        memset(pointer, 0, bytes)
        return pointer
    }()
    nonisolated(unsafe) private static var pass: Int32 = 0

    static func run() {
        pass &+= 1
        memset(buffer, pass & 0xFF, bytes)
    }
}
