import Foundation
import Testing

import CertifyNumerics
import CertifyOracle

@Suite("fp64 reference kernels")
struct ReferenceTests {
    @Test("2×2 GEMM and its absolute-product sums")
    func gemm2x2() {
        // [1 −2; 3 4]·[5 6; −7 8] = [1·5+2·7, 6−16; 15−28, 18+32]
        let result = Reference.gemm(a: [1, -2, 3, 4], b: [5, 6, -7, 8], m: 2, n: 2, k: 2)
        #expect(result.c == [19, -10, -13, 50])
        #expect(result.absProducts == [19, 22, 43, 50].map { fp32Bound(of: $0, k: 2) })
        #expect(Reference.gemm(a: [1, -2, 3, 4], b: [5, 6, -7, 8], m: 2, n: 2, k: 2, products: .loops).absProducts == [19, 22, 43, 50])
    }

    /// The bound OpenBLAS's oracle gives for Σ|a·b| = `sum` of length k when fp32 forms it exactly
    /// (small integers): sum·(1 + 2γ_k(2⁻²⁴) + 2⁻⁴⁹) + k·2⁻¹²⁴.
    private func fp32Bound(of sum: Double, k: Int) -> Double {
        sum * (1 + 2 * ErrorBound.gamma(k, unitRoundoff: 0x1p-24) + 0x1p-49) + Double(k) * 0x1p-124
    }

    @Test("non-square GEMM and k = 0")
    func gemmShapes() {
        // [1 2 3; 4 5 6]·[1; 0; −1] = [−2; −2]
        let column = Reference.gemm(a: [1, 2, 3, 4, 5, 6], b: [1, 0, -1], m: 2, n: 1, k: 3)
        #expect(column.c == [-2, -2])
        #expect(column.absProducts == [4, 10].map { fp32Bound(of: $0, k: 3) })
        let empty = Reference.gemm(a: [], b: [], m: 2, n: 3, k: 0)
        #expect(empty.c == [0, 0, 0, 0, 0, 0])
        #expect(empty.absProducts == [0, 0, 0, 0, 0, 0])
    }

    @Test("the loops' tiled GEMM equals the textbook triple loop bit for bit", arguments: [(7, 300, 5), (3, 513, 17), (1, 1, 1)])
    func gemmMatchesNaive(m: Int, n: Int, k: Int) {
        var generator = SeededGenerator(seed: 1, stream: "gemm-naive/\(m)x\(n)x\(k)")
        let a = (0..<m * k).map { _ in generator.normal() }
        let b = (0..<k * n).map { _ in generator.normal() }
        var c = [Double](repeating: 0, count: m * n)
        var absProducts = c
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k {
                    c[i * n + j] += a[i * k + p] * b[p * n + j]
                    absProducts[i * n + j] += abs(a[i * k + p] * b[p * n + j])
                }
            }
        }
        let result = Reference.gemm(a: a, b: b, m: m, n: n, k: k, products: .loops)
        #expect(result.c == c)
        #expect(result.absProducts == absProducts)
    }

    @Test("softmax of [0, ln 2, ln 3] is [1/6, 2/6, 3/6]")
    func softmaxKnown() {
        let y = Reference.softmax([0, log(2), log(3)], rows: 1, cols: 3)
        for (actual, expected) in zip(y, [1.0 / 6, 2.0 / 6, 3.0 / 6]) {
            #expect(abs(actual - expected) <= 2 * expected.ulp)
        }
    }

    @Test("softmax rows sum to 1, also for large magnitudes and masked entries")
    func softmaxSums() {
        var generator = SeededGenerator(seed: 2, stream: "softmax-sums")
        let rows = 16
        let cols = 100
        var x = (0..<rows * cols).map { _ in generator.normal() * 30 }
        x[0] = 1e4  // would overflow exp without the max subtraction
        x[cols] = -.infinity
        let y = Reference.softmax(x, rows: rows, cols: cols)
        for row in 0..<rows {
            let slice = y[row * cols..<(row + 1) * cols]
            #expect(abs(slice.reduce(0, +) - 1) < 1e-14)
            #expect(slice.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        #expect(y[0] == 1)
        #expect(y[cols] == 0)
        #expect(Reference.softmax([1000, 1000], rows: 1, cols: 2) == [0.5, 0.5])
        #expect(Reference.softmax([-.infinity, 0], rows: 1, cols: 2) == [0, 1])
    }

    @Test("softmax edge rows: all −inf, NaN and +inf give NaN rows, other rows unaffected")
    func softmaxEdges() {
        let x: [Double] = [
            -.infinity, -.infinity,
            .nan, 1,
            .infinity, 0,
            0, 0,
        ]
        let y = Reference.softmax(x, rows: 4, cols: 2)
        #expect(y[0..<6].allSatisfy { $0.isNaN })
        #expect(Array(y[6..<8]) == [0.5, 0.5])
        #expect(Reference.softmax([], rows: 3, cols: 0).isEmpty)
    }

    @Test("rmsnorm of known rows")
    func rmsnorm() {
        // [3, 4]: mean square 12.5, rms 5/√2, so y = [3√2/5, 4√2/5 · 2].
        let y = Reference.rmsnorm([3, 4, 1, 1, 1, 1], weight: [1, 2], rows: 3, cols: 2, eps: 0)
        let expected = [3 * 2.0.squareRoot() / 5, 8 * 2.0.squareRoot() / 5, 1, 2, 1, 2]
        for (actual, wanted) in zip(y, expected) {
            #expect(abs(actual - wanted) <= 2 * wanted.ulp)
        }
        // eps enters under the root: mean square 1 + eps 3 → rms 2.
        #expect(Reference.rmsnorm([1, 1, 1, 1], weight: [1, 1, 1, 1], rows: 1, cols: 4, eps: 3) == [0.5, 0.5, 0.5, 0.5])
        // A zero row with eps > 0 stays zero.
        #expect(Reference.rmsnorm([0, 0], weight: [1, 1], rows: 1, cols: 2, eps: 1e-6) == [0, 0])
    }

    @Test("silu at known points and limits")
    func silu() {
        let y = Reference.silu([0, 100, 1, -1, -100, -.infinity, .infinity, .nan])
        #expect(y[0] == 0)
        #expect(y[1] == 100)
        #expect(abs(y[2] - 0.7310585786300049) <= 0.7310585786300049.ulp)
        #expect(abs(y[3] - -0.2689414213699951) <= 0.2689414213699951.ulp)
        #expect(abs(y[4] - -100 * exp(-100.0)) <= 1e-55)
        #expect(y[5] == 0 && y[5].sign == .minus)
        #expect(y[6] == .infinity)
        #expect(y[7].isNaN)
    }
}
