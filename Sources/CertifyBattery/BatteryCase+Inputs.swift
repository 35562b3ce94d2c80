import CertifyNumerics

extension BatteryCase {
    /// The case's inputs, exactly representable in their types: the values the backend receives.
    /// Set 1 is what the case is timed and judged on; set 2 is a second input set from the same
    /// generators on another seed stream, which the same plan executes after the timed loop.
    package func inputs(seed: UInt64, set inputSet: Int = 1) -> [[Double]] {
        zip(inputTypes, inputCounts).enumerated().map { index, spec in
            let stream = inputSet == 1 ? "\(id)/input\(index)" : "\(id)/set\(inputSet)/input\(index)"
            var generator = SeededGenerator(seed: seed, stream: stream)
            let (type, count) = spec
            var values = (0..<count).map { element in sample(input: index, element: element, &generator) }
            if let dtype = type.floatType {
                values = values.map { value in
                    let rounded = dtype.round(value)
                    // Subnormals belong to the subnormal cases: elsewhere a chip that declares
                    // flush-to-zero would see different inputs than the oracle.
                    return pattern != .subnormal && rounded != 0 && abs(rounded) < dtype.minNormal ? 0 : rounded
                }
                plant(&values, input: index, dtype: dtype, &generator)
            }
            return values
        }
    }

    private func sample(input index: Int, element: Int, _ g: inout SeededGenerator) -> Double {
        switch kernel {
        case .gemm, .gemmBatched:
            return pattern == .overflow ? g.uniform(100, 200) : g.uniform(-1, 1)
        case .gemmI8:
            return Double(g.integer(-128, 127))
        case .gemmW8, .gemmW4:
            switch index {
            case 0: return g.uniform(-1, 1)
            case 1: return Double(kernel == .gemmW8 ? g.integer(-127, 127) : g.integer(-8, 7))
            default: return kernel == .gemmW8 ? g.uniform(0.002, 0.02) : g.uniform(0.02, 0.2)
            }
        case .softmax:
            if index == 1 {
                // Mask: rows 0 and the last are fully masked, other entries kept with p = 0.8.
                let row = element / shape[1]
                if row == 0 || row == shape[0] - 1 { return 0 }
                return g.uniform(0, 1) < 0.8 ? 1 : 0
            }
            return pattern == .largeMagnitude ? g.uniform(-1000, 1000) : 3 * g.normal()
        case .rmsnorm, .layernorm:
            if index == 1 { return 1 + 0.1 * g.normal() }
            if index == 2 { return 0.1 * g.normal() }
            if pattern == .smallMagnitude { return 1e-3 * g.normal() }
            return kernel == .layernorm ? 5 + g.normal() : g.normal()
        case .silu, .swiglu, .geluErf, .geluTanh:
            return max(-10, min(10, 3 * g.normal()))
        case .rope, .attention:
            return g.normal()
        case .embedding:
            return index == 0 ? 0.5 * g.normal() : Double(g.integer(0, shape[1] - 1))
        case .argmax, .topk, .reduceMax:
            return pattern == .ties ? Double(g.integer(-3, 3)) : g.normal()
        case .reduceSum:
            return g.normal()
        case .add:
            switch pattern {
            case .overflow: return g.uniform(40000, 65000)
            case .subnormal: return subnormal(&g)
            default: return g.normal()
            }
        case .convert:
            switch pattern {
            case .subnormal: return subnormal(&g)
            case .overflow: return (g.uniform(0, 1) < 0.5 ? -1 : 1) * g.uniform(65520, 1e6)
            default: return 100 * g.normal()
            }
        }
    }

    /// A subnormal of the case's float type (its destination for CONVERT), as a Double.
    private func subnormal(_ g: inout SeededGenerator) -> Double {
        let dtype = floatType ?? .fp32
        let sign: Double = g.uniform(0, 1) < 0.5 ? -1 : 1
        return sign * dtype.minNormal * g.uniform(0.01, 0.99)
    }

    /// Non-finite values at fixed places, for the non-finite cases.
    private func plant(_ values: inout [Double], input index: Int, dtype: DType, _ g: inout SeededGenerator) {
        guard pattern == .nonFinite, !values.isEmpty else { return }
        if index == 1 {
            // Inf + (−Inf) must give NaN.
            if kernel == .add { values[values.count - 1] = -.infinity }
            return
        }
        guard index == 0 else { return }
        let specials: [Double]
        switch kernel {
        case .silu, .geluErf, .geluTanh:
            specials = [.nan, .infinity]
        case .add, .convert:
            specials = [.nan, .infinity, -.infinity]
        default:
            specials = [.nan]
        }
        let stride = max(1, values.count / (specials.count * 4))
        for (n, special) in specials.enumerated() {
            values[(n * stride * 3 + 1) % values.count] = special
        }
        if kernel == .add { values[values.count - 1] = .infinity }
    }
}
