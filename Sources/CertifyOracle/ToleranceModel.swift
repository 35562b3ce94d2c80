import CertifyBattery
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

/// The constants every derived tolerance is built from (BATTERY.md gives each kernel's bound).
///
/// u is the unit roundoff of the type the work is done in (the declared accumulation type; for
/// the functional grade the coarser of it and the storage dtype), u_out that of the output dtype
/// (doubled when the profile declares rounding toward zero), the floor the output dtype's smallest
/// subnormal (its smallest normal under flush-to-zero), and γ_n = n·u/(1 − n·u) for the standard
/// grade or exp(λ·√n·u + n·u²/(1 − u)) − 1 with λ = 8 for the functional grade (Higham and Mary,
/// 2019; it holds with probability ≥ 1 − 2·exp(−λ²(1−u)²/2) per element).
package struct ToleranceModel: Sendable {
    /// ulp bounds of single-precision functions as the OpenCL CTS tabulates them.
    package static let expULP = 3.0
    package static let sqrtULP = 3.0
    package static let erfULP = 16.0
    package static let tanhULP = 5.0
    package static let sinCosULP = 4.0
    package static let powULP = 16.0
    package static let lambda = 8.0

    package let storage: DType
    package let accumulation: DType
    package let rounding: RoundingMode
    package let flushesSubnormals: Bool
    /// The relative error one rounding of an intermediate result adds: the storage dtype's unit
    /// roundoff when the profile declares that the kernel keeps its intermediates in the storage
    /// dtype (`numerics.intermediates`), else 0.
    package let intermediateUnit: Double

    package init(storage: DType, numerics: DeclaredNumericsModel, kernel: Kernel? = nil) {
        self.storage = storage
        accumulation = numerics.accumulation(for: storage)
        rounding = numerics.rounding
        flushesSubnormals = numerics.flushesSubnormals
        intermediateUnit = kernel.map(numerics.storesIntermediates) == true ? storage.unitRoundoff : 0
    }

    /// The model for `testCase`'s tolerances under `numerics`.
    package init(for testCase: BatteryCase, numerics: DeclaredNumericsModel) {
        self.init(storage: testCase.floatType ?? .fp32, numerics: numerics, kernel: testCase.kernel)
    }

    package func u(_ grade: ToleranceGrade) -> Double {
        switch grade {
        case .standard: accumulation.unitRoundoff
        case .functional: max(accumulation.unitRoundoff, storage.unitRoundoff)
        }
    }

    /// The error of rounding one result to the output dtype.
    package var outputUnit: Double {
        rounding == .towardZero ? 2 * storage.unitRoundoff : storage.unitRoundoff
    }

    package var floor: Double {
        flushesSubnormals ? storage.minNormal : storage.smallestSubnormal
    }

    /// The part of every tolerance no implementation can avoid: one correctly rounded (nearest-even)
    /// rounding of `value` to the output dtype, plus the floor. A tier's `tolerance_scale` tightens
    /// the rest of the bound (accumulation, intermediate steps, a declared rounding toward zero),
    /// never this.
    package func unavoidable(_ value: Double) -> Double {
        (value.isFinite ? abs(value) : 0) * storage.unitRoundoff + floor
    }

    /// γ_n for `grade`.
    package func gamma(_ n: Int, _ grade: ToleranceGrade) -> Double {
        let u = u(grade)
        switch grade {
        case .standard:
            return ErrorBound.gamma(n, unitRoundoff: u)
        case .functional:
            let nd = Double(max(n, 0))
            return Foundation.exp(Self.lambda * nd.squareRoot() * u + nd * u * u / (1 - u)) - 1
        }
    }

    /// The final rounding to storage plus the floor, on top of a bound of `relative`·|y|.
    package func final(_ relative: Double, _ value: Double) -> Double {
        let magnitude = value.isFinite ? abs(value) : 0
        return relative * magnitude + outputUnit * magnitude + floor
    }

    /// The bound behind the standard tolerance, as one line for reports and `certify battery`.
    package func derivation(for testCase: BatteryCase) -> String {
        let s = testCase.shape
        let bound: String
        switch testCase.kernel {
        case .gemm, .gemmW8, .gemmW4: bound = "γ_K·Σ|a·b| (K=\(s[2])\(testCase.kernel == .gemm ? "" : ", +1 for dequantisation"))"
        case .gemmBatched: bound = "γ_K·Σ|a·b| (K=\(s[3]))"
        case .gemmW4G, .gemmW8G: bound = "γ_K·Σ|a·ŵ|, ŵ = (w − z)·s per group of \(s[3]) rows (K=\(s[2]), +1 for dequantisation)"
        case .gemmI8Dequant: bound = "γ_3·|y| (the int32 sum exact; its conversion and the two scalings)"
        case .gemmI8, .embedding, .argmax, .topk, .reduceMax, .convert: return "exact"
        case .softmax:
            let stored = intermediateUnit > 0 ? " + 2u_out (exp(x − max) stored in \(storage.rawValue))" : ""
            bound = "(t_i + max t + γ_n + u\(stored))·y, t_i = (E+1)u + u·|x_i − max x|, n=\(s[1])"
        case .rmsnorm: bound = "(γ_n/2 + (S+4)u)·|y|, n=\(s[1])"
        case .layernorm: bound = "|δd|·r·|g| + |d·r·g|·(δr + 2u) + u|y|, n=\(s[1])"
        case .silu: bound = "(E+2)u·|y|"
        case .swiglu: bound = "(E+3)u·|y|"
        case .geluErf: bound = "|x|/2·((E_erf+1)u + 1.13u|t|) + 3u|y|"
        case .geluTanh: bound = "|x|/2·(E_tanh·u + 5u|z|sech²z + 2u) + 2u|y|"
        case .rope: bound = "(|x₀|+|x₁|)(δθ + 4u) + 2u(|x₀c|+|x₁s|) + u|y|, δθ = (E_pow+2)u·θ"
        case .attention, .attentionVarlen, .attentionPaged:
            let stored = intermediateUnit > 0 ? " + 2u_out (probabilities stored in \(storage.rawValue))" : ""
            let each = testCase.kernel == .attention ? "" : "per sequence: "
            bound = "\(each)Σ_j |p_j v_j|·(t_j + max t + γ_kv + u\(stored)) + γ_kv·Σ|p v|, t_j from γ_d scores"
        case .reduceSum: bound = "γ_n·Σ|x|, n=\(s[1])"
        case .add: bound = "u·|y|"
        }
        let floorText = flushesSubnormals ? "flush-to-zero floor" : "subnormal floor"
        return "\(bound); \(accumulation.rawValue) accumulation; + u_out·|y| (\(storage.rawValue), \(rounding.rawValue)) + \(floorText)"
    }
}
