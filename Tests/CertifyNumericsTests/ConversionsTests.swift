import Testing

import CertifyNumerics

@Suite("Conversions against numpy/ml_dtypes vectors")
struct ConversionsTests {
    @Test("every binary16 pattern widens to numpy's binary32 (NaNs quieted, payload kept)")
    func fp16Widening() throws {
        let rows = try ConversionVectors.widening()
        #expect(rows.count == 65536)
        #expect(Set(rows.map(\.fp16)).count == 65536)
        var failures: [String] = []
        for (half, expected) in rows {
            let actual = Conversions.float(fp16Bits: half).bitPattern
            // numpy widens signalling NaNs without quieting them; ours come back quiet.
            let isNaN = expected & 0x7F80_0000 == 0x7F80_0000 && expected & 0x007F_FFFF != 0
            let wanted = isNaN ? expected | 0x0040_0000 : expected
            if actual != wanted { failures.append(hex(half) + " → " + hex(actual) + ", expected " + hex(wanted)) }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.prefix(5))")
    }

    @Test("decode of every binary16 pattern is the exact widened value")
    func fp16Decode() throws {
        let rows = try ConversionVectors.widening()
        let bytes = rows.flatMap { [UInt8($0.fp16 & 0xFF), UInt8($0.fp16 >> 8)] }
        let decoded = DType.fp16.decode(bytes)
        #expect(decoded.count == rows.count)
        var failures = 0
        for (value, row) in zip(decoded, rows) {
            let expected = Double(Float(bitPattern: row.fp32))
            if expected.isNaN ? !value.isNaN : value.bitPattern != expected.bitPattern { failures += 1 }
        }
        #expect(failures == 0)
    }

    @Test("binary32 → 16-bit conversion matches the vectors", arguments: [DType.fp16, .bf16])
    func narrowing(dtype: DType) throws {
        let rows = try ConversionVectors.narrowing()
        #expect(rows.count == 50_000)
        var failures: [String] = []
        for row in rows {
            let input = Float(bitPattern: row.fp32)
            let expected = dtype == .fp16 ? row.fp16 : row.bf16
            let fromFloat = dtype == .fp16 ? Conversions.fp16Bits(input) : Conversions.bf16Bits(input)
            let fromDouble = dtype == .fp16 ? Conversions.fp16Bits(Double(input)) : Conversions.bf16Bits(Double(input))
            for actual in [fromFloat, fromDouble] where !same16(actual, expected, dtype: dtype) {
                failures.append(hex(row.fp32) + " → " + hex(actual) + ", expected " + hex(expected))
            }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.prefix(5))")
    }

    @Test("DType.round and encode/decode agree with the vectors", arguments: [DType.fp16, .bf16])
    func roundAndStorage(dtype: DType) throws {
        let rows = try ConversionVectors.narrowing()
        let inputs = rows.map { Double(Float(bitPattern: $0.fp32)) }
        let expectedBits = rows.map { dtype == .fp16 ? $0.fp16 : $0.bf16 }
        let expectedValues = expectedBits.map { bits in
            Double(dtype == .fp16 ? Conversions.float(fp16Bits: bits) : Conversions.float(bf16Bits: bits))
        }

        let bytes = dtype.encode(inputs)
        #expect(bytes.count == 2 * rows.count)
        let decoded = dtype.decode(bytes)
        var failures: [String] = []
        for index in rows.indices {
            let expected = expectedValues[index]
            let rounded = dtype.round(inputs[index])
            let stored = UInt16(bytes[2 * index]) | UInt16(bytes[2 * index + 1]) << 8
            if !sameValue(rounded, expected) { failures.append("round \(hex(rows[index].fp32)) = \(rounded), expected \(expected)") }
            if !same16(stored, expectedBits[index], dtype: dtype) { failures.append("encode \(hex(rows[index].fp32)) = \(hex(stored))") }
            if !sameValue(decoded[index], expected) { failures.append("decode \(hex(stored)) = \(decoded[index])") }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.prefix(5))")
    }

    @Test("Double → 16-bit rounds once, not through Float", arguments: [
        // 1 + 2^-11 + 2^-40 is just above the fp16 midpoint between 1 and 1 + 2^-10, so it rounds
        // up; through Float the 2^-40 is lost, the midpoint ties to even, and the result is 1.
        (DType.fp16, 1 + 0x1p-11 + 0x1p-40, UInt16(0x3C01), UInt16(0x3C00)),
        (DType.fp16, -(1 + 0x1p-11 + 0x1p-40), UInt16(0xBC01), UInt16(0xBC00)),
        // The same with bfloat16's 7-bit fraction: 1 + 2^-8 + 2^-40.
        (DType.bf16, 1 + 0x1p-8 + 0x1p-40, UInt16(0x3F81), UInt16(0x3F80)),
        // Just above half of fp16's smallest subnormal: 2^-25 + 2^-60 rounds up to 2^-24; as a
        // Float it is exactly 2^-25, a tie that goes to zero.
        (DType.fp16, 0x1p-25 + 0x1p-60, UInt16(0x0001), UInt16(0x0000)),
    ])
    func singleRounding(dtype: DType, value: Double, direct: UInt16, viaFloat: UInt16) {
        let bits = dtype == .fp16 ? Conversions.fp16Bits(value) : Conversions.bf16Bits(value)
        let twice = dtype == .fp16 ? Conversions.fp16Bits(Float(value)) : Conversions.bf16Bits(Float(value))
        #expect(bits == direct)
        #expect(twice == viaFloat)
        #expect(dtype.encode([value]) == [UInt8(direct & 0xFF), UInt8(direct >> 8)])
        let widened = dtype == .fp16 ? Conversions.float(fp16Bits: direct) : Conversions.float(bf16Bits: direct)
        #expect(dtype.round(value) == Double(widened))
    }

    @Test("NaN narrows to a quiet NaN keeping sign and top payload bits")
    func nanNarrowing() {
        let signalling = Float(bitPattern: 0xFF80_2001)
        #expect(Conversions.fp16Bits(signalling) == 0xFE01)
        #expect(Conversions.bf16Bits(signalling) == 0xFFC0)
        #expect(Conversions.fp16Bits(Double.nan) & 0x7E00 == 0x7E00)
        #expect(Conversions.bf16Bits(-Double.nan) == 0xFFC0)
        #expect(Conversions.float(bf16Bits: 0x7F81).bitPattern == 0x7FC1_0000)
        #expect(Conversions.float(bf16Bits: 0xFF80) == -.infinity)
    }

    @Test("encode/decode round-trips representable values", arguments: DType.allCases)
    func storageRoundTrip(dtype: DType) {
        let values: [Double] = [
            0, -0.0, 1, -2.5, dtype.maxFinite, -dtype.maxFinite, dtype.minNormal, dtype.smallestSubnormal,
            -dtype.smallestSubnormal, .infinity, -.infinity,
        ]
        let bytes = dtype.encode(values)
        #expect(bytes.count == values.count * dtype.byteSize)
        let decoded = dtype.decode(bytes)
        #expect(decoded.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(dtype.decode(dtype.encode([.nan]))[0].isNaN)
        // Unaligned storage decodes the same.
        let shifted = [UInt8(0xAA)] + bytes
        let unaligned = shifted.withUnsafeBytes { dtype.decode(UnsafeRawBufferPointer(rebasing: $0.dropFirst())) }
        #expect(unaligned.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test("storage is little-endian")
    func littleEndian() {
        #expect(DType.fp16.encode([1]) == [0x00, 0x3C])
        #expect(DType.bf16.encode([1]) == [0x80, 0x3F])
        #expect(DType.fp32.encode([1]) == [0x00, 0x00, 0x80, 0x3F])
        #expect(DType.fp64.encode([1]) == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect(DType.fp16.decode([0x00, 0xC0, 0xFF, 0x7B]) == [-2, 65504])
    }

    private func same16(_ actual: UInt16, _ expected: UInt16, dtype: DType) -> Bool {
        let exponentMask: UInt16 = dtype == .fp16 ? 0x7C00 : 0x7F80
        func isNaN(_ bits: UInt16) -> Bool { bits & exponentMask == exponentMask && bits & ~exponentMask & 0x7FFF != 0 }
        return isNaN(expected) ? isNaN(actual) : actual == expected
    }

    private func sameValue(_ actual: Double, _ expected: Double) -> Bool {
        expected.isNaN ? actual.isNaN : actual.bitPattern == expected.bitPattern
    }
}

func hex<T: FixedWidthInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: Swift.max(0, T.bitWidth / 4 - digits.count)) + digits
}
