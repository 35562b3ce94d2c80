import CertifyNumerics

/// The fixed, versioned battery. Changing any case changes `version`.
package enum Battery {
    /// Recorded in every report; bump it whenever a case, shape, input pattern or bound changes.
    package static let version = "0.1.0"

    /// ChatGLM3-6B dimensions the shapes derive from.
    package enum GLM {
        package static let hidden = 4096
        package static let ffn = 13696
        package static let fusedGateUp = 27392
        package static let qkvOut = 4608
        package static let heads = 32
        package static let rmsEps = 1e-5
    }

    /// Every case of `suite`, in run order.
    package static func cases(_ suite: Suite) -> [BatteryCase] {
        let floats: [DType] = [.fp32, .fp16, .bf16]
        var cases: [BatteryCase] = []
        let gemms: [(String, [Int], String)]
        let softmax: [Int]
        let softmaxLarge: [Int]
        let rmsnorm: [Int]
        let rmsnormSmall: [Int]
        let silu: Int
        switch suite {
        case .quick:
            gemms = [
                ("qkv", [2, GLM.qkvOut / 48, 256], "QKV projection, hidden and width scaled down"),
                ("long-k", [1, 16, GLM.hidden], "one output tile over the full hidden width K=4096"),
            ]
            softmax = [4, 256]
            softmaxLarge = [2, 128]
            rmsnorm = [2, 512]
            rmsnormSmall = [1, 512]
            silu = 2048
        case .standard:
            // The real reduction lengths K, which decide the numerics, over a tile of the output
            // columns: more columns only add samples of the same error distribution.
            gemms = [
                ("qkv-decode-tile", [4, 512, GLM.hidden], "QKV projection, decode batch 4, a 512-column tile, K=4096"),
                ("ffn-down-decode-tile", [4, 256, GLM.ffn], "FFN down projection, decode batch 4, a 256-column tile, K=13696"),
            ]
            softmax = [GLM.heads, 2048]
            softmaxLarge = [GLM.heads, 512]
            rmsnorm = [16, GLM.hidden]
            rmsnormSmall = [4, GLM.hidden]
            silu = 4 * GLM.ffn
        case .full:
            gemms = [
                ("qkv-prefill", [128, GLM.qkvOut, GLM.hidden], "QKV projection, prefill 128 tokens"),
                ("gate-up-prefill", [128, GLM.fusedGateUp, GLM.hidden], "fused gate/up projection, prefill 128 tokens"),
                ("ffn-down-prefill", [128, GLM.hidden, GLM.ffn], "FFN down projection, prefill 128 tokens"),
                ("qkv-decode", [16, GLM.qkvOut, GLM.hidden], "QKV projection, decode batch 16"),
            ]
            softmax = [GLM.heads, 8192]
            softmaxLarge = [GLM.heads, 2048]
            rmsnorm = [2048, GLM.hidden]
            rmsnormSmall = [16, GLM.hidden]
            silu = 128 * GLM.ffn
        }
        for dtype in floats {
            for (name, shape, origin) in gemms {
                cases.append(BatteryCase(name: name, kernel: .gemm, dtype: dtype, shape: shape, origin: origin))
            }
            cases.append(
                BatteryCase(
                    name: "attention-scores", kernel: .softmax, dtype: dtype, shape: softmax,
                    origin: "attention probabilities, \(softmax[0]) heads over a KV length of \(softmax[1])"))
            cases.append(
                BatteryCase(
                    name: "hidden", kernel: .rmsnorm, dtype: dtype, shape: rmsnorm, scalars: [GLM.rmsEps],
                    origin: "RMSNorm over the hidden state, eps 1e-5"))
            cases.append(
                BatteryCase(
                    name: "ffn-gate", kernel: .silu, dtype: dtype, shape: [silu],
                    origin: "SiLU on the FFN gate, width 13696"))
        }
        for dtype in floats {
            cases.append(
                BatteryCase(
                    name: "large-logits", kernel: .softmax, dtype: dtype, role: .edge, shape: softmaxLarge,
                    pattern: .largeMagnitude, origin: "logits up to ±1000: needs max subtraction"))
            cases.append(
                BatteryCase(
                    name: "tiny-activations", kernel: .rmsnorm, dtype: dtype, role: .edge, shape: rmsnormSmall,
                    scalars: [GLM.rmsEps], pattern: .smallMagnitude,
                    origin: "activations of 1e-3, where eps dominates mean(x²)"))
        }
        return cases
    }

    /// Every name a chip profile's latency budget may use: kernel names and case ids of every suite.
    package static var budgetKeys: Set<String> {
        var keys = Set(Kernel.allCases.map(\.rawValue))
        for suite in Suite.allCases { keys.formUnion(cases(suite).map(\.id)) }
        return keys
    }
}
