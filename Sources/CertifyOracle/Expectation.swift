import CertifyBattery
import CertifyNumerics
import Foundation

/// What the fp64 oracle expects of one output tensor, and how far from it an answer may be.
package struct Expectation: Sendable {
    /// The exact result, rounded to ±Inf where it overflows the output dtype.
    package var values: [Double]
    /// Absolute tolerance per element for each grade.
    package var standard: [Double]
    package var functional: [Double]
    /// The part of both tolerances that is the unavoidable rounding to the output dtype (see
    /// `ToleranceModel.unavoidable`); a tier tightens only what lies above it.
    package var unavoidable: [Double] = []
    /// A second acceptable result per element: the result for subnormal inputs flushed to zero,
    /// when the profile declares flush-to-zero (as the OpenCL CTS accepts either).
    package var alternative: [Double]?

    package init(
        values: [Double], standard: [Double], functional: [Double], unavoidable: [Double] = [], alternative: [Double]? = nil
    ) {
        (self.values, self.standard, self.functional) = (values, standard, functional)
        (self.unavoidable, self.alternative) = (unavoidable, alternative)
    }

    package func tolerance(_ grade: ToleranceGrade) -> [Double] {
        grade == .standard ? standard : functional
    }

    /// The outputs of a batch's sequences, one after another (before `evaluate` adds the
    /// unavoidable part; none has an alternative).
    init(concatenating parts: [Expectation]) {
        self.init(values: parts.flatMap(\.values), standard: parts.flatMap(\.standard), functional: parts.flatMap(\.functional))
    }
}

extension BatteryCase {
    /// The oracle's expectation for every output of the case, computed in fp64 from `inputs`, its
    /// matrix products formed as `products` says (OpenBLAS unless a test asks for the loops).
    package func expectations(
        _ inputs: [[Double]], numerics: DeclaredNumericsModel, products: Reference.Products = .blas
    ) -> [Expectation] {
        // The backend's next timed execute follows: OpenBLAS's threads must not be spinning then.
        defer { Reference.parkThreads() }
        let result = evaluate(inputs, numerics: numerics, products: products)
        guard numerics.flushesSubnormals else { return result }
        let flushed = inputs.enumerated().map { flushingSubnormals($1, input: $0) }
        guard flushed != inputs || pattern == .subnormal else { return result }
        return withAlternative(result, from: evaluate(flushed, numerics: numerics, products: products))
    }

    /// Input `index`'s `values` with every subnormal made a zero of its sign.
    fileprivate func flushingSubnormals(_ values: [Double], input index: Int) -> [Double] {
        inputTypes[index].floatType.map { dtype in values.map { abs($0) < dtype.minNormal ? 0 * $0 : $0 } } ?? values
    }

    /// `result` with each output's alternative: `flushed`'s values (from inputs with their
    /// subnormals flushed), subnormal results flushed too.
    fileprivate func withAlternative(_ result: [Expectation], from flushed: [Expectation]) -> [Expectation] {
        var result = result
        for index in result.indices {
            let dtype = outputTypes[index].floatType
            // The flushed result's own alternative (a limit at −∞) stays acceptable.
            result[index].alternative = (flushed[index].alternative ?? flushed[index].values).map { value in
                guard let dtype, abs(value) < dtype.minNormal else { return value }
                return 0 * value
            }
        }
        return result
    }

    private func evaluate(_ inputs: [[Double]], numerics: DeclaredNumericsModel, products: Reference.Products) -> [Expectation] {
        evaluate(numerics) { oracle(inputs, $0, products) }
    }

    /// The expectations `raw` forms under the tolerance model of `numerics`, their bounds made
    /// consistent and their values rounded where they overflow the output dtype.
    fileprivate func evaluate(_ numerics: DeclaredNumericsModel, _ raw: (ToleranceModel) -> [Expectation]) -> [Expectation] {
        let model = ToleranceModel(for: self, numerics: numerics)
        var outputs = raw(model)
        for index in outputs.indices {
            // A bound computed from non-finite inputs is meaningless: those elements are judged by
            // the IEEE rules for NaN and Inf alone.
            outputs[index].standard = outputs[index].standard.map { $0.isFinite ? $0 : 0 }
            // The functional bound never demands more than the standard one.
            outputs[index].functional = zip(outputs[index].standard, outputs[index].functional).map { standard, functional in
                functional.isFinite ? max(standard, functional) : standard
            }
            // Every tolerance that is not exact ends in the rounding of the exact result to storage
            // (ToleranceModel.final), so that rounding is at most the whole tolerance.
            outputs[index].unavoidable = zip(outputs[index].values, outputs[index].standard).map { value, standard in
                outputTypes[index].floatType == nil ? 0 : min(standard, model.unavoidable(value))
            }
            guard let dtype = outputTypes[index].floatType else { continue }
            outputs[index].values = outputs[index].values.map { value in
                abs(value) > dtype.maxFinite ? dtype.round(value, mode: numerics.rounding) : value
            }
        }
        return outputs
    }

    /// Elementwise kernels: the value, and the absolute bound from (x, y, u) before final rounding.
    private func elementwise(
        _ x: [Double], _ model: ToleranceModel, _ f: (Double) -> Double,
        _ bound: (Double, Double, Double) -> Double
    ) -> Expectation {
        let y = x.map(f)
        func tolerance(_ grade: ToleranceGrade) -> [Double] {
            let u = model.u(grade)
            // At ±∞ the result is exact (±∞, a limit or NaN): no bound grows with |x| there.
            return zip(x, y).map { xi, yi in (xi.isFinite ? bound(xi, yi, u) : 0) + model.final(0, yi) }
        }
        var expectation = Expectation(values: y, standard: tolerance(.standard), functional: tolerance(.functional))
        // At −∞ an activation whose formula is 0·∞ or ∞/∞ there may give its limit (±0) or NaN
        // (certify_backend.h, "Non-finite inputs"): the other convention is the alternative.
        if x.contains(-.infinity) {
            expectation.alternative = zip(x, y).map { xi, yi in xi == -.infinity ? (yi.isNaN ? -0.0 : .nan) : yi }
        }
        return expectation
    }

    fileprivate func exact(_ values: [Double], floor: Double = 0) -> Expectation {
        let zeros = [Double](repeating: floor, count: values.count)
        return Expectation(values: values, standard: zeros, functional: zeros)
    }

    fileprivate func oracle(_ inputs: [[Double]], _ model: ToleranceModel, _ products: Reference.Products) -> [Expectation] {
        let s = shape
        switch kernel {
        case .gemm:
            return [gemm(inputs[0], inputs[1], batches: 1, m: s[0], n: s[1], k: s[2], extra: 0, model, products)]
        case .gemmBatched:
            return [gemm(inputs[0], inputs[1], batches: s[0], m: s[1], n: s[2], k: s[3], extra: 0, model, products)]
        case .gemmW8, .gemmW4:
            let (n, k) = (s[1], s[2])
            var weights = inputs[1]
            for row in 0..<k {
                for column in 0..<n { weights[row * n + column] *= inputs[2][column] }
            }
            return [gemm(inputs[0], weights, batches: 1, m: s[0], n: n, k: k, extra: 1, model, products)]
        case .gemmW4G, .gemmW8G:
            // Ŵ = (W − Z)·S by groups of G rows: the difference exact, one rounding for the scale.
            let (n, k, group) = (s[1], s[2], s[3])
            var weights = inputs[1]
            for row in 0..<k {
                let first = row / group * n
                for column in 0..<n {
                    weights[row * n + column] = (weights[row * n + column] - inputs[3][first + column]) * inputs[2][first + column]
                }
            }
            return [gemm(inputs[0], weights, batches: 1, m: s[0], n: n, k: k, extra: 1, model, products)]
        case .gemmI8:
            // Products of int8 values summed in fp64 are exact (|sum| < 2⁵³) in any order.
            return [exact(Reference.gemm(a: inputs[0], b: inputs[1], m: s[0], n: s[1], k: s[2], products: products).c)]
        case .gemmI8Dequant:
            // The integer sum is exact; its conversion and the two scalings are three roundings.
            let n = s[1]
            let c = Reference.gemm(a: inputs[0], b: inputs[1], m: s[0], n: n, k: s[2], products: products).c
            let y = c.indices.map { c[$0] * inputs[2][$0 / n] * inputs[3][$0 % n] }
            return [relative(y, model) { _, grade in model.gamma(3, grade) }]
        case .softmax:
            return [softmax(inputs, model)]
        case .rmsnorm:
            let y = Reference.rmsnorm(inputs[0], weight: inputs[1], rows: s[0], cols: s[1], eps: scalars[0])
            return [relative(y, model) { u, grade in model.gamma(s[1], grade) / 2 + (ToleranceModel.sqrtULP + 4) * u }]
        case .layernorm:
            return [layernorm(inputs, model)]
        case .silu:
            return [elementwise(inputs[0], model, { Reference.silu([$0])[0] }) { _, y, u in (ToleranceModel.expULP + 2) * u * abs(y) }]
        case .swiglu:
            let y = Reference.swiglu(inputs[0], rows: s[0], cols: s[1])
            return [relative(y, model) { u, _ in (ToleranceModel.expULP + 3) * u }]
        case .geluErf:
            return [
                elementwise(inputs[0], model, Reference.geluErf) { x, y, u in
                    let t = abs(x) / 2.0.squareRoot()
                    return abs(x) / 2 * ((ToleranceModel.erfULP + 1) * u + 1.13 * u * t) + 3 * u * abs(y)
                }
            ]
        case .geluTanh:
            return [
                elementwise(inputs[0], model, Reference.geluTanh) { x, y, u in
                    let z = Reference.geluTanhArgument(x)
                    let sech2 = z.isFinite ? 1 / (cosh(z) * cosh(z)) : 0
                    return abs(x) / 2 * (ToleranceModel.tanhULP * u + 6 * u * abs(z) * sech2 + 2 * u) + 2 * u * abs(y)
                }
            ]
        case .rope:
            return [rope(inputs[0], model)]
        case .attention:
            return [attention(inputs[0], inputs[1], inputs[2], queries: s[0], keys: s[1], heads: s[2], groups: s[3], dim: s[4], model, products)]
        case .attentionVarlen:
            // Each sequence is one ATTENTION on its own rows.
            let (heads, groups, dim) = (s[3], s[4], s[5])
            var (q0, k0) = (0, 0)
            return [
                Expectation(concatenating: sequencePairs.map { q, kv in
                    defer { (q0, k0) = (q0 + q, k0 + kv) }
                    let (queryRows, keyRows) = (q0 * heads * dim..<(q0 + q) * heads * dim, k0 * groups * dim..<(k0 + kv) * groups * dim)
                    return attention(
                        Array(inputs[0][queryRows]), Array(inputs[1][keyRows]), Array(inputs[2][keyRows]), queries: q, keys: kv,
                        heads: heads, groups: groups, dim: dim, model, products)
                })
            ]
        case .attentionPaged:
            // Each sequence's keys gathered from its blocks, then one query over all of them.
            let (heads, groups, dim, blockSize, width) = (s[1], s[2], s[3], s[4], s[6])
            let slot = groups * dim
            return [
                Expectation(concatenating: sequences.enumerated().map { sequence, length in
                    var (keys, values) = ([Double](), [Double]())
                    for position in 0..<length {
                        let block = Int(inputs[3][sequence * width + position / blockSize])
                        let rows = (block * blockSize + position % blockSize) * slot..<(block * blockSize + position % blockSize + 1) * slot
                        keys += inputs[1][rows]
                        values += inputs[2][rows]
                    }
                    let query = Array(inputs[0][sequence * heads * dim..<(sequence + 1) * heads * dim])
                    return attention(
                        query, keys, values, queries: 1, keys: length, heads: heads, groups: groups, dim: dim, model, products)
                })
            ]
        case .embedding:
            return [exact(Reference.embedding(table: inputs[0], ids: inputs[1], width: s[2]))]
        case .argmax:
            return [exact((0..<s[0]).map { Double(Reference.ranked(row: $0, inputs[0], cols: s[1]).first ?? 0) })]
        case .topk:
            var values: [Double] = []
            var indices: [Double] = []
            for row in 0..<s[0] {
                for index in Reference.ranked(row: row, inputs[0], cols: s[1]).prefix(s[2]) {
                    values.append(inputs[0][row * s[1] + index])
                    indices.append(Double(index))
                }
            }
            return [exact(values), exact(indices)]
        case .reduceSum:
            let (sums, magnitudes) = Reference.rowSums(inputs[0], rows: s[0], cols: s[1])
            func tolerance(_ grade: ToleranceGrade) -> [Double] {
                zip(sums, magnitudes).map { y, m in model.gamma(s[1], grade) * (m.isFinite ? m : 0) + model.final(0, y) }
            }
            return [Expectation(values: sums, standard: tolerance(.standard), functional: tolerance(.functional))]
        case .reduceMax:
            return [exact(Reference.rowMaxima(inputs[0], rows: s[0], cols: s[1]))]
        case .add:
            let y = broadcastsBias
                ? inputs[0].indices.map { inputs[0][$0] + inputs[1][$0 % s[1]] } : zip(inputs[0], inputs[1]).map { $0 + $1 }
            return [relative(y, model) { u, _ in u }]
        case .convert:
            let dtype = destination!.floatType!
            // Correctly rounded in the backend's declared rounding (truncation on a chip that declares it).
            return [exact(inputs[0].map { dtype.round($0, mode: model.rounding) })]
        }
    }

    /// A bound of `relative(u, grade)`·|y| per element, before the final rounding to storage.
    private func relative(_ y: [Double], _ model: ToleranceModel, _ relative: (Double, ToleranceGrade) -> Double) -> Expectation {
        func tolerance(_ grade: ToleranceGrade) -> [Double] {
            let r = relative(model.u(grade), grade)
            return y.map { model.final(r, $0) }
        }
        return Expectation(values: y, standard: tolerance(.standard), functional: tolerance(.functional))
    }

    private func gemm(
        _ a: [Double], _ b: [Double], batches: Int, m: Int, n: Int, k: Int, extra: Int, _ model: ToleranceModel,
        _ method: Reference.Products
    ) -> Expectation {
        var values: [Double] = []
        var products: [Double] = []
        values.reserveCapacity(batches * m * n)
        for batch in 0..<batches {
            let (c, abs) = Reference.gemm(
                a: a[batch * m * k..<(batch + 1) * m * k], b: b[batch * k * n..<(batch + 1) * k * n],
                m: m, n: n, k: k, products: method)
            values += c
            products += abs
        }
        return gemmExpectation(values, products, k: k, extra: extra, model)
    }

    /// C within γ_{k+extra}·Σ|a·b| (`products`, per element) and the final rounding.
    fileprivate func gemmExpectation(_ values: [Double], _ products: [Double], k: Int, extra: Int, _ model: ToleranceModel) -> Expectation {
        func tolerance(_ grade: ToleranceGrade) -> [Double] {
            let g = model.gamma(k + extra, grade)
            return zip(values, products).map { c, p in g * (p.isFinite ? p : 0) + model.final(0, c) }
        }
        return Expectation(values: values, standard: tolerance(.standard), functional: tolerance(.functional))
    }

    private func softmax(_ inputs: [[Double]], _ model: ToleranceModel) -> Expectation {
        let (rows, cols) = (shape[0], shape[1])
        let x = inputs[0]
        let masked = flags & SoftmaxFlags.mask != 0
        let causal = flags & SoftmaxFlags.causal != 0
        func kept(_ r: Int, _ c: Int) -> Bool {
            if masked && inputs[1][r * cols + c] == 0 { return false }
            if causal && c > r + (cols - rows) { return false }
            return true
        }
        var y = [Double](repeating: 0, count: rows * cols)
        var standard = y
        var functional = y
        for r in 0..<rows {
            let columns = (0..<cols).filter { kept(r, $0) }
            guard !columns.isEmpty else { continue }
            let values = columns.map { x[r * cols + $0] }
            if values.contains(where: \.isNaN) {
                for c in columns { y[r * cols + c] = .nan }
                continue
            }
            let probabilities = Reference.softmax(values, rows: 1, cols: values.count)
            let m = values.max() ?? 0
            for grade in ToleranceGrade.allCases {
                let u = model.u(grade)
                let terms = values.map { (ToleranceModel.expULP + 1) * u + u * ($0.isFinite ? abs($0 - m) : 0) }
                let largest = terms.max() ?? 0
                let g = model.gamma(values.count, grade)
                for (offset, c) in columns.enumerated() {
                    // Stored intermediates: each exp term and the row sum made of them carry one
                    // more rounding to storage.
                    let stored = 2 * model.intermediateUnit
                    let bound = model.final(terms[offset] + largest + g + u + stored, probabilities[offset])
                    if grade == .standard { standard[r * cols + c] = bound } else { functional[r * cols + c] = bound }
                }
            }
            for (offset, c) in columns.enumerated() { y[r * cols + c] = probabilities[offset] }
        }
        return Expectation(values: y, standard: standard, functional: functional)
    }

    private func layernorm(_ inputs: [[Double]], _ model: ToleranceModel) -> Expectation {
        let (rows, cols) = (shape[0], shape[1])
        let (x, gamma) = (inputs[0], inputs[1])
        var statistics: [Reference.RowStatistics] = []
        let y = Reference.layernorm(x, gamma: gamma, beta: inputs[2], rows: rows, cols: cols, eps: scalars[0]) { _, row in
            statistics.append(row)
        }
        var standard = y
        var functional = y
        for (r, row) in statistics.enumerated() {
            for grade in ToleranceGrade.allCases {
                let u = model.u(grade)
                let deltaMean = (model.gamma(cols, grade) + u) * row.meanMagnitude
                let relativeVariance =
                    model.gamma(cols + 2, grade) + deltaMean * deltaMean / max(row.variance, .leastNormalMagnitude)
                let relativeR = relativeVariance * row.variance / (row.variance + scalars[0]) / 2 + (ToleranceModel.sqrtULP + 2) * u
                for c in 0..<cols {
                    let d = x[r * cols + c] - row.mean
                    let deltaD = deltaMean + u * abs(d)
                    let yc = y[r * cols + c]
                    let rstd = row.reciprocalDeviation
                    let bound = deltaD * rstd * abs(gamma[c]) + abs(d * rstd * gamma[c]) * (relativeR + 2 * u) + u * abs(yc)
                    let total = model.final(0, yc) + bound
                    if grade == .standard { standard[r * cols + c] = total } else { functional[r * cols + c] = total }
                }
            }
        }
        return Expectation(values: y, standard: standard, functional: functional)
    }

    private func rope(_ x: [Double], _ model: ToleranceModel) -> Expectation {
        let (tokens, heads, dim, rot) = (shape[0], shape[1], shape[2], shape[3])
        // Copied dims are exact, up to flush-to-zero; rotated pairs get their bound below.
        let copied = model.flushesSubnormals ? model.floor : 0
        var standard = [Double](repeating: copied, count: x.count)
        var functional = standard
        let y = Reference.rope(x, tokens: tokens, heads: heads, dim: dim, rot: rot, base: scalars[0], offset: scalars[1]) { pair in
            let (x0, x1) = (x[pair.first], x[pair.second])
            let (c, s) = (cos(pair.angle), sin(pair.angle))
            let (y0, y1) = (x0 * c - x1 * s, x1 * c + x0 * s)
            for grade in ToleranceGrade.allCases {
                let u = model.u(grade)
                let deltaTheta = (ToleranceModel.powULP + 2) * u * pair.angle
                let shared = (abs(x0) + abs(x1)) * (deltaTheta + ToleranceModel.sinCosULP * u) + 2 * u * (abs(x0 * c) + abs(x1 * s))
                let (b0, b1) = (model.final(u, y0) + shared, model.final(u, y1) + shared)
                if grade == .standard {
                    (standard[pair.first], standard[pair.second]) = (b0, b1)
                } else {
                    (functional[pair.first], functional[pair.second]) = (b0, b1)
                }
            }
        }
        return Expectation(values: y, standard: standard, functional: functional)
    }

    /// One causal attention of `queries` rows over `keys` keys (ATTENTION, or one sequence of a
    /// batch), scaled by the case's scale.
    private func attention(
        _ q: [Double], _ k: [Double], _ v: [Double], queries: Int, keys: Int, heads: Int, groups: Int, dim: Int,
        _ model: ToleranceModel, _ products: Reference.Products
    ) -> Expectation {
        var rows: [Reference.AttentionRow] = []
        let output = Reference.attention(
            q: q, k: k, v: v, queries: queries, keys: keys, heads: heads, groups: groups, dim: dim,
            scale: scalars[0], products: products
        ) { rows.append($0) }
        var standard = [Double](repeating: 0, count: output.count)
        var functional = standard
        for row in rows {
            let (p, visible) = (row.probabilities, row.probabilities.count)
            let m = row.scores.max() ?? 0
            functionalAttentionBound(row, v: v, groups: groups, dim: dim, output: output, model, into: &functional)
            // The standard bound: every error at its worst, aligned.
            let u = model.u(.standard)
            let gd = model.gamma(dim + 1, .standard)
            let widest = row.scoreMagnitudes.max() ?? 0
            let terms = (0..<visible).map { j in
                (ToleranceModel.expULP + 1) * u + u * abs(row.scores[j] - m) + gd * (row.scoreMagnitudes[j] + widest)
            }
            let largest = terms.max() ?? 0
            let gk = model.gamma(visible, .standard)
            for e in 0..<dim {
                var bound = 0.0
                for j in 0..<visible {
                    let pv = abs(p[j] * v[(j * groups + row.group) * dim + e])
                    bound += pv * (terms[j] + largest + gk + u + 2 * model.intermediateUnit) + gk * pv
                }
                standard[row.outputRow + e] = bound + model.final(0, output[row.outputRow + e])
            }
        }
        return Expectation(values: output, standard: standard, functional: functional)
    }

    /// The functional (L1) bound of one attention row, probabilistic as the rest of the functional
    /// grade (BATTERY.md, "Attention at L1"). To first order a score error δ_j moves the output by
    /// Σ_j p_j·δ_j·(v_j − o): an error common to every score (the maximum's) cancels in the
    /// normalisation, and the rest are independent rounding errors of separate dot products, exps
    /// and subtractions, each within T_j = (E+1)u + u·|s_j − m| + γ̃_{d+1}·Σ_e|q_e k_je|·|scale|. By
    /// Hoeffding's inequality the sum stays within λ·√(Σ_j (p_j T_j (v_j − o))²) except with
    /// probability 2·exp(−λ²/2), λ = 8, as γ̃ itself; the product with V adds γ̃_kv·Σ_j|p_j v_j|
    /// twice (its own sum and the row sum's), and the division and stored intermediates u + 2u_out.
    private func functionalAttentionBound(
        _ row: Reference.AttentionRow, v: [Double], groups: Int, dim: Int, output: [Double], _ model: ToleranceModel,
        into functional: inout [Double]
    ) {
        let (p, visible) = (row.probabilities, row.probabilities.count)
        let u = model.u(.functional)
        let m = row.scores.max() ?? 0
        let gd = model.gamma(dim + 1, .functional)
        let gk = model.gamma(visible, .functional)
        let scoreError = (0..<visible).map { j in
            (ToleranceModel.expULP + 1) * u + u * abs(row.scores[j] - m) + gd * row.scoreMagnitudes[j]
        }
        for e in 0..<dim {
            let o = output[row.outputRow + e]
            var squares = 0.0
            var products = 0.0
            for j in 0..<visible {
                let value = v[(j * groups + row.group) * dim + e]
                let moved = p[j] * scoreError[j] * (value - o)
                squares += moved * moved
                products += abs(p[j] * value)
            }
            let probabilistic = ToleranceModel.lambda * squares.squareRoot()
            functional[row.outputRow + e] =
                probabilistic + (2 * gk + u + 2 * model.intermediateUnit) * products + model.final(0, o)
        }
    }
}

/// The oracle of a case whose streamed inputs (`BatteryCase.streams(input:)`: a GEMM's B, an
/// embedding table) are handed to it a block of whole rows at a time, in order, as certify draws
/// them and writes them for the backend (`consume`), its other inputs held whole. It never reads
/// an input back from memory the backend could write: what it computes on is what certify drew.
/// A GEMM's panels are accumulated as they come (`Reference.PanelGEMM`), an embedding keeps the
/// rows its ids name. `finish` gives what `expectations(_:numerics:)` gives on the whole inputs,
/// within fp64's rounding of C and fp32's of the bound's scale.
package final class StreamedExpectations {
    let testCase: BatteryCase
    let numerics: DeclaredNumericsModel
    private let seed: UInt64
    private let inputSet: Int
    /// The held inputs as drawn, then flushed when the profile flushes subnormals and that changes
    /// them (a streamed input holds none): one accumulation each, for the result and its alternative.
    private let variants: [[[Double]?]]
    private var products: [Reference.PanelGEMM] = []
    private var rows: [Int: [Double]] = [:]

    /// `held`: every input not streamed, nil for those that are; `seed` and `inputSet` are the
    /// ones the inputs are drawn from, for the rare case that needs a streamed input whole again.
    package init(_ testCase: BatteryCase, held: [[Double]?], seed: UInt64, set inputSet: Int, numerics: DeclaredNumericsModel) {
        precondition(
            testCase.streamedInput != nil && held.indices.allSatisfy { (held[$0] == nil) == ($0 == testCase.streamedInput) },
            "\(testCase.id): only input \(testCase.streamedInput ?? -1) streams")
        (self.testCase, self.numerics, self.seed, self.inputSet) = (testCase, numerics, seed, inputSet)
        var variants = [held]
        if numerics.flushesSubnormals {
            let flushed = held.enumerated().map { index, values in values.map { testCase.flushingSubnormals($0, input: index) } }
            if flushed != held { variants.append(flushed) }
        }
        self.variants = variants
        if testCase.kernel == .gemm {
            let s = testCase.shape
            products = variants.map { Reference.PanelGEMM(a: $0[0]!, m: s[0], n: s[1], k: s[2]) }
        }
    }

    /// The next block of the streamed input, from element `offset`: whole rows, in order.
    package func consume(offset: Int, values: [Double]) {
        switch testCase.kernel {
        case .gemm:
            precondition(offset == products[0].rows * testCase.streamedRowLength, "a block of B out of order")
            for product in products { product.add(values) }
        default:
            let width = testCase.streamedRowLength
            precondition(offset % width == 0 && values.count % width == 0, "a block of the table not whole rows")
            let first = offset / width
            for id in variants[0][1]! {
                let row = Int(id)
                guard row >= first && row < first + values.count / width, rows[row] == nil else { continue }
                rows[row] = Array(values[(row - first) * width..<(row - first + 1) * width])
            }
        }
    }

    /// The expectations, once every block has been consumed.
    package func finish() -> [Expectation] {
        defer { Reference.parkThreads() }
        let raw = variants.indices.map { variant in
            testCase.evaluate(numerics) { model in self.raw(variant, model) }
        }
        return raw.count > 1 ? testCase.withAlternative(raw[0], from: raw[1]) : raw[0]
    }

    private func raw(_ variant: Int, _ model: ToleranceModel) -> [Expectation] {
        let inputs = variants[variant]
        switch testCase.kernel {
        case .gemm:
            if let (c, scale) = products[variant].result() {
                return [testCase.gemmExpectation(c, scale, k: testCase.shape[2], extra: 0, model)]
            }
            // An fp32 sum of the bound overflowed: the scale is formed in fp64 from the whole B.
            let whole = inputs.enumerated().map { $1 ?? testCase.input($0, seed: seed, set: inputSet) }
            return testCase.oracle(whole, model, .blas)
        default:
            let width = testCase.streamedRowLength
            return [testCase.exact(inputs[1]!.flatMap { rows[Int($0)] ?? [Double](repeating: .nan, count: width) })]
        }
    }
}
