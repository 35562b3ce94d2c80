#if canImport(Glibc)
import Glibc
#endif

import CertifyBattery
import CertifyNumerics
import Dispatch

/// A matrix held as the storage bytes a backend receives (row-major, little-endian), so that a
/// true-width layer costs its storage size, not eight bytes an element.
package struct StoredMatrix: Sendable {
    package let rows: Int
    package let cols: Int
    package let type: DType
    package let bytes: [UInt8]

    /// Rows `range` as fp64 values (exact: every stored value is one).
    package func values(rows range: Range<Int>) -> [Double] {
        let size = type.byteSize * cols
        return bytes.withUnsafeBytes { raw in
            type.decode(UnsafeRawBufferPointer(rebasing: raw[range.lowerBound * size..<range.upperBound * size]))
        }
    }
}

/// The seeded synthetic weights and prompt of a `DecoderShape`, every value representable in the
/// model's dtype and none subnormal (a profile that flushes them must not change the weights).
///
/// Each tensor is drawn from its own stream of the run's seed ("model-check.<tensor>"), uniform
/// with the variance that keeps activations of order one through the layer: a projection over K
/// inputs has weights of variance 1/K, the LM head 16/K so that the logits spread over a few units
/// as a trained model's do, the norms' weights lie in [0.5, 1.5] and the QKV bias in [−0.5, 0.5].
package struct DecoderWeights: Sendable {
    package struct Layer: Sendable {
        package let inputNorm: [Double]
        package let qkv: StoredMatrix
        package let qkvBias: [Double]
        package let dense: StoredMatrix
        package let postNorm: [Double]
        package let gateUp: StoredMatrix
        package let down: StoredMatrix
    }

    package let shape: DecoderShape
    package let type: DType
    package let embedding: StoredMatrix
    package let layers: [Layer]
    package let finalNorm: [Double]
    package let lmHead: StoredMatrix
    package let prompt: [Int]

    package init(shape: DecoderShape, type: DType, seed: UInt64) {
        (self.shape, self.type) = (shape, type)
        func stream(_ name: String) -> SeededGenerator { SeededGenerator(seed: seed, stream: "model-check.\(name)") }
        // Uniform in [−b, b] has variance b²/3: a projection over K inputs with variance gain²/K.
        func projection(_ k: Int, gain: Double = 1) -> Double { gain * (3 / Double(max(k, 1))).squareRoot() }
        func matrix(_ name: String, rows: Int, cols: Int, bound: Double) -> StoredMatrix {
            let rowBytes = type.byteSize * cols
            var bytes = [UInt8](repeating: 0, count: rowBytes * rows)
            // Blocks of rows, each drawn from a stream of its own, so that they are drawn on every
            // core and the values do not depend on how many there are.
            let block = max(1, (1 << 20) / max(cols, 1))
            let blocks = (rows + block - 1) / block
            bytes.withUnsafeMutableBytes { raw in
                let base = UncheckedPointer(raw.baseAddress?.assumingMemoryBound(to: UInt8.self))
                DispatchQueue.concurrentPerform(iterations: blocks) { index in
                    var generator = SeededGenerator(seed: seed, stream: "model-check.\(name).block\(index)")
                    let first = index * block
                    let count = min(block, rows - first) * cols
                    let encoded = type.encodeRounded((0..<count).map { _ in generator.uniform(-bound, bound) }, flushingSubnormals: true)
                    encoded.withUnsafeBytes { (base.pointer! + first * rowBytes).update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: $0.count) }
                }
            }
            return StoredMatrix(rows: rows, cols: cols, type: type, bytes: bytes)
        }
        func vector(_ name: String, count: Int, _ lo: Double, _ hi: Double) -> [Double] {
            var generator = stream(name)
            return type.decode(type.encodeRounded((0..<count).map { _ in generator.uniform(lo, hi) }, flushingSubnormals: true))
        }
        let (h, f) = (shape.hidden, shape.ffn)
        // The table's rows are activations, not a projection: uniform in [−1, 1].
        embedding = matrix("embedding", rows: shape.vocabulary, cols: h, bound: 1)
        layers = (0..<shape.layers).map { index in
            let name = "layer\(index)"
            return Layer(
                inputNorm: vector("\(name).input-norm", count: h, 0.5, 1.5),
                qkv: matrix("\(name).qkv", rows: h, cols: shape.qkvColumns, bound: projection(h)),
                qkvBias: vector("\(name).qkv-bias", count: shape.qkvColumns, -0.5, 0.5),
                dense: matrix("\(name).dense", rows: shape.heads * shape.headDim, cols: h, bound: projection(shape.heads * shape.headDim)),
                postNorm: vector("\(name).post-norm", count: h, 0.5, 1.5),
                gateUp: matrix("\(name).gate-up", rows: h, cols: 2 * f, bound: projection(h)),
                down: matrix("\(name).down", rows: f, cols: h, bound: projection(f)))
        }
        finalNorm = vector("final-norm", count: h, 0.5, 1.5)
        lmHead = matrix("lm-head", rows: h, cols: shape.vocabulary, bound: projection(h, gain: 4))
        var generator = stream("prompt")
        prompt = (0..<shape.prompt).map { _ in generator.integer(0, shape.vocabulary - 1) }
    }
}

/// The kernels a decoder forward pass calls, on fp64 values that are representable in the model's
/// dtype: the fp64 oracle implements them exactly or with each output rounded to the dtype, a
/// backend session through the backend's own kernels.
package protocol DecoderKernels: AnyObject {
    func embedding(_ table: StoredMatrix, ids: [Int]) throws -> [Double]
    func rmsnorm(_ x: [Double], weight: [Double], rows: Int, eps: Double) throws -> [Double]
    /// x[rows×K] · W[K×N].
    func linear(_ x: [Double], rows: Int, weight: StoredMatrix) throws -> [Double]
    func add(_ a: [Double], _ b: [Double]) throws -> [Double]
    func rope(_ x: [Double], tokens: Int, heads: Int, dim: Int, rot: Int, base: Double, offset: Int) throws -> [Double]
    func attention(
        q: [Double], k: [Double], v: [Double], queries: Int, keys: Int, heads: Int, groups: Int, dim: Int, scale: Double
    ) throws -> [Double]
    func swiglu(_ x: [Double], rows: Int, cols: Int) throws -> [Double]
    func argmax(_ x: [Double], rows: Int, cols: Int) throws -> [Int]
    /// x[rows×c] + bias[c] on every row (the QKV bias).
    func addBias(_ x: [Double], bias: [Double], rows: Int) throws -> [Double]
}

extension DecoderKernels {
    /// The bias repeated over rows, then one ADD: the same sums as a broadcast add.
    package func addBias(_ x: [Double], bias: [Double], rows: Int) throws -> [Double] {
        try add(x, Array((0..<rows).map { _ in bias }.joined()))
    }
}

/// A GLM decoder's forward pass over a KV cache, written once for every `DecoderKernels`: the
/// oracle's and the backend's runs chain the same kernels in the same order on the same tensors.
/// Between kernels there is only data movement (splitting the fused QKV, appending to the cache,
/// repeating the bias over rows where the backend has no broadcast add), no arithmetic.
package struct DecoderPass {
    package let weights: DecoderWeights
    /// Per layer, the keys (after RoPE) and values of every token so far, [tokens × g × d].
    private var keys: [[Double]]
    private var values: [[Double]]
    /// Tokens consumed so far: the position of the next one.
    package private(set) var position = 0

    package init(_ weights: DecoderWeights) {
        self.weights = weights
        keys = Array(repeating: [], count: weights.shape.layers)
        values = keys
    }

    /// Runs `tokens` at the next positions and returns the logits of each, [tokens × vocabulary].
    package mutating func forward(_ tokens: [Int], on kernels: some DecoderKernels) throws -> [Double] {
        let s = weights.shape
        let (t, h, d) = (tokens.count, s.hidden, s.headDim)
        let (queryWidth, groupWidth) = (s.heads * d, s.kvGroups * d)
        var x = try kernels.embedding(weights.embedding, ids: tokens)
        for (index, layer) in weights.layers.enumerated() {
            let normed = try kernels.rmsnorm(x, weight: layer.inputNorm, rows: t, eps: s.eps)
            let projected = try kernels.linear(normed, rows: t, weight: layer.qkv)
            let qkv = try kernels.addBias(projected, bias: layer.qkvBias, rows: t)
            var (q, k, v) = ([Double](), [Double](), [Double]())
            for row in 0..<t {
                let start = row * s.qkvColumns
                q += qkv[start..<start + queryWidth]
                k += qkv[start + queryWidth..<start + queryWidth + groupWidth]
                v += qkv[start + queryWidth + groupWidth..<start + s.qkvColumns]
            }
            let rq = try kernels.rope(q, tokens: t, heads: s.heads, dim: d, rot: s.rotary, base: s.ropeBase, offset: position)
            let rk = try kernels.rope(k, tokens: t, heads: s.kvGroups, dim: d, rot: s.rotary, base: s.ropeBase, offset: position)
            keys[index] += rk
            values[index] += v
            let attended = try kernels.attention(
                q: rq, k: keys[index], v: values[index], queries: t, keys: position + t, heads: s.heads, groups: s.kvGroups,
                dim: d, scale: 1 / Double(d).squareRoot())
            x = try kernels.add(x, try kernels.linear(attended, rows: t, weight: layer.dense))
            let normed2 = try kernels.rmsnorm(x, weight: layer.postNorm, rows: t, eps: s.eps)
            let gated = try kernels.swiglu(try kernels.linear(normed2, rows: t, weight: layer.gateUp), rows: t, cols: s.ffn)
            x = try kernels.add(x, try kernels.linear(gated, rows: t, weight: layer.down))
        }
        precondition(x.count == t * h, "the residual stream lost its shape")
        position += t
        return try kernels.linear(try kernels.rmsnorm(x, weight: weights.finalNorm, rows: t, eps: s.eps), rows: t, weight: weights.lmHead)
    }
}

/// The decoder's kernels on the fp64 oracle: exact, or (`rounding`) with every kernel's output
/// rounded to the storage dtype as the declared numerics round it, the error a correct backend
/// cannot avoid by any accumulation.
package final class OracleDecoderKernels: DecoderKernels {
    package struct Rounding: Sendable {
        package var type: DType
        package var mode: RoundingMode
        package var flushesSubnormals: Bool

        package init(type: DType, mode: RoundingMode, flushesSubnormals: Bool) {
            (self.type, self.mode, self.flushesSubnormals) = (type, mode, flushesSubnormals)
        }
    }

    let rounding: Rounding?

    package init(rounding: Rounding? = nil) {
        self.rounding = rounding
    }

    private func stored(_ values: [Double]) -> [Double] {
        guard let rounding else { return values }
        return values.map { rounding.type.round($0, mode: rounding.mode, flushSubnormals: rounding.flushesSubnormals) }
    }

    package func embedding(_ table: StoredMatrix, ids: [Int]) -> [Double] {
        stored(ids.flatMap { table.values(rows: $0..<$0 + 1) })
    }

    package func rmsnorm(_ x: [Double], weight: [Double], rows: Int, eps: Double) -> [Double] {
        stored(Reference.rmsnorm(x, weight: weight, rows: rows, cols: weight.count, eps: eps))
    }

    /// x·W with W decoded a block of rows at a time and added by `cblas_dgemm` (β = 1): the whole
    /// matrix is never held in fp64.
    package func linear(_ x: [Double], rows: Int, weight: StoredMatrix) -> [Double] {
        let (k, n) = (weight.rows, weight.cols)
        precondition(x.count == rows * k, "x has \(x.count) elements, expected \(rows)×\(k)")
        var c = [Double](repeating: 0, count: rows * n)
        let block = max(1, (1 << 21) / max(n, 1))
        x.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                for first in stride(from: 0, to: k, by: block) {
                    let count = min(block, k - first)
                    let panel = weight.values(rows: first..<first + count)
                    panel.withUnsafeBufferPointer { b in
                        BLAS.gemm(
                            m: rows, n: n, k: count, a: a.baseAddress! + first, lda: k, b: b.baseAddress!, ldb: n,
                            c: c.baseAddress!, ldc: n, beta: 1)
                    }
                }
            }
        }
        return stored(c)
    }

    package func add(_ a: [Double], _ b: [Double]) -> [Double] {
        stored(zip(a, b).map { $0 + $1 })
    }

    package func rope(_ x: [Double], tokens: Int, heads: Int, dim: Int, rot: Int, base: Double, offset: Int) -> [Double] {
        stored(Reference.rope(x, tokens: tokens, heads: heads, dim: dim, rot: rot, base: base, offset: Double(offset)))
    }

    package func attention(
        q: [Double], k: [Double], v: [Double], queries: Int, keys: Int, heads: Int, groups: Int, dim: Int, scale: Double
    ) -> [Double] {
        stored(
            Reference.attention(q: q, k: k, v: v, queries: queries, keys: keys, heads: heads, groups: groups, dim: dim, scale: scale))
    }

    package func swiglu(_ x: [Double], rows: Int, cols: Int) -> [Double] {
        stored(Reference.swiglu(x, rows: rows, cols: cols))
    }

    package func argmax(_ x: [Double], rows: Int, cols: Int) -> [Int] {
        (0..<rows).map { row in DecoderComparison.topTwo(x[row * cols..<(row + 1) * cols]).first }
    }
}

/// The model-level check's figures: each position's logits from the backend against the fp64
/// model's, and the limits they are held to, derived from the same model with every kernel's
/// output rounded to the storage dtype (BATTERY.md, "The model-level check").
package enum DecoderComparison {
    /// How far a correct backend may stray from the fp64 model, as a multiple of what rounding
    /// every kernel's output to the storage dtype alone costs (BATTERY.md derives it): a backend's
    /// roundings fall on other values than the emulation's, so its error is another draw of the
    /// same size, and its accumulation and transcendentals add at most as much again.
    package static let logitFactor = 4.0

    /// The index of the largest entry (the first of equals) and its lead over the runner-up.
    package static func topTwo(_ row: ArraySlice<Double>) -> (first: Int, margin: Double) {
        var (best, bestValue, second) = (row.startIndex, -Double.infinity, -Double.infinity)
        for index in row.indices {
            let value = row[index]
            if value > bestValue {
                (second, best, bestValue) = (bestValue, index, value)
            } else if value > second {
                second = value
            }
        }
        return (best - row.startIndex, bestValue - second)
    }

    /// max |a − b| over a row, and KL(softmax(exact) ‖ softmax(other)); NaN when `other` holds a
    /// value that is not finite.
    package static func divergence(exact: ArraySlice<Double>, other: ArraySlice<Double>) -> (maxError: Double, kl: Double) {
        guard other.allSatisfy(\.isFinite) else { return (.nan, .nan) }
        var maxError = 0.0
        for (a, b) in zip(exact, other) { maxError = max(maxError, abs(a - b)) }
        func logSumExp(_ row: ArraySlice<Double>) -> Double {
            let top = row.max() ?? 0
            return top + log(row.reduce(0) { $0 + exp($1 - top) })
        }
        let (lp, lq) = (logSumExp(exact), logSumExp(other))
        var kl = 0.0
        for (a, b) in zip(exact, other) {
            let logP = a - lp
            kl += exp(logP) * (logP - (b - lq))
        }
        return (maxError, max(kl, 0))
    }

    /// The limits for logits whose largest magnitude is `largestLogit`, given what the rounded
    /// model strayed by at every position compared (`rounded`): `logitFactor` times its worst logit error and the factor's square times its
    /// worst KL divergence, each widened by `accumulationFactor`. Neither falls below what rounding
    /// the logits alone would cost, `logitFactor` times half an ulp u of the largest logit, and for
    /// the divergence its square times u²/8 (KL ≈ ½·Var_p(δ) with |δ| ≤ u/2), so a model whose
    /// roundings happen to land exactly does not get a zero limit.
    package static func limits(
        largestLogit: Double, rounded: [ModelCheckStep], type: DType, accumulation: DType, longestSum: Int
    ) -> (logit: Double, kl: Double) {
        let ulp = type.ulp(at: largestLogit)
        let widen = accumulationFactor(type: type, accumulation: accumulation, longestSum: longestSum)
        let logit = logitFactor * max(widen * (rounded.map(\.roundedMaxLogitError).max() ?? 0), ulp / 2)
        let kl = logitFactor * logitFactor * max(widen * widen * (rounded.map(\.roundedKLDivergence).max() ?? 0), ulp * ulp / 8)
        return (logit, kl)
    }

    /// How much a correct backend's sums may add to the rounded model's error: the rounded model
    /// rounds each kernel's output once (relative u_storage), a backend also accumulates its
    /// longest dot product of K terms in the declared accumulation type, which adds about
    /// √K·u_acc relative (a random walk of K roundings). So the figures scale by
    /// 1 + √K·u_acc/u_storage: 1.002 for bf16 with fp32 sums (K = 13696), 118 for an fp32 model
    /// or fp16 sums, whose accumulation error the output rounding no longer hides.
    package static func accumulationFactor(type: DType, accumulation: DType, longestSum: Int) -> Double {
        1 + Double(max(longestSum, 1)).squareRoot() * accumulation.unitRoundoff / type.unitRoundoff
    }
}
