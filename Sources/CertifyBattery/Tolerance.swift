import CertifyNumerics
import Foundation

/// Which error bound a tolerance follows from.
package enum ToleranceGrade: String, Sendable, Codable, CaseIterable {
    /// The worst-case bound for the declared accumulation type: L2 and above.
    case standard
    /// The larger of the standard bound and a probabilistic bound that lets the backend accumulate
    /// in the storage dtype: L1, where a chip may be usable before it is exact.
    case functional
}

/// Per-element absolute tolerances for one case, derived from written error bounds.
///
/// Notation: u is the unit roundoff of the type the work is done in, u_out that of the storage dtype
/// (doubled when the profile declares rounding toward zero), γ_n = n·u/(1−n·u), E = 3 and S = 3 the
/// ulp bounds of exp and sqrt in single precision as the OpenCL CTS tabulates them, and the floor is
/// the smallest subnormal of the storage dtype (its smallest normal when the profile declares
/// flush-to-zero). Every bound adds u_out·|y| + floor for the final rounding to storage.
///
/// - GEMM: |ĉ − c| ≤ γ_K·Σ_k|a_ik·b_kj| (Higham, Accuracy and Stability, Thm 3.5).
/// - softmax: with d_i = |x_i − max x|, each exp term carries (E+1)·u + u·d_i; the row sum adds
///   γ_n and the largest term's error; the division adds u.
/// - RMSNorm: the sum of squares of positive terms carries γ_n, halved by the square root, plus
///   (S + 4)·u for the mean, eps, sqrt, reciprocal and the two products.
/// - SiLU: x/(1 + e^−x) carries (E + 2)·u: the exp, the addition and the division.
///
/// The functional grade replaces u by the storage dtype's unit roundoff where that is coarser and
/// γ_n by the probabilistic bound exp(λ·√n·u + n·u²/(1−u)) − 1 with λ = 8 (Higham and Mary, 2019),
/// which holds with probability at least 1 − 2·exp(−λ²(1−u)²/2) ≈ 1 − 10⁻¹³ per element.
package struct ToleranceModel: Sendable {
    package static let expULP = 3.0
    package static let sqrtULP = 3.0
    package static let lambda = 8.0

    package let storage: DType
    package let accumulation: DType
    package let rounding: RoundingMode
    package let flushesSubnormals: Bool

    package init(case testCase: BatteryCase, numerics: DeclaredNumericsModel) {
        storage = testCase.dtype
        accumulation = numerics.accumulation(for: testCase.dtype)
        rounding = numerics.rounding
        flushesSubnormals = numerics.flushesSubnormals
    }

    private var outputUnit: Double {
        rounding == .towardZero ? 2 * storage.unitRoundoff : storage.unitRoundoff
    }

    private var floor: Double {
        flushesSubnormals ? storage.minNormal : storage.smallestSubnormal
    }

    private func workingUnit(_ grade: ToleranceGrade) -> Double {
        switch grade {
        case .standard: accumulation.unitRoundoff
        case .functional: max(accumulation.unitRoundoff, storage.unitRoundoff)
        }
    }

    private func reduction(_ n: Int, _ grade: ToleranceGrade) -> Double {
        let u = workingUnit(grade)
        switch grade {
        case .standard:
            return ErrorBound.gamma(n, unitRoundoff: u)
        case .functional:
            let nd = Double(n)
            return Foundation.exp(Self.lambda * nd.squareRoot() * u + nd * u * u / (1 - u)) - 1
        }
    }

    /// The absolute tolerance of every output element of `testCase` for `grade`.
    package func tolerances(
        for testCase: BatteryCase, inputs: [[Double]], oracle: OracleOutput, grade: ToleranceGrade
    ) -> [Double] {
        let standard = bound(testCase, inputs, oracle, .standard)
        guard grade == .functional else { return standard }
        let functional = bound(testCase, inputs, oracle, .functional)
        return zip(standard, functional).map { Swift.max($0, $1) }
    }

    private func bound(
        _ testCase: BatteryCase, _ inputs: [[Double]], _ oracle: OracleOutput, _ grade: ToleranceGrade
    ) -> [Double] {
        let u = workingUnit(grade)
        let y = oracle.values
        func final(_ rel: Double, _ value: Double) -> Double {
            let magnitude = value.isFinite ? abs(value) : 0
            return rel * magnitude + outputUnit * magnitude + floor
        }
        switch testCase.kernel {
        case .gemm:
            let g = reduction(testCase.shape[2], grade)
            return y.indices.map { i in
                let products = oracle.absProducts[i].isFinite ? oracle.absProducts[i] : 0
                return g * products + final(0, y[i])
            }
        case .softmax:
            let (rows, cols) = (testCase.shape[0], testCase.shape[1])
            let g = reduction(cols, grade)
            var result = [Double](repeating: 0, count: y.count)
            let x = inputs[0]
            for r in 0..<rows {
                let row = r * cols..<(r + 1) * cols
                let m = x[row].filter(\.isFinite).max() ?? 0
                let termError = row.map { (Self.expULP + 1) * u + u * (x[$0].isFinite ? abs(x[$0] - m) : 0) }
                let largest = termError.max() ?? 0
                for (offset, i) in row.enumerated() {
                    result[i] = final(termError[offset] + largest + g + u, y[i])
                }
            }
            return result
        case .rmsnorm:
            let rel = reduction(testCase.shape[1], grade) / 2 + (Self.sqrtULP + 4) * u
            return y.map { final(rel, $0) }
        case .silu:
            let rel = (Self.expULP + 2) * u
            return y.map { final(rel, $0) }
        }
    }

    /// The bound behind the standard tolerance, as one line for reports and `certify battery`.
    package func derivation(for testCase: BatteryCase) -> String {
        let acc = "\(accumulation.rawValue) accumulation (u=2^-\(accumulation.precision))"
        let out =
            "\(storage.rawValue) output \(rounding.rawValue) (u_out=\(rounding == .towardZero ? "2·" : "")2^-\(storage.precision))"
        let floorText = flushesSubnormals ? "flush-to-zero floor \(storage.rawValue) min normal" : "floor \(storage.rawValue) min subnormal"
        let bound: String
        switch testCase.kernel {
        case .gemm: bound = "γ_K·Σ|a·b| with K=\(testCase.shape[2])"
        case .softmax: bound = "((E+1)u + u·|x−max|)·2 + γ_n + u, E=3 ulp exp, n=\(testCase.shape[1])"
        case .rmsnorm: bound = "γ_n/2 + (S+4)·u, S=3 ulp sqrt, n=\(testCase.shape[1])"
        case .silu: bound = "(E+2)·u, E=3 ulp exp"
        }
        return "\(bound); \(acc); \(out); \(floorText)"
    }
}
