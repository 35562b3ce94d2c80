import CertifyBattery
import CertifyNumerics
import CertifyOracle
import Testing

private let numerics = DeclaredNumericsModel(
    accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)

/// fp64's unit roundoff and γ_n in it: the bound of the oracle's own arithmetic.
private let u64 = 0x1p-53
private func gamma64(_ n: Int) -> Double { ErrorBound.gamma(n, unitRoundoff: u64) }

/// Equal, or both NaN.
private func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

/// The OpenBLAS oracle against the Swift loops it replaced, on every GEMM-family and attention case
/// of the standard suite: each result within the fp64 bound of either (twice the bound of one, as
/// both err from the exact value), and the tolerances equal to the same relative precision, except
/// that OpenBLAS's GEMM tolerances may be above the loops' by the fp32 bound's slack (its Σ|a·b|
/// is an upper bound up to a relative 3γ_K(2⁻²⁴) + 2⁻²² above the sum).
@Suite struct ProductEquivalenceTests {
    static let productCases = Battery.cases(.standard).filter {
        $0.refusal == nil && [.gemm, .gemmBatched, .gemmW8, .gemmW4, .gemmI8, .attention].contains($0.kernel)
    }

    @Test func everyProductKernelIsCovered() {
        #expect(Set(Self.productCases.map(\.kernel)) == [.gemm, .gemmBatched, .gemmW8, .gemmW4, .gemmI8, .attention])
    }

    @Test(arguments: productCases)
    func blasAgreesWithTheLoopsWithinTheirBound(_ testCase: BatteryCase) throws {
        let inputs = testCase.inputs(seed: 1)
        let blas = try #require(testCase.expectations(inputs, numerics: numerics).first)
        let loops = try #require(testCase.expectations(inputs, numerics: numerics, products: .loops).first)
        let (valueBound, toleranceBound) =
            testCase.kernel == .attention ? attentionBounds(testCase, inputs) : gemmBounds(testCase, inputs)
        #expect(blas.values.count == loops.values.count)
        var worst = 0.0
        for i in loops.values.indices {
            let (new, old) = (blas.values[i], loops.values[i])
            if !old.isFinite || !new.isFinite {
                #expect(same(new, old), "element \(i): \(new) from OpenBLAS, \(old) from the loops")
                continue
            }
            worst = max(worst, abs(new - old) / max(valueBound[i], .leastNonzeroMagnitude))
            #expect(abs(new - old) <= valueBound[i], "element \(i): |\(new) − \(old)| above \(valueBound[i])")
            for (name, a, b) in [
                ("standard", blas.standard[i], loops.standard[i]), ("functional", blas.functional[i], loops.functional[i]),
                ("unavoidable", blas.unavoidable[i], loops.unavoidable[i]),
            ] {
                let (below, above) = toleranceBound(i, b)
                #expect(a >= b - below && a <= b + above, "element \(i): \(name) tolerance \(a) from OpenBLAS, \(b) from the loops")
            }
        }
        if testCase.kernel == .gemmI8 { #expect(worst == 0) }
    }

    /// GEMM family: |c − c'| ≤ 2γ_K·Σ|a·b| per element (exact for int8), and each tolerance,
    /// g·Σ|a·b| + u_out·|c| + floor, within 2γ_K·(g + u_out)·Σ|a·b| plus its own few roundings,
    /// and above that by at most g·((3γ_K(2⁻²⁴) + 2⁻²² + 2⁻⁴⁸)·Σ|a·b| + K·2⁻¹²⁴), the fp32 bound's slack.
    private func gemmBounds(_ testCase: BatteryCase, _ inputs: [[Double]]) -> ([Double], (Int, Double) -> (Double, Double)) {
        let s = testCase.shape
        var (batches, m, n, k, extra) = (1, s[0], s[1], s[2], 0)
        var weights = inputs[1]
        switch testCase.kernel {
        case .gemmBatched: (batches, m, n, k) = (s[0], s[1], s[2], s[3])
        case .gemmW8, .gemmW4:
            extra = 1
            for row in 0..<k {
                for column in 0..<n { weights[row * n + column] *= inputs[2][column] }
            }
        default: break
        }
        var magnitudes: [Double] = []
        for batch in 0..<batches {
            magnitudes += Reference.gemm(
                a: Array(inputs[0][batch * m * k..<(batch + 1) * m * k]), b: Array(weights[batch * k * n..<(batch + 1) * k * n]),
                m: m, n: n, k: k, products: .loops
            ).absProducts
        }
        if testCase.kernel == .gemmI8 { return (magnitudes.map { _ in 0 }, { _, _ in (0, 0) }) }
        let model = ToleranceModel(for: testCase, numerics: numerics)
        let g = max(model.gamma(k + extra, .standard), model.gamma(k + extra, .functional))
        let values = magnitudes.map { 2 * gamma64(k) * $0 }
        // fp32's summation error and the inflation that covers it, and operands rounded up to fp32.
        let slack = 3 * ErrorBound.gamma(k, unitRoundoff: 0x1p-24) + 0x1p-22 + 0x1p-48
        return (
            values,
            { i, tolerance in
                let fp64 = 2 * gamma64(k) * (g + model.outputUnit) * magnitudes[i] + 8 * u64 * tolerance
                return (fp64, fp64 + g * (slack * magnitudes[i] + Double(k) * 0x1p-124))
            }
        )
    }

    /// Attention, from the loops' rows: the standard bound's form in fp64 (exp within 1 ulp),
    /// Σ_j |p_j v_j|·(t_j + max t + γ_kv + u) + γ_kv·Σ|p v|, t_j = 2u + u·|s_j − m| + γ_{d+1}·(M_j + max M),
    /// twice; each tolerance within a relative 8γ_{d+kv+8}·(1 + max M) (every input to it, scores,
    /// their magnitudes and the probabilities, moves by that much at most) plus (λ + 1)·the value
    /// bound, as the functional bound reads the output o through v − o, and every tolerance ends in u_out·|o|.
    private func attentionBounds(_ testCase: BatteryCase, _ inputs: [[Double]]) -> ([Double], (Int, Double) -> (Double, Double)) {
        let s = testCase.shape
        let (queries, keys, heads, groups, dim) = (s[0], s[1], s[2], s[3], s[4])
        let v = inputs[2]
        var values = [Double](repeating: 0, count: queries * heads * dim)
        var relative = values
        _ = Reference.attention(
            q: inputs[0], k: inputs[1], v: v, queries: queries, keys: keys, heads: heads, groups: groups, dim: dim,
            scale: testCase.scalars[0], products: .loops
        ) { row in
            let visible = row.probabilities.count
            let m = row.scores.max() ?? 0
            let widest = row.scoreMagnitudes.max() ?? 0
            let terms = (0..<visible).map { j in 2 * u64 + u64 * abs(row.scores[j] - m) + gamma64(dim + 1) * (row.scoreMagnitudes[j] + widest) }
            let largest = terms.max() ?? 0
            let gk = gamma64(visible)
            for e in 0..<dim {
                var bound = 0.0
                for j in 0..<visible {
                    let pv = abs(row.probabilities[j] * v[(j * groups + row.group) * dim + e])
                    bound += pv * (terms[j] + largest + gk + u64) + gk * pv
                }
                values[row.outputRow + e] = 2 * bound
                relative[row.outputRow + e] = 8 * gamma64(dim + visible + 8) * (1 + widest)
            }
        }
        return (
            values,
            { i, tolerance in
                let bound = relative[i] * tolerance + (ToleranceModel.lambda + 1) * values[i]
                return (bound, bound)
            }
        )
    }

    @Test func magnitudesFormedInBlocksOfColumnsBoundTheLoops() {
        // K·N = 9·10⁶ elements of |B|: more than one block of columns, the last one narrower.
        let (m, n, k) = (2, 3000, 3000)
        var generator = SeededGenerator(seed: 1, stream: "gemm-blocks")
        let a = (0..<m * k).map { _ in generator.normal() }
        let b = (0..<k * n).map { _ in generator.normal() }
        let blas = Reference.gemm(a: a, b: b, m: m, n: n, k: k)
        let loops = Reference.gemm(a: a, b: b, m: m, n: n, k: k, products: .loops)
        for i in loops.c.indices {
            #expect(abs(blas.c[i] - loops.c[i]) <= 2 * gamma64(k) * loops.absProducts[i])
            // Above the exact sum (so above the loops' less their own error), by at most the bound's slack.
            let slack = 3 * ErrorBound.gamma(k, unitRoundoff: 0x1p-24) + 0x1p-22 + 0x1p-48
            #expect(blas.absProducts[i] >= loops.absProducts[i] * (1 - gamma64(k)))
            #expect(blas.absProducts[i] <= loops.absProducts[i] * (1 + gamma64(k)) * (1 + slack) + Double(k) * 0x1p-124)
        }
    }

    @Test(arguments: Reference.Products.allCases)
    func degenerateShapesGiveZerosOrNothing(_ products: Reference.Products) {
        #expect(Reference.gemm(a: [], b: [], m: 2, n: 3, k: 0, products: products).c == [0, 0, 0, 0, 0, 0])
        #expect(Reference.gemm(a: [], b: [1, 2], m: 0, n: 2, k: 1, products: products).c == [])
        #expect(Reference.gemm(a: [1, 2], b: [], m: 2, n: 0, k: 1, products: products).c == [])
    }

    @Test(arguments: Reference.Products.allCases)
    func nonFiniteOperandsPoisonTheirRowAndColumn(_ products: Reference.Products) {
        // A NaN in A under a zero of B, and an Inf times a zero: both NaN, as IEEE says.
        let result = Reference.gemm(a: [.nan, 1, .infinity, 2], b: [0, 1, 0, 3], m: 2, n: 2, k: 2, products: products)
        #expect(result.c[0].isNaN && result.c[1].isNaN && result.c[2].isNaN && result.c[3] == .infinity)
        #expect(result.absProducts[0].isNaN && result.absProducts[2].isNaN && result.absProducts[3] == .infinity)
    }
}
