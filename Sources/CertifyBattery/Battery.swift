import CertifyNumerics

/// The fixed, versioned battery. Changing any case changes `version`.
package enum Battery {
    /// Recorded in every report; bump it whenever a case, shape, input pattern or bound changes.
    package static let version = "1.5.0"

    /// The dimensions of a GLM model's layers.
    package struct ModelDimensions: Sendable {
        package let hidden, ffn, fusedGateUp, qkvOut, heads, kvGroups, headDim, rotaryDim, vocab: Int
        package let ropeBase, rmsEps: Double
    }

    /// ChatGLM3-6B, which the shapes derive from.
    package static let GLM = ModelDimensions(
        hidden: 4096, ffn: 13696, fusedGateUp: 27392, qkvOut: 4608, heads: 32, kvGroups: 2, headDim: 128, rotaryDim: 64,
        vocab: 65024, ropeBase: 10000, rmsEps: 1e-5)

    /// GLM-4-9B(-chat), where it differs: its vocabulary, and RoPE with rope_ratio 500 (base
    /// 10000·500) over a 131072-token context (its config.json: padded_vocab_size, rope_ratio,
    /// seq_length).
    package static let GLM4 = (vocab: 151_552, ropeBase: 5_000_000.0, context: 131_072)

    /// The shapes of one suite.
    private struct Dimensions {
        var gemms: [(String, [Int], String)]
        // Shapes in each kernel's ABI order (memberwise, so in this order); `rows` are tokens × hidden.
        var batched, int8, weightOnly, rows, tinyRows, softmax, causal, masked, large: [Int]
        var elementwise: Int
        var swiglu, rope: [Int]
        var ropeOffset: Double
        var attentionDecode, attentionPrefill, embedding, logits: [Int]
        var topK: Int
        var reduce: [Int]
        var add, convert: Int
        // Input classes of the threat model (BATTERY.md): lengths, tails and long contexts.
        var positiveGemm, oddGemm, oddBatched, oddW4, oddSoftmax, offsetRows, longRope: [Int]
        var chunkedPrefill, scoredDecode, oddGroups, longDecode, vocabularyRows, positiveRows: [Int]
        var oddLength: Int
        // Battery 1.4.0: GLM-4's vocabulary and long context (rows of the logits, the embedding
        // table's tile, RoPE's tokens × heads, one decode query's KV), and the LM heads.
        var glm4Logits, glm4Embedding, glm4Rope, glm4Decode: [Int]
        /// nil in the quick suite: a reference top-k over 151552 columns takes tens of ms a call.
        var glm4Sampling: [Int]?
        var lmHeads: [(String, [Int], String)]
        // Battery 1.5.0 (ABI 1.2): the QKV bias over rows, a tile of fp32 logits, a batch of
        // sequences of mixed lengths (flattened (q, kv) pairs), a paged KV cache (context lengths),
        // group-wise weights (m, n, k, G) and the int8 GEMM with dequantisation.
        var biasRows, logitsTile: [Int]
        var varlen: (shape: [Int], sequences: [Int])
        var paged: (shape: [Int], lengths: [Int])
        var grouped, int8Dequant: [Int]
    }

    private static func dimensions(_ suite: Suite) -> Dimensions {
        let h = GLM.hidden
        switch suite {
        case .quick:
            return Dimensions(
                gemms: [
                    ("qkv", [2, GLM.qkvOut / 48, 256], "QKV projection, hidden and width scaled down"),
                    ("long-k", [1, 16, h], "one output tile over the full hidden width K=4096"),
                ],
                batched: [4, 4, 64, GLM.headDim], int8: [4, 64, 512], weightOnly: [2, 64, 512],
                rows: [2, 512], tinyRows: [1, 512], softmax: [4, 256], causal: [8, 64], masked: [8, 64],
                large: [2, 128], elementwise: 2048, swiglu: [2, 512], rope: [4, 4, GLM.headDim, GLM.rotaryDim],
                ropeOffset: 4000, attentionDecode: [1, 64, 4, GLM.kvGroups, GLM.headDim],
                attentionPrefill: [16, 16, 4, GLM.kvGroups, GLM.headDim], embedding: [8, 1024, 256],
                logits: [2, 4096], topK: 8, reduce: [4, 1024], add: 4096, convert: 4096,
                positiveGemm: [1, 16, h], oddGemm: [3, 257, 200], oddBatched: [3, 4, 64, GLM.headDim], oddW4: [2, 63, 512],
                oddSoftmax: [4, 1001], offsetRows: [2, 512], longRope: [4, 4, GLM.headDim, GLM.rotaryDim],
                chunkedPrefill: [16, 80, 4, GLM.kvGroups, GLM.headDim], scoredDecode: [1, 256, 4, GLM.kvGroups, GLM.headDim],
                oddGroups: [4, 64, 12, 4, GLM.headDim], longDecode: [1, 1024, 4, GLM.kvGroups, GLM.headDim],
                vocabularyRows: [4, 4096], positiveRows: [4, 4096], oddLength: 1031,
                glm4Logits: [1, GLM4.vocab], glm4Embedding: [8, GLM4.vocab, 8], glm4Rope: [4, 4, GLM.headDim, GLM.rotaryDim],
                glm4Decode: [1, 2048, 4, GLM.kvGroups, GLM.headDim], glm4Sampling: nil, lmHeads: [],
                biasRows: [2, GLM.qkvOut], logitsTile: [1, 256, 512],
                varlen: ([4, 15, 78, 4, GLM.kvGroups, GLM.headDim], [1, 40, 8, 32, 5, 5, 1, 1]),
                paged: ([4, 4, GLM.kvGroups, GLM.headDim, 16, 48, 38], [1, 17, 40, 600]),
                grouped: [2, 64, 512, 128], int8Dequant: [4, 64, 512])
        case .standard:
            return Dimensions(
                gemms: [
                    ("qkv-decode-tile", [4, 512, h], "QKV projection, decode batch 4, a 512-column tile, K=4096"),
                    ("ffn-down-decode-tile", [4, 256, GLM.ffn], "FFN down projection, decode batch 4, a 256-column tile, K=13696"),
                ],
                batched: [GLM.heads, 1, 1024, GLM.headDim], int8: [4, 512, h], weightOnly: [4, 512, h],
                rows: [16, h], tinyRows: [4, h], softmax: [GLM.heads, 2048], causal: [128, 1024], masked: [64, 512],
                large: [GLM.heads, 512], elementwise: 4 * GLM.ffn, swiglu: [4, GLM.ffn],
                rope: [16, GLM.heads, GLM.headDim, GLM.rotaryDim], ropeOffset: 8000,
                attentionDecode: [1, 2048, GLM.heads, GLM.kvGroups, GLM.headDim],
                attentionPrefill: [64, 64, GLM.heads, GLM.kvGroups, GLM.headDim], embedding: [16, GLM.vocab, 128],
                logits: [4, GLM.vocab], topK: 50, reduce: [32, h], add: 16 * h, convert: 65536,
                positiveGemm: [4, 256, h], oddGemm: [5, 257, h + 1], oddBatched: [3, 4, 256, GLM.headDim], oddW4: [4, 63, h],
                oddSoftmax: [GLM.heads, 2049], offsetRows: [16, h], longRope: [16, GLM.heads, GLM.headDim, GLM.rotaryDim],
                chunkedPrefill: [64, 320, GLM.heads, GLM.kvGroups, GLM.headDim],
                scoredDecode: [1, 2048, GLM.heads, GLM.kvGroups, GLM.headDim], oddGroups: [16, 256, 12, 4, GLM.headDim],
                longDecode: [1, 8192, GLM.heads, GLM.kvGroups, GLM.headDim], vocabularyRows: [4, GLM.vocab],
                positiveRows: [32, GLM.ffn], oddLength: 65537,
                glm4Logits: [4, GLM4.vocab], glm4Embedding: [16, GLM4.vocab, 128],
                glm4Rope: [16, GLM.heads, GLM.headDim, GLM.rotaryDim], glm4Decode: [1, 32768, GLM.heads, GLM.kvGroups, GLM.headDim],
                glm4Sampling: [4, GLM4.vocab, 50], lmHeads: [],
                biasRows: [16, GLM.qkvOut], logitsTile: [4, 1024, h],
                varlen: ([4, 82, 2041, GLM.heads, GLM.kvGroups, GLM.headDim], [1, 1000, 64, 1024, 16, 16, 1, 1]),
                paged: ([4, GLM.heads, GLM.kvGroups, GLM.headDim, 16, 192, 128], [1, 100, 517, 2048]),
                grouped: [4, 512, h, 128], int8Dequant: [4, 512, h])
        case .full:
            return Dimensions(
                gemms: [
                    ("qkv-prefill", [128, GLM.qkvOut, h], "QKV projection, prefill 128 tokens"),
                    ("gate-up-prefill", [128, GLM.fusedGateUp, h], "fused gate/up projection, prefill 128 tokens"),
                    ("ffn-down-prefill", [128, h, GLM.ffn], "FFN down projection, prefill 128 tokens"),
                    ("qkv-decode", [16, GLM.qkvOut, h], "QKV projection, decode batch 16"),
                ],
                batched: [GLM.heads, 128, 2048, GLM.headDim], int8: [128, GLM.qkvOut, h], weightOnly: [16, GLM.qkvOut, h],
                rows: [2048, h], tinyRows: [16, h], softmax: [GLM.heads, 8192], causal: [2048, 2048], masked: [512, 2048],
                large: [GLM.heads, 2048], elementwise: 128 * GLM.ffn, swiglu: [128, GLM.ffn],
                rope: [2048, GLM.heads, GLM.headDim, GLM.rotaryDim], ropeOffset: 0,
                attentionDecode: [1, 8192, GLM.heads, GLM.kvGroups, GLM.headDim],
                attentionPrefill: [2048, 2048, GLM.heads, GLM.kvGroups, GLM.headDim], embedding: [128, GLM.vocab, h],
                logits: [16, GLM.vocab], topK: 50, reduce: [2048, h], add: 2048 * h, convert: 1 << 22,
                positiveGemm: [16, 512, h], oddGemm: [5, 257, h + 1], oddBatched: [3, 32, 2048, GLM.headDim],
                oddW4: [16, 63, h], oddSoftmax: [GLM.heads, 8193], offsetRows: [128, h],
                longRope: [128, GLM.heads, GLM.headDim, GLM.rotaryDim], chunkedPrefill: [512, 2560, GLM.heads, GLM.kvGroups, GLM.headDim],
                scoredDecode: [1, 8192, GLM.heads, GLM.kvGroups, GLM.headDim], oddGroups: [64, 1024, 12, 4, GLM.headDim],
                longDecode: [1, 32768, GLM.heads, GLM.kvGroups, GLM.headDim], vocabularyRows: [16, GLM.vocab],
                positiveRows: [128, GLM.ffn], oddLength: (1 << 20) + 1,
                glm4Logits: [16, GLM4.vocab], glm4Embedding: [128, GLM4.vocab, 128],
                glm4Rope: [128, GLM.heads, GLM.headDim, GLM.rotaryDim],
                glm4Decode: [1, GLM4.context, GLM.heads, GLM.kvGroups, GLM.headDim], glm4Sampling: [16, GLM4.vocab, 50],
                lmHeads: [
                    ("lm-head-chatglm3", [1, GLM.vocab, h], "ChatGLM3-6B's LM head for one decoded token: 65024 logits, K=4096"),
                    ("lm-head-glm4", [1, GLM4.vocab, h], "GLM-4-9B's LM head for one decoded token: 151552 logits, K=4096"),
                ],
                biasRows: [2048, GLM.qkvOut], logitsTile: [1, GLM.vocab, h],
                varlen: ([4, 642, 12417, GLM.heads, GLM.kvGroups, GLM.headDim], [1, 8192, 512, 4096, 128, 128, 1, 1]),
                paged: ([4, GLM.heads, GLM.kvGroups, GLM.headDim, 16, 2688, 2048], [1, 1000, 8191, 32768]),
                grouped: [16, GLM.qkvOut, h, 128], int8Dequant: [128, GLM.qkvOut, h])
        }
    }

    /// Every case of `suite`, in run order.
    package static func cases(_ suite: Suite) -> [BatteryCase] {
        let d = dimensions(suite)
        let floats: [TensorType] = [.fp32, .fp16, .bf16]
        let halves: [TensorType] = [.fp16, .bf16]
        var cases: [BatteryCase] = []
        func add(
            _ name: String, _ kernel: Kernel, _ types: [TensorType], _ role: CaseRole, _ shape: [Int],
            scalars: [Double] = [], flags: UInt32 = 0, pattern: InputPattern = .typical, destination: TensorType? = nil,
            refusal: String? = nil, sequences: [Int] = [], _ origin: String
        ) {
            for type in types {
                cases.append(
                    BatteryCase(
                        name: name, kernel: kernel, type: type, destination: destination, role: role, shape: shape,
                        scalars: scalars, flags: flags, pattern: pattern, refusal: refusal, sequences: sequences, origin: origin))
            }
        }
        let eps = [GLM.rmsEps]
        let attentionScale = [1 / Double(GLM.headDim).squareRoot()]
        let ropeScalars = [GLM.ropeBase, d.ropeOffset]

        // Core: what every ChatGLM forward pass runs, on typical inputs.
        add("embed", .embedding, floats, .core, d.embedding, "token embedding gather from the 65024-entry vocabulary")
        for (name, shape, origin) in d.gemms { add(name, .gemm, floats, .core, shape, origin) }
        add("scores", .gemmBatched, floats, .core, d.batched, "per-head attention scores Q·Kᵀ, head dim 128")
        add("hidden", .rmsnorm, floats, .core, d.rows, scalars: eps, "RMSNorm over the hidden state, eps 1e-5")
        add("qk", .rope, floats, .core, d.rope, scalars: ropeScalars,
            "rotary embedding on the first 64 of 128 dims per head, base 10000, from position \(Int(d.ropeOffset))")
        // GLM runs attention in 16-bit; fp32 attention is part of the wider battery.
        for (types, role) in [(halves, CaseRole.core), ([TensorType.fp32], CaseRole.extended)] {
            add("decode", .attention, types, role, d.attentionDecode, scalars: attentionScale,
                "causal attention, one query over the KV cache, 32 heads sharing 2 KV groups")
            add("prefill", .attention, types, role, d.attentionPrefill, scalars: attentionScale,
                "causal attention over a prompt, 2 KV groups")
        }
        add("attention-scores", .softmax, floats, .core, d.softmax, "attention probabilities over the KV length")
        add("causal", .softmax, floats, .core, d.causal, flags: SoftmaxFlags.causal, "causal softmax over a prompt")
        add("ffn-gate", .silu, floats, .core, [d.elementwise], "SiLU on the FFN gate, width 13696")
        add("ffn", .swiglu, floats, .core, d.swiglu, "SwiGLU on the fused 27392-wide gate/up projection")
        add("residual", .add, floats, .core, [d.add], "residual add on the hidden state")
        add("next-token", .argmax, floats, .core, d.logits, "greedy decoding over the vocabulary logits")
        add("activation", .convert, [.fp32], .core, [d.convert], destination: .fp16, "fp32 activations stored as fp16")
        add("activation", .convert, [.fp32], .core, [d.convert], destination: .bf16, "fp32 activations stored as bf16")
        add("widen", .convert, [.fp16, .bf16], .core, [d.convert], destination: .fp32, "16-bit values widened to fp32")

        // Extended: the rest of the GLM family's kernels.
        add("w8a16", .gemmW8, halves, .extended, d.weightOnly, "weight-only int8 QKV projection with per-channel scales")
        add("w4a16", .gemmW4, halves, .extended, d.weightOnly, "weight-only int4 QKV projection with per-channel scales")
        add("int8", .gemmI8, [.int8], .extended, d.int8, "int8 × int8 → int32 QKV projection, exact")
        add("hidden", .layernorm, floats, .extended, d.rows, scalars: eps, "LayerNorm over the hidden state (GLM-130B)")
        add("ffn", .geluErf, floats, .extended, [d.elementwise], "GELU, erf form")
        add("ffn", .geluTanh, floats, .extended, [d.elementwise], "GELU, tanh approximation")
        add("sampling", .topk, floats, .extended, d.logits + [d.topK], "top-k sampling candidates over the vocabulary")
        add("rows", .reduceSum, floats, .extended, d.reduce, "row sums of the hidden state")
        add("rows", .reduceMax, floats, .extended, d.reduce, "row maxima of the hidden state")

        // Edge: the number system's corners.
        add("large-logits", .softmax, floats, .edge, d.large, pattern: .largeMagnitude, "logits up to ±1000: needs max subtraction")
        add("padding-mask", .softmax, [.fp32, .fp16], .edge, d.masked, flags: SoftmaxFlags.mask, pattern: .masked,
            "masked softmax with fully masked rows, which must be zeros")
        add("tiny-activations", .rmsnorm, floats, .edge, d.tinyRows, scalars: eps, pattern: .smallMagnitude,
            "activations of 1e-3, where eps dominates mean(x²)")
        add("overflow", .gemm, [.fp16], .edge, [2, 8, 16], pattern: .overflow, "fp16 sums beyond 65504 must become +Inf")
        add("overflow", .add, [.fp16], .edge, [256], pattern: .overflow, "fp16 residual sums beyond 65504 must become +Inf")
        add("overflow", .convert, [.fp32], .edge, [256], pattern: .overflow, destination: .fp16, "fp32 beyond fp16's range must become ±Inf")
        add("nan", .gemm, [.fp32], .edge, [4, 16, 64], pattern: .nonFinite, "a NaN in A poisons its row")
        add("non-finite", .add, floats, .edge, [256], pattern: .nonFinite, "NaN and ±Inf propagate; Inf + (−Inf) is NaN")
        add("non-finite", .silu, [.fp32, .fp16], .edge, [256], pattern: .nonFinite,
            "silu(NaN) is NaN, silu(+Inf) is +Inf, silu(−Inf) its limit 0 or NaN (the header allows both)")
        for kernel in [Kernel.geluErf, .geluTanh] {
            add("non-finite", kernel, [.fp32], .edge, [256], pattern: .nonFinite,
                "gelu(NaN) is NaN, gelu(+Inf) is +Inf, gelu(−Inf) its limit 0 or NaN (the header allows both)")
        }
        add("non-finite", .convert, [.fp32], .edge, [256], pattern: .nonFinite, destination: .bf16, "NaN and ±Inf survive conversion")
        add("nan", .reduceMax, floats, .edge, [4, 256], pattern: .nonFinite, "a NaN in a row makes its max NaN")
        add("nan", .argmax, [.fp32], .edge, [4, 256], pattern: .nonFinite, "the first NaN is the largest")
        add("ties", .argmax, [.fp16], .edge, [4, 512], pattern: .ties, "ties go to the lowest index")
        add("ties", .topk, [.bf16], .edge, [4, 512, 16], pattern: .ties, "ties in index order")
        add("subnormal", .add, floats, .edge, [256], pattern: .subnormal, "subnormal inputs, kept unless the profile declares flush-to-zero")
        add("subnormal", .convert, [.fp32], .edge, [256], pattern: .subnormal, destination: .fp16, "fp32 values that become fp16 subnormals")
        add("empty-k", .gemm, [.fp32], .edge, [4, 8, 0], "K = 0: C is all zeros")
        add("empty-m", .gemm, [.fp16], .edge, [0, 8, 16], "M = 0: an empty result")
        add("empty-rows", .reduceSum, [.fp32], .edge, [4, 0], "sums of empty rows are 0")
        add("empty-rows", .reduceMax, [.fp32], .edge, [4, 0], "maxima of empty rows are −Inf")

        // Input classes from the threat model (BATTERY.md, "Threat model"): each reveals a way real
        // implementations go wrong that typical inputs hide.
        add("positive-long-k", .gemm, halves, .edge, d.positiveGemm, pattern: .positive,
            "all-positive operands over K=4096: a 16-bit running sum drifts in proportion to K")
        add("mantissa-bits", .gemm, [.fp32], .edge, [4, 64, 256], pattern: .mantissaBits,
            "fp32 operands needing 21 significand bits, summed exactly in fp32: TF32 or bf16 operands show")
        add("odd-tail", .gemm, floats, .edge, d.oddGemm, "M, N and K that no tile or vector width divides")
        add("nan-in-b", .gemm, [.fp32], .edge, [4, 16, 64], pattern: .nanVariety, "a NaN in B under a zero of A must still poison C")
        add("odd-batch", .gemmBatched, [.fp32, .fp16], .edge, d.oddBatched, "an odd number of heads batched")
        add("odd-columns", .gemmW4, halves, .edge, d.oddW4, "int4 rows that start mid-byte (odd N)")
        add("odd-length", .softmax, floats, .edge, d.oddSoftmax, "rows no vector width divides")
        add("very-negative", .softmax, [.fp32], .edge, d.large, pattern: .veryNegative,
            "logits below −1e5: a maximum started at a finite sentinel gives NaN")
        add("common-offset", .layernorm, floats, .edge, d.offsetRows, scalars: eps, pattern: .commonOffset,
            "rows of 1e4 ± 1 (fp32), 200 ± 1 (fp16): E[x²] − E[x]² cancels")
        add("large-activations", .rmsnorm, halves, .edge, d.tinyRows, scalars: eps, pattern: .largeMagnitude,
            "activations of a few hundred: x² overflows fp16 if squared in storage precision")
        for kernel in [Kernel.silu, .geluErf, .geluTanh] {
            add("wide-range", kernel, floats, .edge, [d.oddLength], pattern: .wideRange,
                "activations over [−80, 100] (odd length): exp overflows in naive formulas")
        }
        add("long-context", .rope, floats, .extended, d.longRope, scalars: [GLM.ropeBase, 131_072],
            "rotary embedding from position 131072 (GLM-4's 128K context): angle errors grow with position")
        for (types, role) in [(halves, CaseRole.extended), ([TensorType.fp32], CaseRole.extended)] {
            add("chunked-prefill", .attention, types, role, d.chunkedPrefill, scalars: attentionScale,
                "a prompt chunk attending to a longer KV cache (q < kv): the causal diagonal is offset")
        }
        add("long-decode", .attention, halves, .extended, d.longDecode, scalars: attentionScale,
            "one query over a long KV cache (8192 in the standard suite)")
        add("large-scores", .attention, halves, .edge, d.scoredDecode, scalars: attentionScale, pattern: .largeScores,
            "scores spread over tens of units: the softmax inside attention needs its maximum, blocks rescaled")
        add("odd-groups", .attention, halves, .edge, d.oddGroups, scalars: attentionScale,
            "12 heads over 4 KV groups: three heads per group, no power of two")
        add("near-ties", .argmax, halves, .edge, d.vocabularyRows, pattern: .nearTies,
            "maxima one unit in the last place above their runners-up")
        add("near-ties", .topk, halves, .edge, d.vocabularyRows + [d.topK], pattern: .nearTies,
            "top-k over values one unit in the last place apart")
        add("nan-variety", .argmax, halves, .edge, [4, 1031], pattern: .nanVariety, "several NaNs per row: the first wins")
        add("nan-variety", .topk, [.fp32, .bf16], .edge, [4, 1031, 16], pattern: .nanVariety,
            "NaNs of both signs, ±0 and −Inf: NaN largest, ties by index")
        add("nan-variety", .reduceMax, floats, .edge, [4, 1031], pattern: .nanVariety,
            "a NaN anywhere, the vector tail included, makes the maximum NaN")
        add("positive", .reduceSum, halves, .edge, d.positiveRows, pattern: .positive,
            "all-positive rows: a 16-bit running sum stagnates")
        add("odd-length", .add, floats, .edge, [d.oddLength], "a length no vector width divides")
        add("halfway", .convert, [.fp32], .edge, [d.oddLength], pattern: .halfway, destination: .fp16,
            "values exactly halfway between two fp16 neighbours: ties to even")
        add("halfway", .convert, [.fp32], .edge, [d.oddLength], pattern: .halfway, destination: .bf16,
            "values exactly halfway between two bf16 neighbours: ties to even")
        add("nan-payload", .convert, [.fp32], .edge, [256], pattern: .nanPayload, destination: .fp16,
            "NaNs whose payload is in bits fp16 drops: still NaN")
        add("nan-payload", .convert, [.fp32], .edge, [256], pattern: .nanPayload, destination: .bf16,
            "NaNs whose payload is in bits bf16 drops: still NaN")
        add("subnormal", .convert, [.fp16, .bf16], .edge, [256], pattern: .subnormal, destination: .fp32,
            "16-bit subnormals widened: exact in fp32")
        add("large-scales", .gemmW8, halves, .edge, [2, 64, 512], pattern: .largeScales,
            "per-channel scales of 256–1024: scale·w beyond 65504 if dequantised in fp16")
        add("constant-rows", .layernorm, floats, .edge, [4, 512], scalars: eps, pattern: .constantRows,
            "rows of one value: a variance of 0 (or rounded below it) must give β, not NaN")
        add("odd-dims", .gemmI8, [.int8], .edge, [17, 33, 65], "int8 M, N and K that no 4 or 16 divides")
        add("gemv", .gemmI8, [.int8], .edge, [1] + d.int8.dropFirst(), "int8 with M = 1, a GEMV path")
        add("odd-width", .embedding, [.fp32, .bf16], .edge, [8, 256, 4100], "rows 4100 wide: no tile of 64 or 128 divides them")
        add("short-rows", .argmax, [.fp32, .fp16], .edge, [4096, 5], "many rows of five: the index arithmetic of a short-row path")
        add("wide-range", .swiglu, floats, .edge, [1, d.oddLength], pattern: .wideRange,
            "gate and up over [−80, 100] (odd width): exp overflows in a naive SiLU")

        // GLM-4 (battery 1.4.0): a vocabulary past 2¹⁶ (an index kept in 16 bits wraps), RoPE at the
        // end of a 128K context with GLM-4's base, and one query over that context.
        add("glm4-vocabulary", .embedding, [.fp32, .bf16], .extended, d.glm4Embedding,
            "gather from GLM-4's 151552-entry vocabulary (a tile of each row): ids past 2¹⁶, which ChatGLM3's 65024 never reach")
        add("glm4-next-token", .argmax, floats, .extended, d.glm4Logits, "greedy decoding over GLM-4's 151552 logits")
        if let sampling = d.glm4Sampling {
            add("glm4-sampling", .topk, halves, .extended, sampling, "top-k candidates over GLM-4's 151552 logits")
        }
        add("glm4-long-context", .rope, floats, .extended, d.glm4Rope,
            scalars: [GLM4.ropeBase, Double(GLM4.context - d.glm4Rope[0])],
            "GLM-4-9B-chat's RoPE (base 10000 × rope_ratio 500) on the last tokens of its 131072-token context")
        add("glm4-long-decode", .attention, halves, .extended, d.glm4Decode, scalars: attentionScale,
            "one query over a KV cache of \(d.glm4Decode[1]) tokens (GLM-4-9B-chat serves 131072)")
        for (name, shape, origin) in d.lmHeads { add(name, .gemm, halves, .extended, shape, origin) }

        // Serving (battery 1.5.0, plugin ABI 1.2): what a serving engine runs around the same
        // layers. A plugin of ABI 1.1 or older is not asked these (they are unsupported for it).
        add("qkv-bias", .add, floats, .extended, d.biasRows, flags: AddFlags.broadcast,
            "ChatGLM3's and GLM-4's QKV bias (4608 wide) added to every token's projection")
        add("logits-fp32", .gemm, halves, .extended, d.logitsTile, flags: GemmFlags.outputF32, pattern: .positive,
            destination: .fp32,
            "an LM-head tile with fp32 logits from 16-bit activations and weights (all-positive, so that Σ|a·b| = |c| and the fp32 bound is well below a 16-bit rounding)")
        let (pairs, lengths) = (d.varlen.sequences, d.paged.lengths)
        add("serving-batch", .attentionVarlen, halves, .extended, d.varlen.shape, scalars: attentionScale, sequences: pairs,
            "a continuous batch of 4 sequences: (q, kv) = \(stride(from: 0, to: pairs.count, by: 2).map { "(\(pairs[$0]), \(pairs[$0 + 1]))" }.joined(separator: ", ")): decode, a chunked prefill, a fresh prompt")
        add("paged-decode", .attentionPaged, halves, .extended, d.paged.shape, scalars: attentionScale, sequences: lengths,
            "decode over a paged KV cache, blocks of \(d.paged.shape[4]) tokens scattered by a block table, context lengths \(lengths.map(String.init).joined(separator: ", "))")
        add("awq-g128", .gemmW4G, halves, .extended, d.grouped,
            "int4 QKV weights with a scale and zero point per group of 128 rows (GPTQ/AWQ checkpoints)")
        add("w8-g128", .gemmW8G, halves, .extended, d.grouped, "int8 QKV weights with a scale and zero point per group of 128 rows")
        add("smoothquant", .gemmI8Dequant, floats, .extended, d.int8Dequant,
            "int8 × int8 QKV projection dequantised by per-token and per-channel scales (SmoothQuant W8A8)")
        add("empty-sequences", .attentionVarlen, halves, .edge, [4, 7, 28, 4, GLM.kvGroups, 64], scalars: attentionScale,
            sequences: [0, 0, 4, 20, 3, 1, 0, 7],
            "a batch with an empty sequence, one with keys but no query, and one with more queries than keys (those that see no key output zeros)")
        add("odd-blocks", .attentionPaged, halves, .edge, [4, 4, GLM.kvGroups, 64, 5, 10, 5], scalars: attentionScale,
            sequences: [7, 1, 0, 23], "blocks of 5 tokens, partly filled last blocks and an empty context")
        add("odd-columns-g32", .gemmW4G, halves, .edge, [2, 63, 256, 32],
            "group-wise int4 with groups of 32 and an odd N: rows start mid-byte")
        for kernel in [Kernel.gemmW4G, .gemmW8G] {
            add("one-group", kernel, halves, .edge, [2, 64, 512, 512],
                "one group spanning K (G = k): per-channel scales and zero points through the group-wise kernel")
        }
        add("wide-zero-points", .gemmW4G, halves, .edge, [2, 64, 512, 128], pattern: .wideZeroPoints,
            "zero points over the whole I8 range the ABI allows, not only 0…15")
        add("odd-bias", .add, floats, .edge, [3, d.oddLength], flags: AddFlags.broadcast,
            "a bias over rows of a width no vector length divides")

        // Plan caches (threat model P2, P3): a backend that keys cached plans by less than the whole
        // op (leaving out a scalar, or keeping only a shape's element count) executes a plan made
        // for another op. Each pair runs back to back in every dtype and differs only in that.
        func backToBack(_ kernel: Kernel, _ types: [TensorType], _ variants: [(String, [Int], [Double])], _ origin: String) {
            for type in types {
                for (name, shape, scalars) in variants { add(name, kernel, [type], .edge, shape, scalars: scalars, origin) }
            }
        }
        let (rows, heads) = ([4, 512], [2, 4, GLM.headDim, GLM.rotaryDim])
        let decode = [1, 64, 4, GLM.kvGroups, GLM.headDim]
        backToBack(.rmsnorm, floats, [("plan-key-eps-1e-5", rows, [1e-5]), ("plan-key-eps-1e-1", rows, [1e-1])],
                   "the same RMSNorm with eps 1e-5, then 1e-1: a plan cached without its eps is wrong")
        backToBack(.rope, floats, [("plan-key-offset-0", heads, [GLM.ropeBase, 0]), ("plan-key-offset-8000", heads, [GLM.ropeBase, 8000])],
                   "the same RoPE from position 0, then 8000: a plan cached without its offset is wrong")
        backToBack(.attention, halves, [("plan-key-scale-rsqrt-d", decode, attentionScale), ("plan-key-scale-half", decode, [0.5])],
                   "the same attention scaled by 1/√128, then by 0.5: a plan cached without its scale is wrong")
        backToBack(.rmsnorm, floats, [("plan-key-shape", [16, 256], eps), ("plan-key-shape", [64, 64], eps)],
                   "16 rows of 256, then 64 rows of 64: the same element count, another shape")
        backToBack(.softmax, floats, [("plan-key-shape", [8, 512], []), ("plan-key-shape", [64, 64], [])],
                   "8 rows of 512, then 64 rows of 64: the same element count, another shape")
        backToBack(.gemm, [.fp32, .fp16], [("plan-key-shape", [8, 32, 64], []), ("plan-key-shape", [32, 8, 64], [])],
                   "8×32 then 32×8 outputs over K = 64: the same sizes, transposed roles")

        // Arguments the ABI requires INVALID_ARGUMENT for: a backend must refuse them.
        func refuse(_ name: String, _ kernel: Kernel, _ type: TensorType, _ shape: [Int], scalars: [Double] = [],
                    pattern: InputPattern = .typical, _ what: String) {
            add(name, kernel, [type], .edge, shape, scalars: scalars, pattern: pattern, refusal: what,
                "must be refused with INVALID_ARGUMENT: \(what)")
        }
        refuse("fractional-offset", .rope, .fp32, [1, 1, GLM.headDim, GLM.rotaryDim], scalars: [GLM.ropeBase, 1.5],
               "a RoPE position offset of 1.5")
        refuse("negative-offset", .rope, .fp32, [1, 1, GLM.headDim, GLM.rotaryDim], scalars: [GLM.ropeBase, -1],
               "a negative RoPE position offset (−1)")
        refuse("huge-offset", .rope, .fp16, [1, 1, GLM.headDim, GLM.rotaryDim], scalars: [GLM.ropeBase, 2e9],
               "a RoPE position offset of 2e9 (beyond 10^9)")
        refuse("odd-rotary", .rope, .fp32, [1, 1, GLM.headDim, 63], scalars: [GLM.ropeBase, 0], "an odd rotary width (63)")
        refuse("id-out-of-range", .embedding, .fp32, [4, 64, 8], pattern: .overflow,
               "an embedding id equal to the vocabulary size (64)")
        refuse("negative-id", .embedding, .fp16, [4, 64, 8], pattern: .veryNegative, "a negative embedding id (−1)")
        refuse("heads-not-grouped", .attention, .fp16, [1, 8, 3, 2, 64], scalars: attentionScale, "3 heads over 2 KV groups")
        refuse("nan-scale", .attention, .bf16, [1, 8, 2, 2, 64], scalars: [.nan], "an attention scale of NaN")
        refuse("k-above-row", .topk, .fp32, [2, 8, 9], "k = 9 for rows of 8")
        refuse("odd-nibbles", .gemmW4, .fp16, [1, 3, 5], "an int4 weight tensor of 15 nibbles (n·k odd)")
        refuse("negative-eps", .rmsnorm, .fp32, [2, 8], scalars: [-1e-5], "a negative RMSNorm eps (−1e-5)")
        refuse("group-not-dividing-k", .gemmW4G, .fp16, [1, 4, 8, 3], "a weight group of 3 rows for k = 8")
        add("lengths-beyond-shape", .attentionVarlen, [.bf16], .edge, [2, 4, 16, 4, 2, 64], scalars: attentionScale,
            refusal: "query lengths summing to 5 for a shape of 4 queries", sequences: [3, 8, 2, 8],
            "must be refused with INVALID_ARGUMENT: query lengths summing to 5 for a shape of 4 queries")
        add("lengths-short-of-shape", .attentionVarlen, [.fp16], .edge, [2, 6, 16, 4, 2, 64], scalars: attentionScale,
            refusal: "query lengths summing to 5 for a shape of 6 queries", sequences: [3, 8, 2, 8],
            "must be refused with INVALID_ARGUMENT: query lengths summing to 5 for a shape of 6 queries")
        add("block-id-out-of-range", .attentionPaged, [.fp16], .edge, [2, 4, 2, 64, 16, 4, 2], scalars: attentionScale,
            pattern: .overflow, refusal: "a block table entry equal to the block count (4)", sequences: [20, 5],
            "must be refused with INVALID_ARGUMENT: a block table entry equal to the block count (4)")
        add("context-beyond-table", .attentionPaged, [.fp16], .edge, [2, 4, 2, 64, 16, 4, 2], scalars: attentionScale,
            refusal: "a context length of 40 past the table's 2 blocks of 16", sequences: [40, 1],
            "must be refused with INVALID_ARGUMENT: a context length of 40 past the table's 2 blocks of 16")
        return cases
    }

    /// The latency budget key that applies to every case without a kernel or case budget.
    package static let defaultBudgetKey = "default"

    /// Every name a chip profile's latency budget may use: `default`, kernel names and case ids
    /// of every suite.
    package static var budgetKeys: Set<String> {
        var keys = Set(Kernel.allCases.map(\.rawValue) + [defaultBudgetKey])
        for suite in Suite.allCases { keys.formUnion(cases(suite).map(\.id)) }
        return keys
    }
}
