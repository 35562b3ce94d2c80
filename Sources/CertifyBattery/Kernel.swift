import CertifyNumerics

/// A kernel of the battery. Raw values are the names used in profiles, case ids and reports.
package enum Kernel: String, Sendable, Codable, CaseIterable, Hashable {
    case gemm
    case softmax
    case rmsnorm
    case silu

    /// Number of input tensors the kernel takes, in ABI order.
    package var inputCount: Int {
        switch self {
        case .gemm, .rmsnorm: 2
        case .softmax, .silu: 1
        }
    }
}

/// The battery's suites, from fast to faithful.
package enum Suite: String, Sendable, Codable, CaseIterable {
    /// Reduced shapes: the whole battery in seconds on the cpu backend, for tests.
    case quick
    /// Decode-sized shapes of ChatGLM3-6B with its real hidden and FFN widths: the default.
    case standard
    /// The real prefill and decode shapes, for real hardware.
    case full
}

/// What part of the certification a case serves.
package enum CaseRole: String, Sendable, Codable {
    /// The kernels every LLM forward pass needs; L1 requires them.
    case core
    /// Inputs at the edges of the number system; L2 requires them.
    case edge
}

/// The numerics a chip profile declares, in the battery's terms.
package struct DeclaredNumericsModel: Sendable, Equatable, Codable {
    /// Accumulation type per storage dtype; a dtype not listed accumulates in itself.
    package var accumulation: [DType: DType]
    package var flushesSubnormals: Bool
    package var rounding: RoundingMode

    package init(accumulation: [DType: DType], flushesSubnormals: Bool, rounding: RoundingMode) {
        self.accumulation = accumulation
        self.flushesSubnormals = flushesSubnormals
        self.rounding = rounding
    }

    /// The accumulation type declared for `storage`.
    package func accumulation(for storage: DType) -> DType {
        accumulation[storage] ?? storage
    }
}
