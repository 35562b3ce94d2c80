internal import CCertifyWorker

#if canImport(Glibc)
import Glibc
#endif

/// Little-endian binary encoding of the worker protocol's record payloads.
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) { u64(UInt64(bitPattern: Int64(value))) }

    mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    mutating func string(_ value: String) { blob(Array(value.utf8)) }

    mutating func blob(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func ints(_ values: [Int]) {
        u32(UInt32(values.count))
        values.forEach { int($0) }
    }

    /// A whole array at once: a case's timed loop can leave a million samples to send.
    mutating func u64s(_ values: [UInt64]) {
        u32(UInt32(values.count))
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        values.forEach { u64($0) }
        #endif
    }
}

/// Reads what `WireWriter` wrote; any short or malformed payload is a protocol error.
struct WireReader {
    struct Malformed: Error {}

    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ count: Int) throws(Malformed) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw Malformed() }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func u8() throws(Malformed) -> UInt8 { try take(1).first! }

    mutating func u32() throws(Malformed) -> UInt32 {
        UInt32(littleEndian: try take(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
    }

    mutating func u64() throws(Malformed) -> UInt64 {
        UInt64(littleEndian: try take(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    }

    mutating func int() throws(Malformed) -> Int { Int(Int64(bitPattern: try u64())) }

    mutating func bool() throws(Malformed) -> Bool { try u8() != 0 }

    mutating func blob() throws(Malformed) -> [UInt8] { Array(try take(Int(try u32()))) }

    mutating func string() throws(Malformed) -> String { String(decoding: try blob(), as: UTF8.self) }

    mutating func ints() throws(Malformed) -> [Int] {
        let count = Int(try u32())
        guard count <= bytes.count else { throw Malformed() }
        var values: [Int] = []
        for _ in 0..<count { values.append(try int()) }
        return values
    }

    mutating func u64s() throws(Malformed) -> [UInt64] {
        let count = Int(try u32())
        let raw = try take(count * 8)
        return [UInt64](unsafeUninitializedCapacity: count) { values, initialized in
            raw.withUnsafeBytes { source in
                #if _endian(little)
                UnsafeMutableRawBufferPointer(values).copyMemory(from: source)
                #else
                for index in 0..<count {
                    values[index] = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                }
                #endif
            }
            initialized = count
        }
    }
}

/// One record of the worker protocol, as both sides write it: its length (the type byte and the
/// payload), the type, the payload.
enum WireRecord {
    /// Writes the record to `fd` whole, retrying short and interrupted writes; false when the
    /// other side has gone (EPIPE, with no SIGPIPE raised) or the write failed.
    static func write(_ type: UInt8, _ payload: [UInt8], to fd: Int32) -> Bool {
        var header = WireWriter()
        header.u32(UInt32(payload.count + 1))
        header.u8(type)
        return (header.bytes + payload).withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Int(certify_write_nosigpipe(fd, raw.baseAddress! + offset, UInt(raw.count - offset)))
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
