import CertifyNumerics
import CertifyOracle
import Testing

/// The scale of a GEMM's error bound, Σ_k |a·b|, which OpenBLAS's oracle forms in fp32 and inflates:
/// it must never fall below the exact sum, whatever fp32 does to the operands and the sums.
/// Each case has an exact sum known in integers, so "above" is checked exactly, not within a bound.
@Suite struct MagnitudeBoundTests {
    /// |a| = |b| = 1 + 2⁻²⁵ (with random signs), which fp32 rounds to nearest as 1: a bound formed from
    /// operands rounded to nearest would be k, below the exact k·(1 + 2⁻²⁵)²; summed over k = 4096,
    /// the fp32 sums round too. The exact sum, scaled by 2⁵⁰, is the integer k·(2²⁵ + 1)².
    @Test(arguments: [1, 7, 4096, 12000])
    func aboveTheExactSumWhereRoundingToNearestFallsBelowIt(k: Int) throws {
        let (m, n) = (3, 5)
        var generator = SeededGenerator(seed: 1, stream: "magnitude-bound/\(k)")
        let magnitude = 1 + 0x1p-25
        let a = (0..<m * k).map { _ in generator.integer(0, 1) == 0 ? magnitude : -magnitude }
        let b = (0..<k * n).map { _ in generator.integer(0, 1) == 0 ? magnitude : -magnitude }
        let bound = Reference.gemm(a: a, b: b, m: m, n: n, k: k).absProducts
        let exact = UInt64(k) * (1 << 25 + 1) * (1 << 25 + 1)  // Σ|a·b|·2⁵⁰
        let exactValue = Double(k) * magnitude * magnitude  // within 2⁻⁵² of it
        for value in bound {
            // value·2⁵⁰ < 2⁶⁴ here, and its integer part is at least the integer exact when it is.
            #expect(UInt64(value * 0x1p50) >= exact, "\(value) below the exact Σ|a·b| = \(exact)·2⁻⁵⁰")
            // Operands rounded up (here 3·2⁻²⁴ on each product), fp32's summation error (γ_k) and the
            // inflation that covers it (2γ_k), and the bound's own roundings.
            let slack = 4 * 0x1p-24 + 3 * ErrorBound.gamma(k, unitRoundoff: 0x1p-24) + 0x1p-48
            #expect(value <= exactValue * (1 + slack) + Double(k) * 0x1p-124, "\(value) far above \(exactValue)")
        }
    }

    /// Products far below fp32's range (2⁻¹⁰⁰·2⁻⁶⁰; operands fp32 cannot hold but as subnormals or
    /// not at all) vanish in fp32: the bound's underflow term keeps it above the exact sum, and
    /// operands below fp32's normals count as its smallest normal, 2⁻¹²⁶.
    @Test(arguments: [(0x1p-100, 0x1p-60), (0x1p-150, 0x1p-150), (0x1p-1000, 0x1p100), (0x1p-130, 0.75)])
    func aboveTheExactSumOfProductsFp32CannotHold(a: Double, b: Double) {
        let k = 1000
        let bound = Reference.gemm(a: Array(repeating: a, count: 2 * k), b: Array(repeating: -b, count: k * 3), m: 2, n: 3, k: k)
        let widest = Double(k) * max(a, 0x1p-126) * max(b, 0x1p-126)
        for value in bound.absProducts {
            #expect(value >= Double(k) * a * b && value > 0, "\(value) below k·\(a)·\(b)")
            #expect(value <= widest * 1.01 + Double(k) * 0x1p-123, "\(value) far above \(widest)")
        }
    }

    /// Operands or sums beyond fp32's range: the whole bound is formed in fp64 instead, finite and
    /// within fp64's own rounding of the exact sum.
    @Test(arguments: [(1e30, 1e30), (1e40, 1e-40), (Double(Float.greatestFiniteMagnitude) * 1.5, 1.0)] as [(Double, Double)])
    func formedInFp64BeyondFp32sRange(a: Double, b: Double) {
        let k = 64
        let bound = Reference.gemm(a: Array(repeating: a, count: 2 * k), b: Array(repeating: b, count: k * 2), m: 2, n: 2, k: k)
        let exact = Double(k) * a * b
        for value in bound.absProducts {
            #expect(value.isFinite)
            #expect(abs(value - exact) <= ErrorBound.gamma(k + 1, unitRoundoff: 0x1p-53) * exact, "\(value) vs \(exact)")
        }
    }
}
