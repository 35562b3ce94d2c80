#if canImport(Glibc)
import Glibc
#endif

/// Evicts the host's caches by writing a buffer larger than any last-level cache; one per timed
/// loop that asks for cold caches, freed with it.
final class CacheFlush {
    /// 64 MiB: larger than the LLC of any host this runs on, so every earlier line is evicted.
    static let bytes = 64 << 20
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: CacheFlush.bytes, alignment: 64)
    private var pass: Int32 = 0

    deinit {
        buffer.deallocate()
    }

    /// Writes the whole buffer with a value it has not held before, so no line can stay clean.
    func run() {
        pass &+= 1
        memset(buffer, pass & 0xFF, Self.bytes)
    }
}
