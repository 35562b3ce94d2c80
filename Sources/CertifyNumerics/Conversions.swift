/// Bit-exact IEEE-754 conversions between binary32/binary64 and the 16-bit storage formats.
///
/// Narrowing rounds once to nearest-even, overflows to ±inf, keeps ±inf and signed zeros, and
/// turns any NaN into a quiet NaN that keeps the sign and the top payload bits. Widening is exact;
/// a NaN comes back quiet with its payload. Nothing here depends on the platform having Float16.
package enum Conversions {
    /// binary16 bits of x, rounded to nearest-even.
    package static func fp16Bits(_ x: Float) -> UInt16 {
        if x.isNaN { return quietNaN(sign: x.sign, fraction: (x.bitPattern & 0x007F_FFFF) >> 13, format: .fp16) }
        return fp16Bits(Double(x))
    }

    /// The Float whose value is the binary16 `fp16Bits` (exact widening).
    package static func float(fp16Bits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x03FF)
        switch exponent {
        case 0x1F:
            let quiet: UInt32 = fraction == 0 ? 0 : 0x0040_0000
            return Float(bitPattern: sign | 0x7F80_0000 | quiet | fraction << 13)
        case 0:
            // Zero or subnormal: fraction · 2^-24, exact in binary32.
            let magnitude = Float(fraction) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | fraction << 13)
        }
    }

    /// bfloat16 bits of x, rounded to nearest-even.
    package static func bf16Bits(_ x: Float) -> UInt16 {
        if x.isNaN { return quietNaN(sign: x.sign, fraction: (x.bitPattern & 0x007F_FFFF) >> 16, format: .bf16) }
        return bf16Bits(Double(x))
    }

    /// The Float whose value is the bfloat16 `bf16Bits` (exact widening).
    package static func float(bf16Bits bits: UInt16) -> Float {
        var pattern = UInt32(bits) << 16
        if pattern & 0x7F80_0000 == 0x7F80_0000, pattern & 0x007F_FFFF != 0 {
            pattern |= 0x0040_0000
        }
        return Float(bitPattern: pattern)
    }

    /// binary16 bits of x, rounded once from binary64 to nearest-even (never via binary32).
    package static func fp16Bits(_ x: Double) -> UInt16 {
        UInt16(truncatingIfNeeded: BinaryFormat.fp16.narrow(x, mode: .nearestEven, flushSubnormals: false))
    }

    /// bfloat16 bits of x, rounded once from binary64 to nearest-even (never via binary32).
    package static func bf16Bits(_ x: Double) -> UInt16 {
        UInt16(truncatingIfNeeded: BinaryFormat.bf16.narrow(x, mode: .nearestEven, flushSubnormals: false))
    }

    /// A quiet 16-bit NaN with the given sign and (already shifted) top payload bits.
    private static func quietNaN(sign: FloatingPointSign, fraction: UInt32, format: BinaryFormat) -> UInt16 {
        let signBit: UInt16 = sign == .minus ? 0x8000 : 0
        let exponentField = UInt16((1 << format.exponentBits) - 1) << format.fractionBits
        let quiet = UInt16(1) << (format.fractionBits - 1)
        return signBit | exponentField | quiet | UInt16(truncatingIfNeeded: fraction)
    }
}
