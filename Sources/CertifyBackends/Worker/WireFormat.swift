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

    mutating func double(_ value: Double) { u64(value.bitPattern) }

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

    mutating func u64s(_ values: [UInt64]) {
        u32(UInt32(values.count))
        values.forEach { u64($0) }
    }

    mutating func doubles(_ values: [Double]) {
        u32(UInt32(values.count))
        values.forEach { double($0) }
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
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws(Malformed) -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func int() throws(Malformed) -> Int { Int(Int64(bitPattern: try u64())) }

    mutating func double() throws(Malformed) -> Double { Double(bitPattern: try u64()) }

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
        guard count <= bytes.count else { throw Malformed() }
        var values: [UInt64] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try u64()) }
        return values
    }

    mutating func doubles() throws(Malformed) -> [Double] {
        let count = Int(try u32())
        guard count <= bytes.count else { throw Malformed() }
        var values: [Double] = []
        for _ in 0..<count { values.append(try double()) }
        return values
    }
}
