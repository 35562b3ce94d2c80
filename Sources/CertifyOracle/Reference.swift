#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Synchronization

/// fp64 reference kernels: the oracle backend outputs are compared against.
///
/// Tensors are dense and row-major. Inputs should already be rounded to the case dtype, so the
/// oracle sees exactly what the backend received. Accumulation is in fp64; the matrix products
/// are OpenBLAS's (`Products`), every other sum runs in index order.
package enum Reference {
    /// How the oracle forms its matrix products (GEMM and attention's two products per head).
    package enum Products: Sendable, CaseIterable {
        /// `cblas_dgemm` on OpenBLAS, on every core: the oracle certify runs.
        case blas
        /// Swift loops on one thread, each sum in ascending index order: the oracle as it was
        /// before OpenBLAS, kept to check the BLAS path against.
        case loops
    }

    /// The threads OpenBLAS runs the oracle's products on: every core the host has
    /// (`ProcessInfo.activeProcessorCount`). Only certify-oracle-bench changes it, before any
    /// product, to time the oracle on fewer cores.
    package static var threads: Int {
        get { threadSetting.load(ordering: .relaxed) }
        set { threadSetting.store(newValue, ordering: .relaxed) }
    }
    private static let threadSetting = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)

    /// Columns of C handled together, so one tile of C and |C| stays in cache while B streams once.
    private static let columnTile = 256

    /// C[m×n] = A[m×k]·B[k×n], and for each element a scale for its error bound: Σ_k |a_ik·b_kj|,
    /// or (with `.blas`) an upper bound on it, about 3γ_k(2⁻²⁴) above it at most when fp32 holds the
    /// operands as normals (2⁻²² more when it must round them).
    ///
    /// With `.blas` C is a `cblas_dgemm` product, within γ_k·Σ|a·b| of the exact sum as any fp64
    /// summation order is, and the scale is `magnitudeBound`'s (fp32, inflated to an upper bound);
    /// with `.loops` each element of both is accumulated over k in ascending order in fp64.
    /// k = 0 gives zeros.
    package static func gemm(
        a: [Double], b: [Double], m: Int, n: Int, k: Int, products: Products = .blas
    ) -> (c: [Double], absProducts: [Double]) {
        gemm(a: a[...], b: b[...], m: m, n: n, k: k, products: products)
    }

    /// `gemm` on parts of larger arrays (one batch of a batched GEMM), without copying them.
    package static func gemm(
        a: ArraySlice<Double>, b: ArraySlice<Double>, m: Int, n: Int, k: Int, products: Products = .blas
    ) -> (c: [Double], absProducts: [Double]) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM shape \(m)×\(n)×\(k)")
        precondition(a.count == m * k, "A has \(a.count) elements, expected \(m)×\(k)")
        precondition(b.count == k * n, "B has \(b.count) elements, expected \(k)×\(n)")
        switch products {
        case .blas:
            return a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    (product(a, b, m: m, n: n, k: k), magnitudeBound(a, b, m: m, n: n, k: k))
                }
            }
        case .loops:
            return loopGEMM(a: Array(a), b: Array(b), m: m, n: n, k: k)
        }
    }

    /// `gemm` (`.blas`) with B handed over a panel of rows at a time, as it is drawn, and never
    /// held whole: each panel B[r0..<r1, ·] adds A[·, r0..<r1]·B[r0..<r1, ·] to C by `cblas_dgemm`
    /// (β = 1) and |A|·|B| of the panel to the fp32 sums of the bound's scale by `cblas_sgemm`. The
    /// scale is `magnitudeBound`'s, its fp32 sums only parenthesised otherwise, which the bound
    /// (any summation order) allows.
    package final class PanelGEMM {
        let a: [Double]
        let (m, n, k): (Int, Int, Int)
        private var c: [Double]
        private var sums: [Float]
        private let magnitudes: [Float]
        private var rounded: [Float] = []
        /// Rows of B added so far.
        package private(set) var rows = 0

        package init(a: [Double], m: Int, n: Int, k: Int) {
            precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM shape \(m)×\(n)×\(k)")
            precondition(a.count == m * k, "A has \(a.count) elements, expected \(m)×\(k)")
            precondition(k <= Reference.longestFP32Bound, "K = \(k) beyond the fp32 bound's reach")
            (self.a, self.m, self.n, self.k) = (a, m, n, k)
            c = [Double](repeating: 0, count: m * n)
            sums = [Float](repeating: 0, count: m * n)
            magnitudes = a.map(Reference.roundedUp)
        }

        /// Adds the next rows of B, `panel` (whole rows of n, row-major).
        package func add(_ panel: [Double]) {
            precondition(panel.count % Swift.max(n, 1) == 0, "a panel of \(panel.count) elements is not whole rows of \(n)")
            let count = n == 0 ? 0 : panel.count / n
            precondition(rows + count <= k, "more than \(k) rows of B")
            defer { rows += count }
            guard m > 0 && count > 0 else { return }
            if rounded.count < panel.count { rounded = [Float](repeating: 0, count: panel.count) }
            let first = rows
            a.withUnsafeBufferPointer { a in
                magnitudes.withUnsafeBufferPointer { magnitudes in
                    panel.withUnsafeBufferPointer { panel in
                        rounded.withUnsafeMutableBufferPointer { rounded in
                            c.withUnsafeMutableBufferPointer { c in
                                sums.withUnsafeMutableBufferPointer { sums in
                                    BLAS.gemm(
                                        m: m, n: n, k: count, a: a.baseAddress! + first, lda: k, b: panel.baseAddress!, ldb: n,
                                        c: c.baseAddress!, ldc: n, beta: 1)
                                    for i in 0..<panel.count { rounded[i] = Reference.roundedUp(panel[i]) }
                                    BLAS.sgemm(
                                        m: m, n: n, k: count, a: magnitudes.baseAddress! + first, lda: k, b: rounded.baseAddress!,
                                        ldb: n, c: sums.baseAddress!, ldc: n, beta: 1)
                                }
                            }
                        }
                    }
                }
            }
        }

        /// C and the bound's scale once all k rows are in; nil when an fp32 sum overflowed (the
        /// scale must then be formed in fp64 from the whole B, `gemm`).
        package func result() -> (c: [Double], absProducts: [Double])? {
            precondition(rows == k, "\(rows) of \(k) rows of B added")
            guard sums.allSatisfy(\.isFinite) else { return nil }
            return (c, Reference.fp32BoundScale(sums, k: k))
        }
    }

    /// Stops the threads the products ran on, which would otherwise keep a core busy for about
    /// 0.1 s after the last product: the oracle calls it when a case's expectations are done.
    package static func parkThreads() {
        BLAS.park()
    }

    /// C[m×n] = A[m×k]·B[k×n] alone, by `cblas_dgemm`.
    private static func product(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, m: Int, n: Int, k: Int) -> [Double] {
        precondition(a.count == m * k && b.count == k * n, "operands of \(a.count) and \(b.count) elements for \(m)×\(n)×\(k)")
        var c = [Double](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { c in
            guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
            BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n)
        }
        return c
    }

    /// Elements of |B| formed at a time (64 MiB of fp64, 32 MiB of fp32): a whole copy of a large
    /// B costs, in page faults and memory traffic, about as much as the product itself.
    private static let magnitudeBlock = 1 << 23

    /// The longest reduction the fp32 bound is formed for: there γ_k(2⁻²⁴) ≤ ⅓.
    static let longestFP32Bound = 1 << 22

    /// An upper bound on Σ_k |a_ik|·|b_kj| for each element, from one `cblas_sgemm` (twice the
    /// speed of fp64) of |A| and |B| rounded up to fp32 normals.
    ///
    /// Operands rounded up make every fp32 term at least the exact one. Their products summed in
    /// fp32 in any order (FMA or not) lose at most a relative γ_k(u), u = 2⁻²⁴, of the exact sum S of
    /// the rounded terms (Higham §3.1), and less than an absolute 2⁻¹²⁶ per multiplication and per
    /// addition to underflow, flush-to-zero included: S ≤ (Ŝ + k·2⁻¹²⁵)/(1 − γ_k) ≤
    /// (Ŝ + k·2⁻¹²⁵)(1 + 2γ_k) as γ_k ≤ ⅓. The bound is formed in fp64 as
    /// Ŝ·(1 + 2γ_k + 2⁻⁴⁹) + k·2⁻¹²⁴ (1 + 2γ_k ≤ 2), the 2⁻⁴⁹ and the slack in the underflow term
    /// covering its own two roundings. When an operand is not finite or beyond fp32's range, or
    /// any fp32 sum overflows, every element is formed in fp64 instead (`magnitudeProduct`), as it
    /// is when k is beyond `longestFP32Bound`.
    private static func magnitudeBound(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, m: Int, n: Int, k: Int) -> [Double] {
        guard m > 0 && n > 0 && k > 0 else { return [Double](repeating: 0, count: m * n) }
        guard k <= longestFP32Bound else { return magnitudeProduct(a, b, m: m, n: n, k: k) }
        let magnitudes = [Float](unsafeUninitializedCapacity: m * k) { buffer, count in
            for i in 0..<m * k { buffer[i] = roundedUp(a[i]) }
            count = m * k
        }
        var sums = [Float](repeating: 0, count: m * n)
        let width = Swift.max(1, Swift.min(n, magnitudeBlock / k))
        var block = [Float](repeating: 0, count: k * width)
        magnitudes.withUnsafeBufferPointer { a in
            block.withUnsafeMutableBufferPointer { block in
                sums.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let block = block.baseAddress, let c = c.baseAddress else { return }
                    for first in stride(from: 0, to: n, by: width) {
                        let columns = Swift.min(width, n - first)
                        for p in 0..<k {
                            let row = b.baseAddress! + p * n + first
                            for j in 0..<columns { block[p * columns + j] = roundedUp(row[j]) }
                        }
                        BLAS.sgemm(m: m, n: columns, k: k, a: a, lda: k, b: block, ldb: columns, c: c + first, ldc: n)
                    }
                }
            }
        }
        guard sums.allSatisfy(\.isFinite) else { return magnitudeProduct(a, b, m: m, n: n, k: k) }
        return fp32BoundScale(sums, k: k)
    }

    /// The upper bound on Σ_k |a_ik|·|b_kj| from its fp32 sums Ŝ, as `magnitudeBound` derives it.
    static func fp32BoundScale(_ sums: [Float], k: Int) -> [Double] {
        let factor = 1 + 2 * ErrorBound.gamma(k, unitRoundoff: 0x1p-24) + 0x1p-49
        let underflow = Double(k) * 0x1p-124
        return sums.map { Double($0) * factor + underflow }
    }

    /// |x| rounded up to a Float that is zero or normal: at least |x| (+inf beyond fp32's range,
    /// NaN for NaN), and never subnormal, so that no denormals-are-zero mode can drop it.
    @inline(__always)
    static func roundedUp(_ x: Double) -> Float {
        let magnitude = x.magnitude
        var rounded = Float(magnitude)
        if Double(rounded) < magnitude { rounded = rounded.nextUp }
        return rounded != 0 && rounded < .leastNormalMagnitude ? .leastNormalMagnitude : rounded
    }

    /// |A|·|B| by `cblas_dgemm`, |B| formed a block of columns at a time in one reused buffer: the
    /// bound's scale when fp32 cannot hold it.
    private static func magnitudeProduct(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, m: Int, n: Int, k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        let magnitudes = a.map(\.magnitude)
        let width = Swift.max(1, Swift.min(n, magnitudeBlock / Swift.max(k, 1)))
        var block = [Double](repeating: 0, count: k * width)
        magnitudes.withUnsafeBufferPointer { a in
            block.withUnsafeMutableBufferPointer { block in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let block = block.baseAddress, let c = c.baseAddress else {
                        return
                    }
                    for first in stride(from: 0, to: n, by: width) {
                        let columns = Swift.min(width, n - first)
                        for p in 0..<k {
                            for j in 0..<columns { block[p * columns + j] = b[p * n + first + j].magnitude }
                        }
                        BLAS.gemm(m: m, n: columns, k: k, a: a, lda: k, b: block, ldb: columns, c: c + first, ldc: n)
                    }
                }
            }
        }
        return c
    }

    /// The GEMM of `.loops`: i-k-j order, tiled over j.
    private static func loopGEMM(a: [Double], b: [Double], m: Int, n: Int, k: Int) -> (c: [Double], absProducts: [Double]) {
        var c = [Double](repeating: 0, count: m * n)
        var absProducts = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    absProducts.withUnsafeMutableBufferPointer { absProducts in
                        for j0 in stride(from: 0, to: n, by: columnTile) {
                            let j1 = Swift.min(j0 + columnTile, n)
                            for p in 0..<k {
                                let bRow = p * n
                                for i in 0..<m {
                                    let aip = a[i * k + p]
                                    let absAip = aip.magnitude
                                    let cRow = i * n
                                    for j in j0..<j1 {
                                        let bpj = b[bRow + j]
                                        c[cRow + j] += aip * bpj
                                        absProducts[cRow + j] += absAip * bpj.magnitude
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (c, absProducts)
    }

    /// Softmax of each row, exp(x − max)/Σ exp(x − max), in fp64.
    ///
    /// Edge cases, chosen to be the limits where they exist and NaN where they don't:
    /// - a row containing NaN is all NaN;
    /// - a row of all −inf (a fully masked row) is all NaN, since 0/0 has no limit;
    /// - −inf entries in a row with a finite maximum give exactly 0;
    /// - a row containing +inf is all NaN (inf − inf), as in PyTorch.
    package static func softmax(_ x: [Double], rows: Int, cols: Int) -> [Double] {
        precondition(rows >= 0 && cols >= 0, "negative softmax shape \(rows)×\(cols)")
        precondition(x.count == rows * cols, "x has \(x.count) elements, expected \(rows)×\(cols)")
        var y = [Double](repeating: 0, count: x.count)
        for row in 0..<rows {
            let range = row * cols..<(row + 1) * cols
            var maximum = -Double.infinity
            var hasNaN = false
            for value in x[range] {
                if value.isNaN { hasNaN = true }
                maximum = Swift.max(maximum, value)
            }
            if hasNaN || !maximum.isFinite {
                for index in range { y[index] = .nan }
                continue
            }
            var sum = 0.0
            for index in range {
                let e = exp(x[index] - maximum)
                y[index] = e
                sum += e
            }
            for index in range { y[index] /= sum }
        }
        return y
    }

    /// RMSNorm of each row: y = x / √(mean(x²) + eps) · weight, with weight of length cols.
    package static func rmsnorm(_ x: [Double], weight: [Double], rows: Int, cols: Int, eps: Double) -> [Double] {
        precondition(rows >= 0 && cols >= 0, "negative rmsnorm shape \(rows)×\(cols)")
        precondition(x.count == rows * cols, "x has \(x.count) elements, expected \(rows)×\(cols)")
        precondition(weight.count == cols, "weight has \(weight.count) elements, expected \(cols)")
        var y = [Double](repeating: 0, count: x.count)
        for row in 0..<rows {
            let base = row * cols
            var sumOfSquares = 0.0
            for j in 0..<cols { sumOfSquares += x[base + j] * x[base + j] }
            let rms = (sumOfSquares / Double(cols) + eps).squareRoot()
            for j in 0..<cols { y[base + j] = x[base + j] / rms * weight[j] }
        }
        return y
    }

    /// SiLU (swish), x·σ(x) = x / (1 + e^−x), elementwise.
    ///
    /// silu(+inf) = +inf; silu(−inf) = −0, the limit (x·σ(x) evaluated naively gives NaN there);
    /// NaN stays NaN.
    package static func silu(_ x: [Double]) -> [Double] {
        x.map { value in
            if value == -.infinity { return -0.0 }
            return value / (1 + exp(-value))
        }
    }
}
