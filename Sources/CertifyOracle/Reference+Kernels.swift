#if canImport(Glibc)
import Glibc
#endif

/// The fp64 references of the kernels beyond GEMM, softmax, RMSNorm and SiLU (Reference.swift).
/// Where a tolerance needs an intermediate of the computation (an angle, a row's statistics, the
/// attention probabilities), the reference hands it to a visitor, so the oracle's arithmetic is
/// written once and the bounds are computed from exactly the values it used.
extension Reference {
    /// Statistics of one LayerNorm row: its mean, biased variance, 1/√(var + eps) and mean |x|.
    package struct RowStatistics: Sendable {
        package var mean: Double
        package var variance: Double
        package var reciprocalDeviation: Double
        package var meanMagnitude: Double
    }

    /// LayerNorm of each row: (x − mean)/√(var + eps)·γ + β with the biased (1/c) variance;
    /// `visit` receives every row's statistics.
    package static func layernorm(
        _ x: [Double], gamma: [Double], beta: [Double], rows: Int, cols: Int, eps: Double,
        visit: (_ row: Int, RowStatistics) -> Void = { _, _ in }
    ) -> [Double] {
        var y = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            let row = x[r * cols..<(r + 1) * cols]
            let n = Double(cols)
            let mean = row.reduce(0, +) / n
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let rstd = 1 / (variance + eps).squareRoot()
            for (c, value) in row.enumerated() { y[r * cols + c] = (value - mean) * rstd * gamma[c] + beta[c] }
            visit(r, RowStatistics(mean: mean, variance: variance, reciprocalDeviation: rstd, meanMagnitude: row.reduce(0) { $0 + abs($1) } / n))
        }
        return y
    }

    /// SwiGLU as ChatGLM lays it out: y[r, c] = silu(x[r, c]) · x[r, cols + c] over rows of 2·cols.
    package static func swiglu(_ x: [Double], rows: Int, cols: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                y[r * cols + c] = silu([x[r * 2 * cols + c]])[0] * x[r * 2 * cols + cols + c]
            }
        }
        return y
    }

    /// GELU, erf form: x/2·(1 + erf(x/√2)).
    package static func geluErf(_ x: Double) -> Double {
        x / 2 * (1 + erf(x / 2.0.squareRoot()))
    }

    /// The inner argument of the tanh approximation, √(2/π)·(x + 0.044715·x³).
    package static func geluTanhArgument(_ x: Double) -> Double {
        (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)
    }

    /// GELU, tanh approximation: x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    package static func geluTanh(_ x: Double) -> Double {
        x / 2 * (1 + tanh(geluTanhArgument(x)))
    }

    /// One rotated pair of RoPE: the indices of (x₀, x₁) in the tensor and the angle they turned by.
    package struct RotatedPair: Sendable {
        package var first: Int
        package var second: Int
        package var angle: Double
    }

    /// RoPE as ChatGLM2/3 applies it (certify_backend.h): the first `rot` dims of each head of
    /// X[t×h×d] rotate in adjacent pairs by (offset + token)·base^(−2q/rot); the rest are copied.
    /// `visit` receives every rotated pair.
    package static func rope(
        _ x: [Double], tokens: Int, heads: Int, dim: Int, rot: Int, base: Double, offset: Double,
        visit: (RotatedPair) -> Void = { _ in }
    ) -> [Double] {
        var y = x
        for t in 0..<tokens {
            let position = offset + Double(t)
            for h in 0..<heads {
                let start = (t * heads + h) * dim
                for q in 0..<rot / 2 {
                    let theta = position * pow(base, -2 * Double(q) / Double(rot))
                    let (c, s) = (cos(theta), sin(theta))
                    let (i0, i1) = (start + 2 * q, start + 2 * q + 1)
                    y[i0] = x[i0] * c - x[i1] * s
                    y[i1] = x[i1] * c + x[i0] * s
                    visit(RotatedPair(first: i0, second: i1, angle: theta))
                }
            }
        }
        return y
    }

    /// What attention computed for one query row of one head: its scaled scores over the visible
    /// keys, the scale of each score's error bound (Σ_e |q_e k_e|·|scale|), the probabilities, and
    /// where its value rows and output row lie.
    package struct AttentionRow: Sendable {
        package var scores: [Double]
        package var scoreMagnitudes: [Double]
        package var probabilities: [Double]
        /// Offset of key/value row j of this head's group: valueRow(j) = (j·groups + group)·dim.
        package var group: Int
        package var outputRow: Int
    }

    /// Causal multi-query attention (certify_backend.h): O[q×h×d] from Q[q×h×d], K and V [kv×g×d];
    /// query i sees keys 0…i + (kv − q); head j reads group j/(h/g). `visit` receives every row,
    /// in no promised order.
    ///
    /// With `.blas` each head's scores Q·Kᵀ, their magnitudes |Q|·|K|ᵀ and the output P·V are
    /// `cblas_dgemm` products over blocks of query rows, each block up to the keys its last row
    /// sees (the probabilities of keys a row does not see are exact zeros). Non-finite values
    /// would turn those zeros into NaN, so V holding one takes the `.loops` path.
    package static func attention(
        q: [Double], k: [Double], v: [Double], queries: Int, keys: Int, heads: Int, groups: Int, dim: Int, scale: Double,
        products: Products = .blas, visit: (AttentionRow) -> Void = { _ in }
    ) -> [Double] {
        precondition(queries >= 0 && keys >= 0 && dim >= 0 && groups > 0 && heads % groups == 0, "attention shape")
        precondition(q.count == queries * heads * dim && k.count == keys * groups * dim && v.count == k.count, "attention tensors")
        if products == .loops || !v.allSatisfy(\.isFinite) {
            return loopAttention(q: q, k: k, v: v, queries: queries, keys: keys, heads: heads, groups: groups, dim: dim, scale: scale, visit: visit)
        }
        var output = [Double](repeating: 0, count: queries * heads * dim)
        let perGroup = heads / groups
        let (qMagnitudes, kMagnitudes) = (q.map(\.magnitude), k.map(\.magnitude))
        func visible(_ i: Int) -> Int { Swift.min(keys, Swift.max(0, i + (keys - queries) + 1)) }
        for h in 0..<heads {
            let group = h / perGroup
            for first in stride(from: 0, to: queries, by: attentionBlock) {
                let rows = Swift.min(attentionBlock, queries - first)
                let width = visible(first + rows - 1)
                var dots = [Double](repeating: 0, count: rows * width)
                var magnitudes = dots
                var p = dots
                // Q's rows of head h start at (i·heads + h)·dim, K's and V's of the group at (j·groups + group)·dim.
                let (qStart, kStart) = ((first * heads + h) * dim, group * dim)
                slicedProduct(q, qStart, lda: heads * dim, k, kStart, ldb: groups * dim, transposeB: true, rows, width, dim, into: &dots, 0, ldc: width)
                slicedProduct(
                    qMagnitudes, qStart, lda: heads * dim, kMagnitudes, kStart, ldb: groups * dim, transposeB: true, rows, width, dim,
                    into: &magnitudes, 0, ldc: width)
                var visited: [AttentionRow] = []
                for r in 0..<rows {
                    let seen = visible(first + r)
                    let scores = (0..<seen).map { dots[r * width + $0] * scale }
                    let probabilities = softmax(scores, rows: 1, cols: seen)
                    for j in 0..<seen { p[r * width + j] = probabilities[j] }
                    visited.append(
                        AttentionRow(
                            scores: scores, scoreMagnitudes: (0..<seen).map { magnitudes[r * width + $0] * abs(scale) },
                            probabilities: probabilities, group: group, outputRow: ((first + r) * heads + h) * dim))
                }
                slicedProduct(p, 0, lda: width, v, kStart, ldb: groups * dim, transposeB: false, rows, dim, width, into: &output, qStart, ldc: heads * dim)
                visited.forEach(visit)
            }
        }
        return output
    }

    /// Query rows whose attention products are formed together: the keys past a row's causal
    /// limit are computed and dropped, so blocks keep that waste to a block's width of keys.
    private static let attentionBlock = 64

    /// C = A·B (or A·Bᵀ) on slices of arrays: each operand from an element offset with its row stride.
    private static func slicedProduct(
        _ a: [Double], _ aStart: Int, lda: Int, _ b: [Double], _ bStart: Int, ldb: Int, transposeB: Bool,
        _ m: Int, _ n: Int, _ k: Int, into c: inout [Double], _ cStart: Int, ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    BLAS.gemm(
                        m: m, n: n, k: k, a: a + aStart, lda: lda, b: b + bStart, ldb: ldb, transposeB: transposeB,
                        c: c + cStart, ldc: ldc)
                }
            }
        }
    }

    /// The attention of `.loops`: every dot product a Swift loop in index order.
    private static func loopAttention(
        q: [Double], k: [Double], v: [Double], queries: Int, keys: Int, heads: Int, groups: Int, dim: Int, scale: Double,
        visit: (AttentionRow) -> Void
    ) -> [Double] {
        var output = [Double](repeating: 0, count: queries * heads * dim)
        let perGroup = heads / groups
        for i in 0..<queries {
            let visible = Swift.min(keys, Swift.max(0, i + (keys - queries) + 1))
            for h in 0..<heads {
                let group = h / perGroup
                let qRow = (i * heads + h) * dim
                var scores = [Double](repeating: 0, count: visible)
                var magnitudes = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    let kRow = (j * groups + group) * dim
                    var dot = 0.0
                    var magnitude = 0.0
                    for e in 0..<dim {
                        dot += q[qRow + e] * k[kRow + e]
                        magnitude += abs(q[qRow + e] * k[kRow + e])
                    }
                    scores[j] = dot * scale
                    magnitudes[j] = magnitude * abs(scale)
                }
                let p = softmax(scores, rows: 1, cols: visible)
                for e in 0..<dim {
                    var value = 0.0
                    for j in 0..<visible { value += p[j] * v[(j * groups + group) * dim + e] }
                    output[qRow + e] = value
                }
                visit(AttentionRow(scores: scores, scoreMagnitudes: magnitudes, probabilities: p, group: group, outputRow: qRow))
            }
        }
        return output
    }

    /// Rows of E[v×w] gathered by `ids` (whole numbers in [0, v)).
    package static func embedding(table: [Double], ids: [Double], width: Int) -> [Double] {
        var y = [Double](repeating: 0, count: ids.count * width)
        for (i, id) in ids.enumerated() {
            let row = Int(id)
            for j in 0..<width { y[i * width + j] = table[row * width + j] }
        }
        return y
    }

    /// Indices of row `row` of X[·×cols] from largest to smallest in the ABI's order: NaN first
    /// (the first NaN first), ties by lower index.
    package static func ranked(row: Int, _ x: [Double], cols: Int) -> [Int] {
        (0..<cols).sorted { a, b in
            let (va, vb) = (x[row * cols + a], x[row * cols + b])
            if va.isNaN || vb.isNaN { return va.isNaN && (!vb.isNaN || a < b) }
            return va != vb ? va > vb : a < b
        }
    }

    /// Σ of each row and Σ|x| of each row (the scale of the sum's error bound); an empty row sums to 0.
    package static func rowSums(_ x: [Double], rows: Int, cols: Int) -> (sums: [Double], magnitudes: [Double]) {
        let sums = (0..<rows).map { r in x[r * cols..<(r + 1) * cols].reduce(0, +) }
        let magnitudes = (0..<rows).map { r in x[r * cols..<(r + 1) * cols].reduce(0) { $0 + abs($1) } }
        return (sums, magnitudes)
    }

    /// The maximum of each row: NaN when the row holds one, −∞ for an empty row.
    package static func rowMaxima(_ x: [Double], rows: Int, cols: Int) -> [Double] {
        (0..<rows).map { r in
            let row = x[r * cols..<(r + 1) * cols]
            if row.contains(where: \.isNaN) { return .nan }
            return row.max() ?? -.infinity
        }
    }
}
