import CertifyNumerics

/// How a case fills its inputs.
package enum InputPattern: String, Sendable, Codable {
    /// Values of the magnitude the kernel sees in GLM inference.
    case typical
    /// Softmax logits of magnitude up to 1000: exp overflows without max subtraction.
    case largeMagnitude = "large-magnitude"
    /// Activations of magnitude 1e-3, where RMSNorm's eps dominates mean(x²).
    case smallMagnitude = "small-magnitude"
}

/// One fixed case of the battery: a kernel, a dtype, a shape and how its inputs are made.
///
/// Everything about a case follows from its fields and the run's seed, so any case reproduces
/// from its id and the seed alone.
package struct BatteryCase: Sendable, Identifiable, Hashable, Codable {
    package let id: String
    package let kernel: Kernel
    package let dtype: DType
    package let role: CaseRole
    /// Dimensions in the order the ABI defines for the kernel (GEMM: m, n, k; row kernels: rows, cols; SiLU: n).
    package let shape: [Int]
    /// Kernel scalars in ABI order (RMSNorm: eps).
    package let scalars: [Double]
    package let pattern: InputPattern
    /// Where the shape comes from in the model.
    package let origin: String

    package init(
        name: String, kernel: Kernel, dtype: DType, role: CaseRole = .core, shape: [Int],
        scalars: [Double] = [], pattern: InputPattern = .typical, origin: String
    ) {
        let dims: String
        switch kernel {
        case .gemm: dims = "m\(shape[0])n\(shape[1])k\(shape[2])"
        case .softmax, .rmsnorm: dims = "\(shape[0])x\(shape[1])"
        case .silu: dims = "n\(shape[0])"
        }
        self.id = "\(kernel.rawValue).\(dtype.rawValue).\(name).\(dims)"
        self.kernel = kernel
        self.dtype = dtype
        self.role = role
        self.shape = shape
        self.scalars = scalars
        self.pattern = pattern
        self.origin = origin
    }

    /// Element count of each input tensor, in ABI order.
    package var inputElementCounts: [Int] {
        switch kernel {
        case .gemm: [shape[0] * shape[2], shape[2] * shape[1]]
        case .softmax: [shape[0] * shape[1]]
        case .rmsnorm: [shape[0] * shape[1], shape[1]]
        case .silu: [shape[0]]
        }
    }

    /// Element count of the output tensor.
    package var outputElementCount: Int {
        switch kernel {
        case .gemm: shape[0] * shape[1]
        case .softmax, .rmsnorm: shape[0] * shape[1]
        case .silu: shape[0]
        }
    }

    /// Floating-point operations of one execution, counting a multiply-add as two.
    package var flops: Double {
        switch kernel {
        case .gemm: 2 * Double(shape[0]) * Double(shape[1]) * Double(shape[2])
        case .softmax: 5 * Double(outputElementCount)
        case .rmsnorm: 4 * Double(outputElementCount)
        case .silu: 4 * Double(outputElementCount)
        }
    }

    /// Bytes one execution must move at least: every input read once, the output written once.
    package var bytes: Int {
        (inputElementCounts.reduce(0, +) + outputElementCount) * dtype.byteSize
    }

    /// The case's inputs, already rounded to its dtype: exactly the values the backend receives.
    package func inputs(seed: UInt64) -> [[Double]] {
        inputElementCounts.enumerated().map { index, count in
            var generator = SeededGenerator(seed: seed, stream: "\(id)/input\(index)")
            return (0..<count).map { _ in
                // Subnormal inputs belong to dedicated edge cases: a chip that declares
                // flush-to-zero would see different inputs than the oracle.
                let value = dtype.round(sample(input: index, &generator))
                return abs(value) < dtype.minNormal ? 0 : value
            }
        }
    }

    private func sample(input index: Int, _ generator: inout SeededGenerator) -> Double {
        switch (kernel, pattern, index) {
        case (.gemm, _, _):
            return generator.uniform(-1, 1)
        case (.softmax, .largeMagnitude, _):
            return generator.uniform(-1000, 1000)
        case (.softmax, _, _):
            return 3 * generator.normal()
        case (.rmsnorm, _, 1):
            return 1 + 0.1 * generator.normal()
        case (.rmsnorm, .smallMagnitude, _):
            return 1e-3 * generator.normal()
        case (.rmsnorm, _, _):
            return generator.normal()
        case (.silu, _, _):
            return max(-12, min(12, 3 * generator.normal()))
        }
    }

    /// The fp64 oracle's output for `inputs`, with Σ|a·b| per element for GEMM's error bound.
    package func reference(_ inputs: [[Double]]) -> OracleOutput {
        switch kernel {
        case .gemm:
            let (c, absProducts) = Reference.gemm(a: inputs[0], b: inputs[1], m: shape[0], n: shape[1], k: shape[2])
            return OracleOutput(values: c, absProducts: absProducts)
        case .softmax:
            return OracleOutput(values: Reference.softmax(inputs[0], rows: shape[0], cols: shape[1]))
        case .rmsnorm:
            return OracleOutput(
                values: Reference.rmsnorm(inputs[0], weight: inputs[1], rows: shape[0], cols: shape[1], eps: scalars[0]))
        case .silu:
            return OracleOutput(values: Reference.silu(inputs[0]))
        }
    }
}

/// What the fp64 oracle computed for one case.
package struct OracleOutput: Sendable {
    package var values: [Double]
    /// GEMM only: Σ_k |a_ik · b_kj| per output element, the scale of the dot-product error bound.
    package var absProducts: [Double] = []
}
