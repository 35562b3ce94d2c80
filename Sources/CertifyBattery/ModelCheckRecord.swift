/// The shape of the GLM decoder the model-level check runs: the real layer structure of
/// ChatGLM3-6B and GLM-4-9B (RMSNorm, QKV with bias, RoPE on half of each head in adjacent pairs,
/// multi-query attention over a KV cache, dense projection, residual, RMSNorm, SwiGLU FFN,
/// residual; final RMSNorm, LM head, argmax), at the width a suite asks for.
package struct DecoderShape: Sendable, Codable, Equatable, Hashable {
    package var layers: Int
    package var hidden: Int
    package var heads: Int
    package var kvGroups: Int
    package var headDim: Int
    /// Dimensions of each head RoPE rotates (ChatGLM: half the head).
    package var rotary: Int
    package var ropeBase: Double
    package var ffn: Int
    package var vocabulary: Int
    package var eps: Double
    /// Tokens of the prompt, run as one prefill.
    package var prompt: Int
    /// Decode steps after the prompt, one token each.
    package var decodeSteps: Int
    /// Where the widths come from.
    package var origin: String

    /// The longest dot product the chain forms: the FFN's down projection, the hidden width, or
    /// attention over every token (prompt and decode steps) of the cache.
    package var longestSum: Int { max(ffn, hidden, prompt + decodeSteps, heads * headDim) }

    /// Columns of the fused QKV projection: h·d query, g·d key and g·d value columns.
    package var qkvColumns: Int { (heads + 2 * kvGroups) * headDim }

    /// The decoder each suite runs. Quick keeps the structure (two layers) at a width that runs in
    /// milliseconds; standard and full run one layer at ChatGLM3-6B's true width (hidden 4096, 32 heads
    /// over 2 KV groups of 128, rot 64, FFN 13696) with a vocabulary of 8192 columns: the LM head's
    /// reduction is the model's (K = 4096), its width is not (65024 would hold 0.5 GB of weights
    /// in each of certify and the backend for one GEMM).
    package static func forSuite(_ suite: Suite) -> DecoderShape {
        switch suite {
        case .quick:
            DecoderShape(
                layers: 2, hidden: 128, heads: 4, kvGroups: 2, headDim: 32, rotary: 16, ropeBase: 10000, ffn: 344,
                vocabulary: 512, eps: 1e-5, prompt: 8, decodeSteps: 4,
                origin: "ChatGLM3-6B's structure at 1/32 of its width")
        case .standard:
            DecoderShape(
                layers: 1, hidden: 4096, heads: 32, kvGroups: 2, headDim: 128, rotary: 64, ropeBase: 10000, ffn: 13696,
                vocabulary: 8192, eps: 1e-5, prompt: 16, decodeSteps: 4,
                origin: "one ChatGLM3-6B layer at its true width; vocabulary 8192")
        case .full:
            DecoderShape(
                layers: 1, hidden: 4096, heads: 32, kvGroups: 2, headDim: 128, rotary: 64, ropeBase: 10000, ffn: 13696,
                vocabulary: 8192, eps: 1e-5, prompt: 32, decodeSteps: 8,
                origin: "one ChatGLM3-6B layer at its true width; vocabulary 8192; a longer prompt and more steps")
        }
    }

    /// "2 layers, hidden 128, 4 heads over 2 KV groups of 32, rot 16, FFN 344, vocabulary 512".
    package var summary: String {
        "\(layers) layer\(layers == 1 ? "" : "s"), hidden \(hidden), \(heads) heads over \(kvGroups) KV groups of \(headDim), "
            + "rot \(rotary), FFN \(ffn), vocabulary \(vocabulary); prompt \(prompt), \(decodeSteps) decode steps"
    }
}

/// One position the model-level check compares: the backend's logits for the next token against
/// the fp64 model's.
package struct ModelCheckStep: Sendable, Codable, Equatable {
    /// Position of the token whose successor is predicted (0-based).
    package var position: Int
    /// 0 for the prompt's prefill, then 1, 2, … for each decode step.
    package var step: Int
    /// The fp64 model's top-1 token, and its lead over its runner-up in logits.
    package var expectedToken: Int
    package var margin: Double
    /// The token the backend's argmax kernel chose from the backend's logits.
    package var backendToken: Int
    /// max |logit − fp64 logit| over the vocabulary; NaN when a logit is not finite.
    package var maxLogitError: Double
    /// KL(p_fp64 ‖ p_backend) of the softmax of the logits, in nats.
    package var klDivergence: Double
    /// The same two figures for the fp64 model with every kernel's output rounded to the storage
    /// dtype: the error a correct backend cannot avoid.
    package var roundedMaxLogitError: Double
    package var roundedKLDivergence: Double

    package init(
        position: Int, step: Int, expectedToken: Int, margin: Double, backendToken: Int, maxLogitError: Double,
        klDivergence: Double, roundedMaxLogitError: Double, roundedKLDivergence: Double
    ) {
        (self.position, self.step, self.expectedToken, self.margin) = (position, step, expectedToken, margin)
        (self.backendToken, self.maxLogitError, self.klDivergence) = (backendToken, maxLogitError, klDivergence)
        (self.roundedMaxLogitError, self.roundedKLDivergence) = (roundedMaxLogitError, roundedKLDivergence)
    }
}

/// The model-level check of a run: a GLM decoder with seeded synthetic weights, run through the
/// backend's own kernels for a prompt and decode steps, against the same model on the fp64 oracle.
package struct ModelCheckRecord: Sendable, Codable, Equatable {
    package var shape: DecoderShape
    /// The storage dtype of weights and activations; nil when no dtype had every kernel.
    package var type: TensorType?
    /// passed, failed, unsupported (a kernel the chain needs is missing), error, crashed,
    /// timed-out or not-run.
    package var outcome: CaseOutcome
    /// Why it did not pass, in words: the step, the disagreement, the divergence.
    package var message: String?
    /// The limits the steps are held to (BATTERY.md, "The model-level check").
    package var logitLimit: Double?
    package var klLimit: Double?
    package var steps: [ModelCheckStep]

    package init(
        shape: DecoderShape, type: TensorType?, outcome: CaseOutcome, message: String? = nil, logitLimit: Double? = nil,
        klLimit: Double? = nil, steps: [ModelCheckStep] = []
    ) {
        (self.shape, self.type, self.outcome, self.message) = (shape, type, outcome, message)
        (self.logitLimit, self.klLimit, self.steps) = (logitLimit, klLimit, steps)
    }

    /// The kernels the chain calls, each in the model's dtype.
    package static let kernels: [Kernel] = [.embedding, .rmsnorm, .gemm, .add, .rope, .attention, .swiglu, .argmax]

    /// The largest figure over the limit it is held to, over every step: ≤ 1 is within the limits;
    /// infinite when a logit is not finite; nil when nothing was compared.
    package var worstRatio: Double? {
        guard let logitLimit, let klLimit, !steps.isEmpty else { return nil }
        return steps.map { step in
            guard step.maxLogitError.isFinite, step.klDivergence.isFinite else { return Double.infinity }
            return max(step.maxLogitError / logitLimit, step.klDivergence / klLimit)
        }.max()
    }

    /// Top-1 agreements over the steps compared.
    package var agreements: Int { steps.filter { $0.backendToken == $0.expectedToken }.count }
}
