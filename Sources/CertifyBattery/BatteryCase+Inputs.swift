import CertifyNumerics

extension BatteryCase {
    /// The case's inputs, exactly representable in their types: the values the backend receives.
    /// Set 1 is what the case is timed and judged on; set 2 is a second input set from the same
    /// generators on another seed stream, which the same plan executes after the timed loop.
    package func inputs(seed: UInt64, set inputSet: Int = 1) -> [[Double]] {
        inputTypes.indices.map { input($0, seed: seed, set: inputSet) }
    }

    /// Input `index` of a set, as `inputs(seed:set:)` gives it.
    package func input(_ index: Int, seed: UInt64, set inputSet: Int = 1) -> [Double] {
        var generator = generator(input: index, seed: seed, set: inputSet)
        if let fixed = batchInput(index, &generator) { return fixed }
        let count = inputCounts[index]
        // Drawing is sequential, one generator per tensor; rounding is elementwise, on every core.
        var values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            for element in 0..<count { buffer[element] = sample(input: index, element: element, &generator) }
            initialized = count
        }
        if let dtype = inputTypes[index].floatType {
            Chunks.update(&values, storageRounding(dtype))
            plant(&values, input: index, dtype: dtype, &generator)
        } else if kernel == .embedding {
            plantIDs(&values)
        }
        return values
    }

    /// Tensors of at least this many elements are streamed (`streamInput`) when their pattern
    /// plants nothing into them.
    package static let streamedElements = 1 << 20

    /// The input that may be streamed: a GEMM's B, an embedding's table. They are the battery's
    /// largest tensors by far (a full-suite B is 112 M elements, a table 266 M), and the oracle can
    /// take them a block of whole rows at a time (`StreamedExpectations`).
    package var streamedInput: Int? {
        switch kernel {
        case .gemm: 1
        case .embedding: 0
        default: nil
        }
    }

    /// The length of a row of the streamed input, the unit its blocks come in: N of a GEMM's
    /// K×N B, the width of an embedding table.
    package var streamedRowLength: Int {
        Swift.max(1, kernel == .gemm ? shape[1] : shape[2])
    }

    /// Whether input `index` is drawn, rounded and encoded a block at a time (`streamInput`) and
    /// never held whole: the `streamedInput`, floating-point, of at least `threshold` elements,
    /// of a pattern that plants no values into it after drawing and keeps no subnormals (they are
    /// flushed as it is drawn).
    package func streams(input index: Int, threshold: Int = streamedElements) -> Bool {
        guard index == streamedInput, inputTypes[index].floatType != nil, inputCounts[index] >= threshold else { return false }
        switch pattern {
        case .nonFinite, .subnormal, .nearTies, .nanVariety, .nanPayload: return false
        default: return true
        }
    }

    /// Input `index` of a set as the backend receives it, about `blockElements` at a time in
    /// whole rows (of a GEMM's B, of an embedding table): the element each block starts at, its
    /// storage bytes and, `withValues`, the values those bytes hold (else empty). They are those
    /// of `encodedInput`, from the same generator in the same order, without the whole tensor ever
    /// held (a full-suite GEMM's B is 0.9 GB of fp64). Only for an input `streams(input:threshold:)`
    /// allows.
    package func streamInput<Failure: Error>(
        _ index: Int, seed: UInt64, set inputSet: Int = 1, blockElements: Int = 1 << 20, withValues: Bool = false,
        _ body: (_ offset: Int, _ bytes: [UInt8], _ values: [Double]) throws(Failure) -> Void
    ) throws(Failure) {
        precondition(streams(input: index, threshold: 0), "\(id): input \(index) is not one to stream")
        let dtype = inputTypes[index].floatType!
        let row = streamedRowLength
        let rowsPerBlock = Swift.max(1, blockElements / row)
        var generator = generator(input: index, seed: seed, set: inputSet)
        let count = inputCounts[index]
        var block = [Double](repeating: 0, count: Swift.min(rowsPerBlock * row, count))
        var start = 0
        while start < count {
            let length = Swift.min(rowsPerBlock * row, count - start)
            if length < block.count { block.removeLast(block.count - length) }
            if drawsOncePerElement {
                // The sequence drawn on every core, each chunk from its own element onward; here
                // `generator` stays at the tensor's first element.
                let first = generator
                block.withUnsafeMutableBufferPointer { buffer in
                    let shared = UncheckedPointer(buffer.baseAddress)
                    Chunks.forEach(length) { range in
                        var chunk = first.advanced(by: UInt64(start + range.lowerBound))
                        for element in range { shared.pointer![element] = sample(input: index, element: start + element, &chunk) }
                    }
                }
            } else {
                for element in 0..<length { block[element] = sample(input: index, element: start + element, &generator) }
            }
            // storageRounding's rounding and flush, and the encoding, in one step per element.
            let bytes = dtype.encodeRounded(block, flushingSubnormals: pattern != .subnormal)
            try body(start, bytes, withValues ? dtype.decode(bytes) : [])
            start += length
        }
    }

    /// Whether `sample(input:element:)` takes exactly one output of the generator per element of
    /// the streamed input: a GEMM's B of every pattern but mantissa-bits (`uniform`). Such a
    /// tensor is drawn on every core (`SeededGenerator.advanced(by:)`).
    private var drawsOncePerElement: Bool {
        kernel == .gemm && pattern != .mantissaBits
    }

    private func generator(input index: Int, seed: UInt64, set inputSet: Int) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: inputSet == 1 ? "\(id)/input\(index)" : "\(id)/set\(inputSet)/input\(index)")
    }

    /// Rounding to the storage dtype. Subnormals belong to the subnormal cases: elsewhere a chip
    /// that declares flush-to-zero would see different inputs than the oracle.
    private func storageRounding(_ dtype: DType) -> @Sendable (Double) -> Double {
        let keepsSubnormals = pattern == .subnormal
        let minNormal = dtype.minNormal
        return { value in
            let rounded = dtype.round(value)
            return !keepsSubnormals && rounded != 0 && abs(rounded) < minNormal ? 0 : rounded
        }
    }

    /// The inputs as the backend receives them: `inputs(seed:set:)` in storage, with the NaN
    /// payloads a Double cannot carry written into the bits (the nan-payload cases).
    package func encodedInputs(seed: UInt64, set inputSet: Int = 1) -> (values: [[Double]], bytes: [[UInt8]]) {
        let encoded = inputTypes.indices.map { encodedInput($0, seed: seed, set: inputSet) }
        return (encoded.map(\.values), encoded.map(\.bytes))
    }

    /// Input `index` of `encodedInputs(seed:set:)`.
    package func encodedInput(_ index: Int, seed: UInt64, set inputSet: Int = 1) -> (values: [Double], bytes: [UInt8]) {
        var values = input(index, seed: seed, set: inputSet)
        var bytes = inputTypes[index].encode(values)
        if pattern == .nanPayload, index == 0, inputTypes[0] == .fp32 {
            // Signalling and quiet NaNs of both signs whose payload is only in the 13 low bits fp16
            // drops (and the 16 bf16 drops): a converter that truncates makes ±Inf of them.
            let payloads: [UInt32] = [0x7F80_0001, 0xFF80_0001, 0x7F80_1000, 0x7FC0_0001, 0xFF80_FFFF, 0x7F80_0100]
            for (n, payload) in payloads.enumerated() where values.indices.contains(n * 7) {
                withUnsafeBytes(of: payload.littleEndian) { bytes.replaceSubrange(n * 28..<n * 28 + 4, with: $0) }
                values[n * 7] = .nan
            }
        }
        return (values, bytes)
    }

    /// The I32 inputs that describe a batch of sequences: ATTENTION_VARLEN's q and kv lengths,
    /// ATTENTION_PAGED's block table and context lengths; nil for any other input. The lengths
    /// are the case's; the block table gives each sequence ⌈L/bs⌉ blocks drawn without
    /// replacement from a seeded shuffle of every block (so they are scattered, as a serving
    /// engine's free list leaves them), its other entries −1. A case to refuse with the overflow
    /// pattern names the block past the last.
    private func batchInput(_ index: Int, _ g: inout SeededGenerator) -> [Double]? {
        switch (kernel, index) {
        case (.attentionVarlen, 3): return sequencePairs.map { Double($0.q) }
        case (.attentionVarlen, 4): return sequencePairs.map { Double($0.kv) }
        case (.attentionPaged, 4): return sequences.map(Double.init)
        case (.attentionPaged, 3):
            let (blockSize, blocks, width) = (shape[4], shape[5], shape[6])
            var free = Array(0..<blocks)
            for i in free.indices.reversed() where i > 0 { free.swapAt(i, g.integer(0, i)) }
            var table = [Double](repeating: -1, count: shape[0] * width)
            for (s, length) in sequences.enumerated() {
                let needed = Swift.min(width, blockSize > 0 ? (length + blockSize - 1) / blockSize : 0)
                for i in 0..<needed where !free.isEmpty { table[s * width + i] = Double(free.removeLast()) }
            }
            if pattern == .overflow, let last = sequences.indices.last(where: { sequences[$0] > 0 }) {
                table[last * width] = Double(blocks)
            }
            return table
        default: return nil
        }
    }

    /// Embedding ids: the first and last rows of the table always among them (a clamp or an
    /// off-by-one at either end shows); a case to refuse gets an id outside the table.
    private func plantIDs(_ ids: inout [Double]) {
        guard ids.count >= 2 else { return }
        switch pattern {
        case .overflow: ids[0] = Double(shape[1])
        case .veryNegative: ids[0] = -1
        default: (ids[0], ids[ids.count - 1]) = (0, Double(shape[1] - 1))
        }
    }

    private func sample(input index: Int, element: Int, _ g: inout SeededGenerator) -> Double {
        switch kernel {
        case .gemm, .gemmBatched:
            switch pattern {
            case .overflow: return g.uniform(100, 200)
            case .positive: return g.uniform(0, 1)
            // A = 1, B = 1 + m·2^-20 (m < 512): fp32 keeps every bit, TF32 and bf16 round B to 1.
            case .mantissaBits: return index == 0 ? 1 : 1 + Double(g.integer(1, 511)) * 0x1p-20
            default: return g.uniform(-1, 1)
            }
        case .gemmI8:
            return Double(g.integer(-128, 127))
        case .gemmW4G, .gemmW8G:
            // Unsigned nibbles or signed bytes, a zero point per group anywhere in the nibble's
            // range (a min/max quantiser sets it there) or near 0 for bytes, small group scales.
            switch index {
            case 0: return g.uniform(-1, 1)
            case 1: return Double(kernel == .gemmW4G ? g.integer(0, 15) : g.integer(-128, 127))
            case 2: return kernel == .gemmW4G ? g.uniform(0.01, 0.1) : g.uniform(0.001, 0.01)
            default:
                if pattern == .wideZeroPoints { return Double(g.integer(-128, 127)) }
                return Double(kernel == .gemmW4G ? g.integer(0, 15) : g.integer(-16, 16))
            }
        case .gemmI8Dequant:
            // Symmetric int8 activations and weights; per-token and per-channel scales.
            switch index {
            case 0, 1: return Double(g.integer(-127, 127))
            case 2: return g.uniform(0.002, 0.02)
            default: return g.uniform(0.0005, 0.005)
            }
        case .attentionVarlen, .attentionPaged:
            return g.normal()
        case .gemmW8, .gemmW4:
            // Large scales come with small activations, so the results stay well inside fp16.
            if pattern == .largeScales { return index == 0 ? g.uniform(-1, 1) / 1024 : index == 2 ? g.uniform(256, 1024) : Double(g.integer(-127, 127)) }
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
            switch pattern {
            case .largeMagnitude: return g.uniform(-1000, 1000)
            case .veryNegative: return -1e5 + 3 * g.normal()
            default: return 3 * g.normal()
            }
        case .rmsnorm, .layernorm:
            if index == 1 { return 1 + 0.1 * g.normal() }
            if index == 2 { return 0.1 * g.normal() }
            switch pattern {
            case .smallMagnitude: return 1e-3 * g.normal()
            case .largeMagnitude: return 300 * g.normal()
            // A value per row that no dtype holds exactly summed 512 times: the mean rounds.
            case .constantRows: return 1 + Double(element / shape[1] + 1) * 0.318_309_886
            case .commonOffset:
                // As large an offset as the storage keeps a unit spread in.
                let offset: Double = opType == .fp32 ? 1e4 : opType == .fp16 ? 200 : 50
                return offset + g.normal()
            default: return kernel == .layernorm ? 5 + g.normal() : g.normal()
            }
        case .silu, .swiglu, .geluErf, .geluTanh:
            // Down to −80, where every result is still a normal fp32 number: below −87 the exact
            // results are subnormal and the test would be of exp's denormal handling, not overflow.
            return pattern == .wideRange ? g.uniform(-80, 100) : max(-10, min(10, 3 * g.normal()))
        case .rope:
            return g.normal()
        case .attention:
            return pattern == .largeScores && index < 2 ? 2 * g.normal() : g.normal()
        case .embedding:
            return index == 0 ? 0.5 * g.normal() : Double(g.integer(0, shape[1] - 1))
        case .argmax, .topk, .reduceMax:
            return pattern == .ties ? Double(g.integer(-3, 3)) : g.normal()
        case .reduceSum:
            // Terms of one size, small against the sum (as squares summed for a norm are): a 16-bit
            // running sum stops growing once its spacing is twice a term. Uniform terms would not
            // show it: their round-ups and round-downs cancel.
            return pattern == .positive ? g.uniform(0.09, 0.11) : g.normal()
        case .add:
            switch pattern {
            case .overflow: return g.uniform(40000, 65000)
            case .subnormal: return subnormal(&g)
            // A bias is small against the activations it is added to.
            default: return broadcastsBias && index == 1 ? 0.1 * g.normal() : g.normal()
            }
        case .convert:
            switch pattern {
            case .subnormal: return subnormal(&g)
            case .overflow: return (g.uniform(0, 1) < 0.5 ? -1 : 1) * g.uniform(65520, 1e6)
            case .halfway: return halfway(&g)
            default: return 100 * g.normal()
            }
        }
    }

    /// A value exactly halfway between two neighbours of CONVERT's destination, as often with an
    /// even lower neighbour as with an odd one, so that ties to even and ties away differ.
    private func halfway(_ g: inout SeededGenerator) -> Double {
        let dtype = floatType ?? .fp16
        let lower = dtype.round(g.uniform(1, 2) * Double(sign: .plus, exponent: g.integer(-10, 10), significand: 1))
        let half = lower + dtype.ulp(at: lower) / 2
        return g.uniform(0, 1) < 0.5 ? half : -half
    }

    /// A subnormal of the case's float type (the source for a widening CONVERT), as a Double.
    private func subnormal(_ g: inout SeededGenerator) -> Double {
        let dtype = (kernel == .convert && destination == .fp32 ? opType.floatType : floatType) ?? .fp32
        let sign: Double = g.uniform(0, 1) < 0.5 ? -1 : 1
        return sign * dtype.minNormal * g.uniform(0.01, 0.99)
    }

    /// Non-finite values at fixed places, for the non-finite cases.
    private func plant(_ values: inout [Double], input index: Int, dtype: DType, _ g: inout SeededGenerator) {
        if pattern == .nanVariety && !values.isEmpty { return plantNaNVariety(&values, input: index) }
        if pattern == .nearTies && !values.isEmpty { return plantNearTies(&values, dtype: dtype, &g) }
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
            // −∞ since battery 1.4.0: the limit (±0) or NaN, as the header allows.
            specials = [.nan, .infinity, -.infinity]
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

    /// Per row: a NaN first (row 0), last (row 1), two NaNs of both signs (row 2), and ±0, −Inf with
    /// a NaN in the vector tail (row 3). For GEMM, a NaN in B under a column of zeros in A.
    private func plantNaNVariety(_ values: inout [Double], input index: Int) {
        if kernel == .gemm {
            let (n, k) = (shape[1], shape[2])
            if index == 0 { for row in 0..<shape[0] { values[row * k + 3] = 0 } }
            if index == 1 { values[3 * n + 5] = .nan }
            return
        }
        guard index == 0 else { return }
        let cols = shape[1]
        for row in 0..<shape[0] {
            let start = row * cols
            switch row % 4 {
            case 0: values[start] = .nan
            case 1: values[start + cols - 1] = .nan
            case 2: (values[start + cols / 3], values[start + 2 * cols / 3]) = (-.nan, .nan)
            default:
                (values[start], values[start + 1], values[start + 2]) = (0, -0.0, -.infinity)
                values[start + cols - 3] = .nan
            }
        }
    }

    /// Below each row's maximum, values one, two and three units in the storage dtype's last place
    /// under it, at random places in the row.
    private func plantNearTies(_ values: inout [Double], dtype: DType, _ g: inout SeededGenerator) {
        let cols = shape[1]
        for row in 0..<shape[0] {
            let range = row * cols..<(row + 1) * cols
            guard var below = values[range].filter(\.isFinite).max() else { continue }
            for _ in 0..<3 {
                below = Self.nextDown(below, in: dtype)
                values[row * cols + g.integer(0, cols - 1)] = below
            }
        }
    }

    /// The largest value of `dtype` below `x` (a finite value of `dtype`).
    private static func nextDown(_ x: Double, in dtype: DType) -> Double {
        if x == 0 { return -dtype.smallestSubnormal }
        let step = dtype.ulp(at: x)
        // Just above a power of two the spacing below it is half the spacing above.
        let atBinadeFloor = x > 0 && x >= dtype.minNormal && x.significand == 1
        return x - (atBinadeFloor ? step / 2 : step)
    }
}
