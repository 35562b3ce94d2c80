import CertifyNumerics

/// How a case fills its inputs.
package enum InputPattern: String, Sendable, Codable {
    /// Values of the magnitude the kernel sees in GLM inference.
    case typical
    /// Softmax logits of magnitude up to 1000: exp overflows without max subtraction.
    case largeMagnitude = "large-magnitude"
    /// Activations of magnitude 1e-3, where a norm's eps dominates the mean square.
    case smallMagnitude = "small-magnitude"
    /// NaN and ±Inf among the inputs: they must propagate as IEEE arithmetic says.
    case nonFinite = "non-finite"
    /// Subnormal inputs: kept unless the profile declares flush-to-zero.
    case subnormal
    /// Results beyond the dtype's largest finite value: they must become ±Inf.
    case overflow
    /// Softmax with an explicit mask, some rows fully masked.
    case masked
    /// Values from a small set of integers, so that ties are frequent.
    case ties
    /// All-positive operands: a narrower accumulator's error then grows with the length, not its root.
    case positive
    /// Rows with a large common offset and unit spread: a one-pass variance cancels.
    case commonOffset = "common-offset"
    /// Activations over [−80, 100]: exp overflows in the naive formulas of SiLU and GELU.
    case wideRange = "wide-range"
    /// fp32 operands that need more than 10 significand bits, summed exactly in fp32: TF32 shows.
    case mantissaBits = "mantissa-bits"
    /// Row maxima that differ from their runners-up only in the storage dtype's last significand bit.
    case nearTies = "near-ties"
    /// Several NaNs of both signs, ±0 and −Inf in each row, at its start, its end and a vector tail.
    case nanVariety = "nan-variety"
    /// fp32 values exactly halfway between two neighbours of the destination: ties go to even.
    case halfway
    /// NaNs whose payload lies only in the low bits a narrower type drops: they must stay NaN.
    case nanPayload = "nan-payload"
    /// Logits far below any finite sentinel a kernel might start its maximum at (−1e5 and lower).
    case veryNegative = "very-negative"
    /// Scores spread over tens of units (|q|, |k| about 2): attention's softmax needs its maximum.
    case largeScores = "large-scores"
    /// Weight-only per-channel scales of several hundred: scale·w exceeds fp16's range.
    case largeScales = "large-scales"
    /// Every row one value: the variance is 0, or a rounding below it.
    case constantRows = "constant-rows"
    /// Group-wise zero points over the whole I8 range the ABI allows, not only a 4-bit one's.
    case wideZeroPoints = "wide-zero-points"
}

/// One fixed case of the battery: a kernel, its types, a shape and how its inputs are made.
///
/// Everything about a case follows from its fields and the run's seed, so any case reproduces
/// from its id and the seed alone.
package struct BatteryCase: Sendable, Identifiable, Hashable, Codable {
    package let id: String
    package let kernel: Kernel
    /// The ABI's cb_op.dtype: the activation dtype, int8 for GEMM_I8, the source for CONVERT.
    package let opType: TensorType
    /// CONVERT's destination type; nil for other kernels.
    package let destination: TensorType?
    package let role: CaseRole
    /// Dimensions in the order the ABI defines for the kernel.
    package let shape: [Int]
    /// Kernel scalars in ABI order.
    package let scalars: [Double]
    /// cb_op.flags.
    package let flags: UInt32
    package let pattern: InputPattern
    /// Where the shape comes from in the model.
    package let origin: String
    /// For a case the backend must refuse: the invalid argument, in words ("RoPE offset 1.5"). The
    /// ABI requires INVALID_ARGUMENT from prepare or execute; nil for a case to compute.
    package let refusal: String?
    /// The sequences of a batch, fixed by the case: ATTENTION_VARLEN's (q, kv) pairs flattened,
    /// ATTENTION_PAGED's context lengths; empty for other kernels. They are the QL/KVL and L inputs.
    package let sequences: [Int]

    package init(
        name: String, kernel: Kernel, type: TensorType, destination: TensorType? = nil, role: CaseRole = .core,
        shape: [Int], scalars: [Double] = [], flags: UInt32 = 0, pattern: InputPattern = .typical, refusal: String? = nil,
        sequences: [Int] = [], origin: String
    ) {
        let types = destination.map { "\(type.rawValue)-to-\($0.rawValue)" } ?? type.rawValue
        self.id = "\(kernel.rawValue).\(types).\(name).\(shape.map(String.init).joined(separator: "x"))"
        (self.kernel, self.opType, self.destination, self.role, self.shape) = (kernel, type, destination, role, shape)
        (self.scalars, self.flags, self.pattern, self.refusal) = (scalars, flags, pattern, refusal)
        (self.sequences, self.origin) = (sequences, origin)
    }

    /// The plugin ABI minor version the case needs: its kernel's, or 2 for ADD and GEMM with the
    /// flags ABI 1.2 added. A plugin of a lower minor is never asked it.
    package var abiMinor: Int {
        switch kernel {
        case .add where flags & AddFlags.broadcast != 0: 2
        case .gemm where flags & GemmFlags.outputF32 != 0: 2
        default: kernel.abiMinor
        }
    }

    /// Whether ADD adds a bias over rows (shape {r, c}) rather than two vectors.
    package var broadcastsBias: Bool { kernel == .add && flags & AddFlags.broadcast != 0 }

    /// ATTENTION_VARLEN's sequences as (q, kv) pairs.
    package var sequencePairs: [(q: Int, kv: Int)] {
        stride(from: 0, to: sequences.count - 1, by: 2).map { (sequences[$0], sequences[$0 + 1]) }
    }

    /// The float dtype the case computes in (the destination for CONVERT and for GEMM's fp32
    /// logits); nil for GEMM_I8.
    package var floatType: DType? { (destination ?? opType).floatType }

    /// Type of each input tensor, in ABI order.
    package var inputTypes: [TensorType] {
        switch kernel {
        case .gemm, .gemmBatched, .add: [opType, opType]
        case .gemmI8: [.int8, .int8]
        case .gemmW8: [opType, .int8, opType]
        case .gemmW4: [opType, .int4, opType]
        case .softmax: flags & SoftmaxFlags.mask != 0 ? [opType, .int8] : [opType]
        case .rmsnorm: [opType, opType]
        case .layernorm: [opType, opType, opType]
        case .attention: [opType, opType, opType]
        case .embedding: [opType, .int32]
        case .silu, .swiglu, .geluErf, .geluTanh, .rope, .argmax, .topk, .reduceSum, .reduceMax, .convert: [opType]
        case .attentionVarlen, .attentionPaged: [opType, opType, opType, .int32, .int32]
        case .gemmW4G: [opType, .uint4, opType, .int8]
        case .gemmW8G: [opType, .int8, opType, .int8]
        case .gemmI8Dequant: [.int8, .int8, .fp32, .fp32]
        }
    }

    /// Element count of each input tensor, in ABI order.
    package var inputCounts: [Int] {
        let s = shape
        switch kernel {
        case .gemm, .gemmI8: return [s[0] * s[2], s[2] * s[1]]
        case .gemmW8, .gemmW4: return [s[0] * s[2], s[2] * s[1], s[1]]
        case .gemmBatched: return [s[0] * s[1] * s[3], s[0] * s[3] * s[2]]
        case .softmax: return flags & SoftmaxFlags.mask != 0 ? [s[0] * s[1], s[0] * s[1]] : [s[0] * s[1]]
        case .rmsnorm: return [s[0] * s[1], s[1]]
        case .layernorm: return [s[0] * s[1], s[1], s[1]]
        case .swiglu: return [s[0] * 2 * s[1]]
        case .rope: return [s[0] * s[1] * s[2]]
        case .attention: return [s[0] * s[2] * s[4], s[1] * s[3] * s[4], s[1] * s[3] * s[4]]
        case .embedding: return [s[1] * s[2], s[0]]
        case .argmax, .topk, .reduceSum, .reduceMax: return [s[0] * s[1]]
        case .silu, .geluErf, .geluTanh, .convert: return [s[0]]
        case .add: return broadcastsBias ? [s[0] * s[1], s[1]] : [s[0], s[0]]
        case .attentionVarlen: return [s[1] * s[3] * s[5], s[2] * s[4] * s[5], s[2] * s[4] * s[5], s[0], s[0]]
        case .attentionPaged:
            let cache = s[5] * s[4] * s[2] * s[3]
            return [s[0] * s[1] * s[3], cache, cache, s[0] * s[6], s[0]]
        case .gemmW4G, .gemmW8G:
            let scales = s[3] > 0 ? s[2] / s[3] * s[1] : 0
            return [s[0] * s[2], s[2] * s[1], scales, scales]
        case .gemmI8Dequant: return [s[0] * s[2], s[2] * s[1], s[0], s[1]]
        }
    }

    /// Type of each output tensor, in ABI order.
    package var outputTypes: [TensorType] {
        switch kernel {
        case .gemmI8: [.int32]
        case .argmax: [.int32]
        case .topk: [opType, .int32]
        case .convert: [destination!]
        case .gemm: [destination ?? opType]
        default: [opType]
        }
    }

    /// Element count of each output tensor, in ABI order.
    package var outputCounts: [Int] {
        let s = shape
        switch kernel {
        case .gemm, .gemmI8, .gemmW8, .gemmW4, .gemmW4G, .gemmW8G, .gemmI8Dequant: return [s[0] * s[1]]
        case .gemmBatched: return [s[0] * s[1] * s[2]]
        case .attentionVarlen: return [s[1] * s[3] * s[5]]
        case .attentionPaged: return [s[0] * s[1] * s[3]]
        case .softmax, .rmsnorm, .layernorm, .swiglu: return [s[0] * s[1]]
        case .rope: return [s[0] * s[1] * s[2]]
        case .attention: return [s[0] * s[2] * s[4]]
        case .embedding: return [s[0] * s[2]]
        case .argmax, .reduceSum, .reduceMax: return [s[0]]
        case .topk: return [s[0] * s[2], s[0] * s[2]]
        case .silu, .geluErf, .geluTanh, .convert: return [s[0]]
        case .add: return [broadcastsBias ? s[0] * s[1] : s[0]]
        }
    }

    /// Floating-point operations of one execution, counting a multiply-add as two.
    package var flops: Double {
        let s = shape.map(Double.init)
        let out = Double(outputCounts[0])
        switch kernel {
        case .gemm, .gemmI8, .gemmW8, .gemmW4, .gemmW4G, .gemmW8G, .gemmI8Dequant: return 2 * s[0] * s[1] * s[2]
        case .gemmBatched: return 2 * s[0] * s[1] * s[2] * s[3]
        case .attention: return 4 * s[0] * s[1] * s[2] * s[4]
        case .attentionVarlen: return 4 * Double(sequencePairs.map { $0.q * $0.kv }.reduce(0, +)) * s[3] * s[5]
        case .attentionPaged: return 4 * Double(sequences.reduce(0, +)) * s[1] * s[3]
        case .softmax: return 5 * out
        case .rmsnorm, .layernorm: return 6 * out
        case .silu, .swiglu, .geluErf, .geluTanh: return 8 * out
        case .rope: return 6 * out
        case .reduceSum, .reduceMax, .argmax, .topk: return Double(inputCounts[0])
        case .add: return out
        case .embedding, .convert: return 0
        }
    }

    /// Bytes one execution must move at least: every input read once, every output written once;
    /// a gather reads only the table rows it returns, not the whole table.
    package var bytes: Int {
        if kernel == .embedding {
            return inputTypes[1].byteCount(inputCounts[1]) + 2 * zip(outputTypes, outputCounts).map { $0.byteCount($1) }.reduce(0, +)
        }
        return tensorBytes
    }

    /// Every input and output tensor, in bytes as stored: what a run allocates and fills.
    package var tensorBytes: Int {
        zip(inputTypes + outputTypes, inputCounts + outputCounts).map { $0.byteCount($1) }.reduce(0, +)
    }
}

/// cb_op.flags bits of CB_KERNEL_SOFTMAX.
package enum SoftmaxFlags {
    package static let causal: UInt32 = 0x1
    package static let mask: UInt32 = 0x2
}

/// cb_op.flags bits of CB_KERNEL_ADD (ABI 1.2).
package enum AddFlags {
    /// Y[r×c] = A[r×c] + B[c].
    package static let broadcast: UInt32 = 0x1
}

/// cb_op.flags bits of CB_KERNEL_GEMM (ABI 1.2).
package enum GemmFlags {
    /// C stored as fp32 whatever the inputs' dtype.
    package static let outputF32: UInt32 = 0x1
}

extension BatteryCase {
    /// Whether an oracle output is too uniform to discriminate: more than 90% zeros, or one value.
    /// Cases whose point is a degenerate output (a zero-size dimension, overflow to Inf, tied
    /// values whose indices are what is judged) are exempt.
    package func isDegenerate(_ values: [Double]) -> Bool {
        guard values.count > 1, !shape.contains(0), pattern != .overflow, pattern != .ties, pattern != .nanVariety else { return false }
        let zeros = values.filter { $0 == 0 }.count
        if Double(zeros) > 0.9 * Double(values.count) { return true }
        let first = values[0]
        return values.allSatisfy { $0 == first || ($0.isNaN && first.isNaN) }
    }
}
