import CertifyNumerics

/// A kernel of the battery. Raw values are the names used in profiles, case ids and reports.
package enum Kernel: String, Sendable, Codable, CaseIterable, Hashable {
    case gemm
    case gemmBatched = "gemm_batched"
    case gemmI8 = "gemm_i8"
    case gemmW8 = "gemm_w8"
    case gemmW4 = "gemm_w4"
    case softmax
    case rmsnorm
    case layernorm
    case silu
    case swiglu
    case geluErf = "gelu_erf"
    case geluTanh = "gelu_tanh"
    case rope
    case attention
    case embedding
    case argmax
    case topk
    case reduceSum = "reduce_sum"
    case reduceMax = "reduce_max"
    case add
    case convert
    // ABI 1.2: serving-shaped kernels.
    case attentionVarlen = "attention_varlen"
    case attentionPaged = "attention_paged"
    case gemmW4G = "gemm_w4g"
    case gemmW8G = "gemm_w8g"
    case gemmI8Dequant = "gemm_i8_dequant"

    /// The plugin ABI minor version that introduced the kernel.
    package var abiMinor: Int {
        switch self {
        case .attentionVarlen, .attentionPaged, .gemmW4G, .gemmW8G, .gemmI8Dequant: 2
        default: 0
        }
    }
}

/// The battery's suites, from fast to faithful.
package enum Suite: String, Sendable, Codable, CaseIterable {
    /// Reduced shapes: the whole battery in seconds on the cpu backend, for tests.
    case quick
    /// ChatGLM3-6B's real reduction lengths over tiles of the output: the default.
    case standard
    /// The real prefill and decode shapes, for real hardware.
    case full
}

/// What part of the certification a case serves.
package enum CaseRole: String, Sendable, Codable {
    /// The kernels every GLM forward pass needs, on typical inputs; L1 requires them.
    case core
    /// Kernels of the wider GLM family (quantised GEMM, LayerNorm, GELU, reductions) on typical
    /// inputs; L2 requires them.
    case extended
    /// Inputs at the edges of the number system; L2 requires them.
    case edge
}

/// The element type of one tensor a case moves.
package enum TensorType: String, Sendable, Codable, Hashable {
    case fp32, fp16, bf16
    case int8
    case int32
    /// Signed 4-bit integers in [−8, 7], two per byte, low nibble first (the ABI's W4 layout).
    case int4
    /// Unsigned 4-bit integers in [0, 15], packed as `int4` is (GEMM_W4G's weights).
    case uint4

    /// Every type a case can name as its ABI op dtype.
    package static let opTypes: [TensorType] = [.fp32, .fp16, .bf16, .int8]

    /// The tensor type of a float dtype.
    package init(_ dtype: DType) {
        switch dtype {
        case .fp32: self = .fp32
        case .fp16: self = .fp16
        case .bf16: self = .bf16
        case .fp64: preconditionFailure("the battery has no fp64 tensors")
        }
    }

    package var floatType: DType? {
        switch self {
        case .fp32: .fp32
        case .fp16: .fp16
        case .bf16: .bf16
        case .int8, .int32, .int4, .uint4: nil
        }
    }

    /// Bytes of `count` elements.
    package func byteCount(_ count: Int) -> Int {
        switch self {
        case .fp32, .int32: 4 * count
        case .fp16, .bf16: 2 * count
        case .int8: count
        case .int4, .uint4: (count + 1) / 2
        }
    }

    /// Little-endian storage of `values` (already representable in this type).
    package func encode(_ values: [Double]) -> [UInt8] {
        if let dtype = floatType { return dtype.encode(values) }
        switch self {
        case .int8:
            return values.map { UInt8(bitPattern: Int8(clamping: Int($0))) }
        case .int32:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(4 * values.count)
            for value in values {
                let bits = UInt32(bitPattern: Int32(clamping: Int(value)))
                bytes += [UInt8(bits & 0xff), UInt8(bits >> 8 & 0xff), UInt8(bits >> 16 & 0xff), UInt8(bits >> 24)]
            }
            return bytes
        case .int4, .uint4:
            var bytes = [UInt8](repeating: 0, count: byteCount(values.count))
            for (index, value) in values.enumerated() {
                let nibble = UInt8(bitPattern: Int8(clamping: Int(value))) & 0x0f
                bytes[index / 2] |= index % 2 == 0 ? nibble : nibble << 4
            }
            return bytes
        case .fp32, .fp16, .bf16:
            preconditionFailure("handled above")
        }
    }

    /// Values of little-endian storage bytes.
    package func decode(_ bytes: [UInt8]) -> [Double] {
        if let dtype = floatType { return dtype.decode(bytes) }
        switch self {
        case .int8:
            return bytes.map { Double(Int8(bitPattern: $0)) }
        case .int32:
            return stride(from: 0, to: bytes.count - bytes.count % 4, by: 4).map { i in
                let bits = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                return Double(Int32(bitPattern: bits))
            }
        case .int4:
            return bytes.flatMap { byte in
                [Double(Int8(bitPattern: byte << 4) >> 4), Double(Int8(bitPattern: byte) >> 4)]
            }
        case .uint4:
            return bytes.flatMap { byte in [Double(byte & 0x0f), Double(byte >> 4)] }
        case .fp32, .fp16, .bf16:
            preconditionFailure("handled above")
        }
    }
}

/// The numerics a chip profile declares, in the battery's terms.
package struct DeclaredNumericsModel: Sendable, Equatable, Codable {
    /// Accumulation type per storage dtype; a dtype not listed accumulates in itself.
    package var accumulation: [DType: DType]
    package var flushesSubnormals: Bool
    package var rounding: RoundingMode
    /// Kernels that round intermediate results to the storage dtype between their steps (softmax's
    /// exp(x − max), attention's probabilities); nil or absent: none, every intermediate stays in
    /// the accumulation type. Sorted, so a report's bytes do not depend on the profile's key order.
    package var storageIntermediates: [Kernel]?

    package init(
        accumulation: [DType: DType], flushesSubnormals: Bool, rounding: RoundingMode, storageIntermediates: [Kernel] = []
    ) {
        self.accumulation = accumulation
        self.flushesSubnormals = flushesSubnormals
        self.rounding = rounding
        let sorted = storageIntermediates.sorted { $0.rawValue < $1.rawValue }
        self.storageIntermediates = sorted.isEmpty ? nil : sorted
    }

    /// Whether `kernel` rounds its intermediate results to the storage dtype.
    package func storesIntermediates(_ kernel: Kernel) -> Bool {
        storageIntermediates?.contains(kernel) ?? false
    }

    /// The accumulation type declared for `storage`.
    package func accumulation(for storage: DType) -> DType {
        accumulation[storage] ?? storage
    }
}
