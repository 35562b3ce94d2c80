extension DType {
    /// The value of x rounded to this dtype (returned as Double, exactly representable).
    ///
    /// Rounds directly from Double, once, with an unbounded exponent and then the dtype's range:
    /// there is no double rounding through Float. Overflow gives ±inf under `.nearestEven` and
    /// ±maxFinite under `.towardZero`, as IEEE-754 prescribes. NaN stays NaN, ±inf and ±0 are
    /// kept. With `flushSubnormals`, a result below minNormal becomes a zero of x's sign.
    package func round(
        _ x: Double,
        mode: RoundingMode = .nearestEven,
        flushSubnormals: Bool = false
    ) -> Double {
        guard x.isFinite, x != 0 else { return x }
        guard let format = binaryFormat else {
            return flushSubnormals && x.isSubnormal ? Double(signOf: x, magnitudeOf: 0) : x
        }
        return format.widen(format.narrow(x, mode: mode, flushSubnormals: flushSubnormals))
    }

    /// The bit-level description of this dtype; nil for fp64, which needs no narrowing.
    var binaryFormat: BinaryFormat? {
        switch self {
        case .fp32: .fp32
        case .fp16: .fp16
        case .bf16: .bf16
        case .fp64: nil
        }
    }

    /// Spacing of this dtype's representable numbers at |x| (one ulp).
    ///
    /// That is 2^(e − p + 1) for the binade 2^e ≤ |x| < 2^(e+1), and smallestSubnormal below
    /// minNormal (including at zero). Values beyond maxFinite get their binade's spacing as if the
    /// exponent range were unbounded. Returns NaN for ±inf and NaN.
    package func ulp(at x: Double) -> Double {
        guard x.isFinite else { return .nan }
        let a = x.magnitude
        if a < minNormal { return smallestSubnormal }
        return Double(sign: .plus, exponent: a.exponent - (precision - 1), significand: 1)
    }
}
