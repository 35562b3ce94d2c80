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

    package func tolerance(_ grade: ToleranceGrade) -> [Double] {
        grade == .standard ? standard : functional
    }
}

extension BatteryCase {
    /// The oracle's expectation for every output of the case, computed in fp64 from `inputs`.
    package func expectations(_ inputs: [[Double]], numerics: DeclaredNumericsModel) -> [Expectation] {
        var result = evaluate(inputs, numerics: numerics)
        if numerics.flushesSubnormals {
            let flushed = inputs.enumerated().map { index, values in
                inputTypes[index].floatType.map { dtype in values.map { abs($0) < dtype.minNormal ? 0 * $0 : $0 } } ?? values
            }
            if flushed != inputs || pattern == .subnormal {
                let other = evaluate(flushed, numerics: numerics)
                for index in result.indices {
                    let dtype = outputTypes[index].floatType
                    result[index].alternative = other[index].values.map { value in
                        guard let dtype, abs(value) < dtype.minNormal else { return value }
                        return 0 * value
                    }
                }
            }
        }
        return result
    }

    private func evaluate(_ inputs: [[Double]], numerics: DeclaredNumericsModel) -> [Expectation] {
        let model = ToleranceModel(for: self, numerics: numerics)
        var outputs = oracle(inputs, model)
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

    /// Elementwise kernels: the value, and the relative bound in units of u before final rounding.
    private func elementwise(
        _ x: [Double], _ model: ToleranceModel, _ f: (Double) -> Double,
        _ bound: (Double, Double, Double) -> Double
    ) -> Expectation {
        let y = x.map(f)
        func tolerance(_ grade: ToleranceGrade) -> [Double] {
            let u = model.u(grade)
            return zip(x, y).map { xi, yi in bound(xi, yi, u) + model.final(0, yi) }
        }
        return Expectation(values: y, standard: tolerance(.standard), functional: tolerance(.functional))
    }

    private func exact(_ values: [Double], floor: Double = 0) -> Expectation {
        let zeros = [Double](repeating: floor, count: values.count)
        return Expectation(values: values, standard: zeros, functional: zeros)
    }

    private func oracle(_ inputs: [[Double]], _ model: ToleranceModel) -> [Expectation] {
        let s = shape
        switch kernel {
        case .gemm:
            return [gemm(inputs[0], inputs[1], batches: 1, m: s[0], n: s[1], k: s[2], extra: 0, model)]
        case .gemmBatched:
            return [gemm(inputs[0], inputs[1], batches: s[0], m: s[1], n: s[2], k: s[3], extra: 0, model)]
        case .gemmW8, .gemmW4:
            let (n, k) = (s[1], s[2])
            var weights = inputs[1]
            for row in 0..<k {
                for column in 0..<n { weights[row * n + column] *= inputs[2][column] }
            }
            return [gemm(inputs[0], weights, batches: 1, m: s[0], n: n, k: k, extra: 1, model)]
        case .gemmI8:
            return [exact(Reference.gemm(a: inputs[0], b: inputs[1], m: s[0], n: s[1], k: s[2]).c)]
        case .softmax:
            return [softmax(inputs, model)]
        case .rmsnorm:
            let y = Reference.rmsnorm(inputs[0], weight: inputs[1], rows: s[0], cols: s[1], eps: scalars[0])
            func tolerance(_ grade: ToleranceGrade) -> [Double] {
                let relative = model.gamma(s[1], grade) / 2 + (ToleranceModel.sqrtULP + 4) * model.u(grade)
                return y.map { model.final(relative, $0) }
            }
            return [Expectation(values: y, standard: tolerance(.standard), functional: tolerance(.functional))]
        case .layernorm:
            return [layernorm(inputs, model)]
        case .silu:
            return [
                elementwise(inputs[0], model, { Reference.silu([$0])[0] }) { _, y, u in
                    (ToleranceModel.expULP + 2) * u * abs(y)
                }
            ]
        case .swiglu:
            return [swiglu(inputs[0], model)]
        case .geluErf:
            return [
                elementwise(inputs[0], model, { x in x / 2 * (1 + erf(x / 2.0.squareRoot())) }) { x, y, u in
                    let t = abs(x) / 2.0.squareRoot()
                    return abs(x) / 2 * ((ToleranceModel.erfULP + 1) * u + 1.13 * u * t) + 3 * u * abs(y)
                }
            ]
        case .geluTanh:
            let c = (2 / Double.pi).squareRoot()
            return [
                elementwise(inputs[0], model, { x in x / 2 * (1 + tanh(c * (x + 0.044715 * x * x * x))) }) { x, y, u in
                    let z = c * (x + 0.044715 * x * x * x)
                    let sech2 = z.isFinite ? 1 / (cosh(z) * cosh(z)) : 0
                    return abs(x) / 2 * (ToleranceModel.tanhULP * u + 6 * u * abs(z) * sech2 + 2 * u) + 2 * u * abs(y)
                }
            ]
        case .rope:
            return [rope(inputs[0], model)]
        case .attention:
            return [attention(inputs, model)]
        case .embedding:
            let (n, width) = (s[0], s[2])
            var y = [Double](repeating: 0, count: n * width)
            for i in 0..<n {
                let row = Int(inputs[1][i])
                for j in 0..<width { y[i * width + j] = inputs[0][row * width + j] }
            }
            return [exact(y)]
        case .argmax:
            return [exact((0..<s[0]).map { Double(ranked(row: $0, inputs[0], cols: s[1]).first ?? 0) })]
        case .topk:
            var values: [Double] = []
            var indices: [Double] = []
            for row in 0..<s[0] {
                for index in ranked(row: row, inputs[0], cols: s[1]).prefix(s[2]) {
                    values.append(inputs[0][row * s[1] + index])
                    indices.append(Double(index))
                }
            }
            return [exact(values), exact(indices)]
        case .reduceSum:
            let (rows, cols) = (s[0], s[1])
            let x = inputs[0]
            let sums = (0..<rows).map { r in x[r * cols..<(r + 1) * cols].reduce(0, +) }
            let magnitudes = (0..<rows).map { r in x[r * cols..<(r + 1) * cols].reduce(0) { $0 + abs($1) } }
            func tolerance(_ grade: ToleranceGrade) -> [Double] {
                zip(sums, magnitudes).map { y, m in model.gamma(cols, grade) * (m.isFinite ? m : 0) + model.final(0, y) }
            }
            return [Expectation(values: sums, standard: tolerance(.standard), functional: tolerance(.functional))]
        case .reduceMax:
            let (rows, cols) = (s[0], s[1])
            return [
                exact(
                    (0..<rows).map { r in
                        let row = inputs[0][r * cols..<(r + 1) * cols]
                        if row.contains(where: \.isNaN) { return .nan }
                        return row.max() ?? -.infinity
                    })
            ]
        case .add:
            let y = zip(inputs[0], inputs[1]).map { $0 + $1 }
            func tolerance(_ grade: ToleranceGrade) -> [Double] {
                y.map { model.final(model.u(grade), $0) }
            }
            return [Expectation(values: y, standard: tolerance(.standard), functional: tolerance(.functional))]
        case .convert:
            let dtype = destination!.floatType!
            // Correctly rounded in the backend's declared rounding (truncation on a chip that declares it).
            return [exact(inputs[0].map { dtype.round($0, mode: model.rounding) })]
        }
    }

    /// Indices of a row from largest to smallest: NaN first, ties by lower index (the ABI's order).
    private func ranked(row: Int, _ x: [Double], cols: Int) -> [Int] {
        (0..<cols).sorted { a, b in
            let (va, vb) = (x[row * cols + a], x[row * cols + b])
            if va.isNaN || vb.isNaN { return va.isNaN && (!vb.isNaN || a < b) }
            return va != vb ? va > vb : a < b
        }
    }

    private func gemm(
        _ a: [Double], _ b: [Double], batches: Int, m: Int, n: Int, k: Int, extra: Int, _ model: ToleranceModel
    ) -> Expectation {
        var values: [Double] = []
        var products: [Double] = []
        values.reserveCapacity(batches * m * n)
        for batch in 0..<batches {
            let (c, abs) = Reference.gemm(
                a: Array(a[batch * m * k..<(batch + 1) * m * k]), b: Array(b[batch * k * n..<(batch + 1) * k * n]),
                m: m, n: n, k: k)
            values += c
            products += abs
        }
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
        let (x, gamma, beta, eps) = (inputs[0], inputs[1], inputs[2], scalars[0])
        var y = [Double](repeating: 0, count: rows * cols)
        var standard = y
        var functional = y
        for r in 0..<rows {
            let row = Array(x[r * cols..<(r + 1) * cols])
            let n = Double(cols)
            let mean = row.reduce(0, +) / n
            let d = row.map { $0 - mean }
            let variance = d.reduce(0) { $0 + $1 * $1 } / n
            let rstd = 1 / (variance + eps).squareRoot()
            let meanAbs = row.reduce(0) { $0 + abs($1) } / n
            for c in 0..<cols { y[r * cols + c] = d[c] * rstd * gamma[c] + beta[c] }
            for grade in ToleranceGrade.allCases {
                let u = model.u(grade)
                let deltaMean = (model.gamma(cols, grade) + u) * meanAbs
                let relativeVariance = model.gamma(cols + 2, grade) + deltaMean * deltaMean / max(variance, .leastNormalMagnitude)
                let relativeR = relativeVariance * variance / (variance + eps) / 2 + (ToleranceModel.sqrtULP + 2) * u
                for c in 0..<cols {
                    let deltaD = deltaMean + u * abs(d[c])
                    let yc = y[r * cols + c]
                    let bound =
                        deltaD * rstd * abs(gamma[c]) + abs(d[c] * rstd * gamma[c]) * (relativeR + 2 * u) + u * abs(yc)
                    let total = model.final(0, yc) + bound
                    if grade == .standard { standard[r * cols + c] = total } else { functional[r * cols + c] = total }
                }
            }
        }
        return Expectation(values: y, standard: standard, functional: functional)
    }

    private func swiglu(_ x: [Double], _ model: ToleranceModel) -> Expectation {
        let (rows, cols) = (shape[0], shape[1])
        var y = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let gate = x[r * 2 * cols + c]
                y[r * cols + c] = Reference.silu([gate])[0] * x[r * 2 * cols + cols + c]
            }
        }
        func tolerance(_ grade: ToleranceGrade) -> [Double] {
            y.map { model.final((ToleranceModel.expULP + 3) * model.u(grade), $0) }
        }
        return Expectation(values: y, standard: tolerance(.standard), functional: tolerance(.functional))
    }

    private func rope(_ x: [Double], _ model: ToleranceModel) -> Expectation {
        let (tokens, heads, dim, rot) = (shape[0], shape[1], shape[2], shape[3])
        let (base, offset) = (scalars[0], scalars[1])
        var y = x
        var standard = [Double](repeating: 0, count: x.count)
        var functional = standard
        for t in 0..<tokens {
            let position = offset + Double(t)
            for h in 0..<heads {
                let start = (t * heads + h) * dim
                for q in 0..<rot / 2 {
                    let theta = position * pow(base, -2 * Double(q) / Double(rot))
                    let (c, s) = (cos(theta), sin(theta))
                    let (x0, x1) = (x[start + 2 * q], x[start + 2 * q + 1])
                    let y0 = x0 * c - x1 * s
                    let y1 = x1 * c + x0 * s
                    y[start + 2 * q] = y0
                    y[start + 2 * q + 1] = y1
                    for grade in ToleranceGrade.allCases {
                        let u = model.u(grade)
                        let deltaTheta = (ToleranceModel.powULP + 2) * u * theta
                        let shared = (abs(x0) + abs(x1)) * (deltaTheta + ToleranceModel.sinCosULP * u)
                            + 2 * u * (abs(x0 * c) + abs(x1 * s))
                        let b0 = model.final(u, y0) + shared
                        let b1 = model.final(u, y1) + shared
                        if grade == .standard {
                            standard[start + 2 * q] = b0
                            standard[start + 2 * q + 1] = b1
                        } else {
                            functional[start + 2 * q] = b0
                            functional[start + 2 * q + 1] = b1
                        }
                    }
                }
                for j in rot..<dim {
                    // Copied through: exact, up to flush-to-zero.
                    standard[start + j] = model.flushesSubnormals ? model.floor : 0
                    functional[start + j] = standard[start + j]
                }
            }
        }
        return Expectation(values: y, standard: standard, functional: functional)
    }

    private func attention(_ inputs: [[Double]], _ model: ToleranceModel) -> Expectation {
        let (queries, keys, heads, groups, dim) = (shape[0], shape[1], shape[2], shape[3], shape[4])
        let scale = scalars[0]
        let (q, k, v) = (inputs[0], inputs[1], inputs[2])
        var output = [Double](repeating: 0, count: queries * heads * dim)
        var standard = output
        var functional = output
        let perGroup = heads / groups
        for i in 0..<queries {
            let visible = min(keys, i + (keys - queries) + 1)
            for h in 0..<heads {
                let group = h / perGroup
                let qRow = (i * heads + h) * dim
                var scores = [Double](repeating: 0, count: visible)
                var scoreScale = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    let kRow = (j * groups + group) * dim
                    var dot = 0.0
                    var magnitude = 0.0
                    for e in 0..<dim {
                        dot += q[qRow + e] * k[kRow + e]
                        magnitude += abs(q[qRow + e] * k[kRow + e])
                    }
                    scores[j] = dot * scale
                    scoreScale[j] = magnitude * abs(scale)
                }
                let p = Reference.softmax(scores, rows: 1, cols: visible)
                let m = scores.max() ?? 0
                for e in 0..<dim {
                    var value = 0.0
                    for j in 0..<visible { value += p[j] * v[(j * groups + group) * dim + e] }
                    output[qRow + e] = value
                }
                for grade in ToleranceGrade.allCases {
                    let u = model.u(grade)
                    let gd = model.gamma(dim + 1, grade)
                    let widest = scoreScale.max() ?? 0
                    let terms = (0..<visible).map { j in
                        (ToleranceModel.expULP + 1) * u + u * abs(scores[j] - m) + gd * (scoreScale[j] + widest)
                    }
                    let largest = terms.max() ?? 0
                    let gk = model.gamma(visible, grade)
                    for e in 0..<dim {
                        var bound = 0.0
                        for j in 0..<visible {
                            let pv = abs(p[j] * v[(j * groups + group) * dim + e])
                            bound += pv * (terms[j] + largest + gk + u + 2 * model.intermediateUnit) + gk * pv
                        }
                        let total = bound + model.final(0, output[qRow + e])
                        if grade == .standard { standard[qRow + e] = total } else { functional[qRow + e] = total }
                    }
                }
            }
        }
        return Expectation(values: output, standard: standard, functional: functional)
    }
}
