import CertifyBackendSupport
import Testing

/// The conversions against every row of the numpy/ml_dtypes tables.
@Suite struct ConversionVectorTests {
    @Test func widensEveryBinary16PatternExactly() throws {
        let rows = try ConversionVectors.widenings()
        #expect(rows.count == 65536)
        #expect(Set(rows.map(\.fp16)).count == 65536)

        var mismatches: [String] = []
        for row in rows {
            let got = cbs_f16_to_f32(row.fp16).bitPattern
            let expectedFloat = Float(bitPattern: row.fp32)
            // numpy keeps a signalling NaN signalling; the backends quiet every NaN (the hardware
            // conversions do too) and keep sign and payload, so only the quiet bit may differ.
            let expected = expectedFloat.isNaN ? row.fp32 | 0x0040_0000 : row.fp32
            if got != expected {
                mismatches.append(hex(row.fp16) + " -> " + hex(got) + ", expected " + hex(expected))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(10))")
    }

    @Test func narrowsToBinary16RoundingToNearestEven() throws {
        let rows = try ConversionVectors.narrowings()
        #expect(rows.count == 50000)

        var mismatches: [String] = []
        for row in rows {
            let got = cbs_f32_to_f16(Float(bitPattern: row.fp32))
            if !sameHalf(got, row.fp16) {
                mismatches.append(hex(row.fp32) + " -> " + hex(got) + ", expected " + hex(row.fp16))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(10))")
    }

    @Test func narrowsToBfloat16RoundingToNearestEven() throws {
        let rows = try ConversionVectors.narrowings()
        #expect(rows.count == 50000)

        var mismatches: [String] = []
        for row in rows {
            let got = cbs_f32_to_bf16(Float(bitPattern: row.fp32))
            if !sameBfloat(got, row.bf16) {
                mismatches.append(hex(row.fp32) + " -> " + hex(got) + ", expected " + hex(row.bf16))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(10))")
    }

    @Test func bfloat16WideningIsTheTopHalfOfBinary32() throws {
        var mismatches: [String] = []
        for bits in 0...UInt16.max {
            let got = cbs_bf16_to_f32(bits).bitPattern
            let isNaN = bits & 0x7fff > 0x7f80
            let expected = UInt32(isNaN ? bits | 0x0040 : bits) << 16
            if got != expected {
                mismatches.append(hex(bits) + " -> " + hex(got) + ", expected " + hex(expected))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(10))")
    }
}

/// Equal bits, or both NaN with ours quiet: the table allows any NaN, the backends promise a quiet one.
func sameHalf(_ got: UInt16, _ expected: UInt16) -> Bool {
    let expectedNaN = expected & 0x7c00 == 0x7c00 && expected & 0x03ff != 0
    guard expectedNaN else { return got == expected }
    return got & 0x7e00 == 0x7e00 && got & 0x8000 == expected & 0x8000
}

/// Equal bits, or both NaN with ours quiet.
func sameBfloat(_ got: UInt16, _ expected: UInt16) -> Bool {
    guard expected & 0x7fff > 0x7f80 else { return got == expected }
    return got & 0x7fc0 == 0x7fc0 && got & 0x8000 == expected & 0x8000
}

func hex<T: FixedWidthInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, T.bitWidth / 4 - digits.count)) + digits
}
