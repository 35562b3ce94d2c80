/// A tensor element type a backend computes in, with the IEEE-754 parameters the oracle needs.
///
/// `fp16` is IEEE binary16, `bf16` is bfloat16 (binary32 with a 7-bit fraction),
/// `fp32` and `fp64` are IEEE binary32 and binary64.
package enum DType: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Hashable {
    /// IEEE binary32.
    case fp32
    /// IEEE binary16.
    case fp16
    /// bfloat16: binary32's exponent range with an 8-bit significand.
    case bf16
    /// IEEE binary64.
    case fp64

    /// Bytes one element occupies in storage.
    package var byteSize: Int {
        switch self {
        case .fp32: 4
        case .fp16, .bf16: 2
        case .fp64: 8
        }
    }

    /// Significand bits including the implicit leading bit: 24, 11, 8, 53.
    package var precision: Int {
        switch self {
        case .fp32: 24
        case .fp16: 11
        case .bf16: 8
        case .fp64: 53
        }
    }

    /// Unit roundoff u = 2^-p, the relative error bound of one round-to-nearest operation.
    package var unitRoundoff: Double {
        Double(sign: .plus, exponent: -precision, significand: 1)
    }

    /// Exponent of the smallest normal number (emin): −126, −14, −126, −1022.
    package var minExponent: Int {
        switch self {
        case .fp32, .bf16: -126
        case .fp16: -14
        case .fp64: -1022
        }
    }

    /// Exponent of the largest finite number (emax): 127, 15, 127, 1023.
    package var maxExponent: Int {
        switch self {
        case .fp32, .bf16: 127
        case .fp16: 15
        case .fp64: 1023
        }
    }

    /// Smallest positive normal number, 2^emin.
    package var minNormal: Double {
        Double(sign: .plus, exponent: minExponent, significand: 1)
    }

    /// Smallest positive subnormal number, 2^(emin − p + 1).
    package var smallestSubnormal: Double {
        Double(sign: .plus, exponent: minExponent - precision + 1, significand: 1)
    }

    /// Largest finite number, (2 − 2^(1−p))·2^emax.
    package var maxFinite: Double {
        let significand = 2 - Double(sign: .plus, exponent: 1 - precision, significand: 1)
        return Double(sign: .plus, exponent: maxExponent, significand: significand)
    }
}

extension DType {
    /// The storage formats a chip profile declares peaks and accumulation for: fp32, fp16, bf16.
    package static let storageFormats: [DType] = [.fp32, .fp16, .bf16]
}
