/// An IEEE-754 interchange format narrower than binary64, handled at the bit level.
///
/// Narrowing works on binary64's bits with integer arithmetic only: one rounding, no
/// dependence on the platform's Float16 support or floating-point environment.
struct BinaryFormat: Sendable {
    /// Width of the exponent field.
    let exponentBits: Int
    /// Width of the fraction field (precision − 1).
    let fractionBits: Int
    private let bias: Int
    /// The exponent field all ones, in place: the bits of +inf.
    private let infinityField: UInt64
    private let signBit: UInt64
    /// Value of the last fraction bit of a subnormal, 2^(1 − bias − fractionBits).
    private let subnormalQuantum: Double

    init(exponentBits: Int, fractionBits: Int) {
        self.exponentBits = exponentBits
        self.fractionBits = fractionBits
        bias = (1 << (exponentBits - 1)) - 1
        infinityField = UInt64((1 << exponentBits) - 1) << fractionBits
        signBit = 1 << (exponentBits + fractionBits)
        subnormalQuantum = Double(sign: .plus, exponent: 1 - bias - fractionBits, significand: 1)
    }

    static let fp32 = BinaryFormat(exponentBits: 8, fractionBits: 23)
    static let fp16 = BinaryFormat(exponentBits: 5, fractionBits: 10)
    static let bf16 = BinaryFormat(exponentBits: 8, fractionBits: 7)

    /// Bits of x rounded once to this format, in the low bits of the result.
    ///
    /// Overflow gives inf (nearest-even) or the largest finite value (toward zero); with
    /// `flushSubnormals`, subnormal results become zero. A NaN becomes a quiet NaN with x's sign
    /// and the top fraction bits of its payload.
    func narrow(_ x: Double, mode: RoundingMode, flushSubnormals: Bool) -> UInt64 {
        let bits = x.bitPattern
        let sign = bits >> 63 == 0 ? 0 : signBit
        let exponentField = Int(bits >> 52) & 0x7FF
        let fraction = bits & 0x000F_FFFF_FFFF_FFFF
        if exponentField == 0x7FF {
            if fraction == 0 { return sign | infinityField }
            let quiet: UInt64 = 1 << (fractionBits - 1)
            return sign | infinityField | quiet | fraction >> (52 - fractionBits)
        }
        // Binary64 zeros and subnormals lie below half of every narrower format's smallest
        // subnormal, so they round to zero in both modes.
        if exponentField == 0 { return sign }

        let significand = fraction | 1 << 52
        let biasedExponent = exponentField - 1023 + bias
        // Bits of the 53-bit significand to drop; more below the normal range. Beyond 63 the
        // value is under half a quantum, which the clamp preserves.
        var shift = 52 - fractionBits
        if biasedExponent < 1 { shift = Swift.min(shift + 1 - biasedExponent, 63) }
        var kept = significand >> UInt64(shift)
        if mode == .nearestEven {
            let remainder = significand & ((1 << UInt64(shift)) - 1)
            let half: UInt64 = 1 << UInt64(shift - 1)
            if remainder > half || (remainder == half && kept & 1 == 1) { kept += 1 }
        }
        // For normal results kept includes the implicit bit, which adding (e − 1) << f folds into
        // the exponent field; a carry out of the fraction moves to the next binade by itself.
        // Subnormal results are the fraction field alone, and may carry into the smallest normal.
        var magnitude = biasedExponent >= 1 ? UInt64(biasedExponent - 1) << fractionBits + kept : kept
        if magnitude >= infinityField {
            magnitude = mode == .nearestEven ? infinityField : infinityField - 1
        } else if flushSubnormals, magnitude < 1 << fractionBits {
            magnitude = 0
        }
        return sign | magnitude
    }

    /// The exact binary64 value of this format's `bits`; NaNs come back quiet with their payload.
    func widen(_ bits: UInt64) -> Double {
        let sign = bits & signBit == 0 ? 0 : UInt64(1) << 63
        let exponentField = Int(bits >> fractionBits) & ((1 << exponentBits) - 1)
        let fraction = bits & ((1 << fractionBits) - 1)
        let shiftedFraction = fraction << (52 - fractionBits)
        switch exponentField {
        case 0:
            let magnitude = Double(fraction) * subnormalQuantum
            return Double(bitPattern: sign | magnitude.bitPattern)
        case (1 << exponentBits) - 1:
            let quiet: UInt64 = fraction == 0 ? 0 : 1 << 51
            return Double(bitPattern: sign | 0x7FF0_0000_0000_0000 | quiet | shiftedFraction)
        default:
            return Double(bitPattern: sign | UInt64(exponentField - bias + 1023) << 52 | shiftedFraction)
        }
    }
}
