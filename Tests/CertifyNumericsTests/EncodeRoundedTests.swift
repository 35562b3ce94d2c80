import CertifyNumerics
import Testing

/// `encodeRounded` (one rounding per element, the streamed inputs' path) against the long way it
/// replaces: `round`, subnormal results flushed to +0, then `encode`.
@Suite struct EncodeRoundedTests {
    static let dtypes: [DType] = [.fp32, .fp16, .bf16]

    /// Values in every binade around the dtype's range, its exact ties (both parities), the values
    /// either side of minNormal, maxFinite and the overflow threshold, signed zeros, infinities and
    /// NaNs.
    static func values(_ dtype: DType) -> [Double] {
        var generator = SeededGenerator(seed: 3, stream: "encode-rounded/\(dtype)")
        var values: [Double] = [0, -0.0, .infinity, -.infinity, .nan, -.nan, dtype.maxFinite, -dtype.maxFinite]
        let low = dtype.minNormal.exponent - Int(dtype.precision) - 3
        let high = dtype.maxFinite.exponent + 2
        for exponent in low...high {
            for _ in 0..<40 {
                let x = Double(sign: .plus, exponent: exponent, significand: generator.uniform(1, 2))
                values.append(generator.uniform(0, 1) < 0.5 ? x : -x)
            }
        }
        for anchor in [dtype.minNormal, dtype.smallestSubnormal, dtype.maxFinite, 1, 3.5] {
            var x = dtype.round(anchor)
            for _ in 0..<6 {
                let half = dtype.ulp(at: x) / 2
                values += [x + half, x - half, -(x + half), x.nextUp, x.nextDown, (x + half).nextUp, (x + half).nextDown]
                x = dtype.round(x + dtype.ulp(at: x))
            }
        }
        return values
    }

    @Test(arguments: dtypes, [true, false])
    func oneRoundingGivesTheBytesOfTheLongWay(_ dtype: DType, flush: Bool) {
        let values = Self.values(dtype)
        let minNormal = dtype.minNormal
        let long = dtype.encode(
            values.map { x in
                let rounded = dtype.round(x)
                return flush && rounded != 0 && abs(rounded) < minNormal ? 0 : rounded
            })
        let fast = dtype.encodeRounded(values, flushingSubnormals: flush)
        #expect(fast.count == long.count)
        let size = fast.count / values.count
        for index in values.indices where fast[index * size..<(index + 1) * size] != long[index * size..<(index + 1) * size] {
            Issue.record("\(values[index]): \(Array(fast[index * size..<(index + 1) * size])) against \(Array(long[index * size..<(index + 1) * size]))")
        }
    }
}
