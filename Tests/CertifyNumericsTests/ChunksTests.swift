import CertifyNumerics
import Synchronization
import Testing

/// Work spread over cores must give what the sequential loop gives, bit for bit: the battery's
/// inputs are rounded and encoded this way, and reports and the oracle cache depend on them.
@Suite struct ChunksTests {
    static let counts = [0, 1, Chunks.parallelThreshold - 1, Chunks.parallelThreshold, 3 * Chunks.parallelThreshold + 7, 1_000_003]

    @Test(arguments: counts)
    func forEachCoversEveryIndexOnce(count: Int) {
        let visits = Mutex([Int](repeating: 0, count: count))
        let ranges = Mutex(0)
        Chunks.forEach(count) { range in
            ranges.withLock { $0 += 1 }
            visits.withLock { visits in
                for index in range { visits[index] += 1 }
            }
        }
        visits.withLock { visits in #expect(visits.allSatisfy { $0 == 1 }) }
        ranges.withLock { ranges in
            #expect(count == 0 ? ranges == 0 : count < Chunks.parallelThreshold ? ranges == 1 : ranges >= 1)
        }
    }

    @Test(arguments: counts)
    func updateInPlaceEqualsTheSequentialMap(count: Int) {
        var generator = SeededGenerator(seed: 1, stream: "chunks/\(count)")
        let values = (0..<count).map { _ in 1000 * generator.normal() }
        for dtype in [DType.fp16, .bf16, .fp32] {
            let sequential = values.map { dtype.round($0) }
            var chunked = values
            Chunks.update(&chunked) { dtype.round($0) }
            #expect(sequential.map(\.bitPattern) == chunked.map(\.bitPattern), "\(dtype) rounding of \(count) values")
        }
    }

    /// Encoding in chunks is encoding each element alone, concatenated (subnormals, overflow and
    /// NaN included).
    @Test(arguments: [DType.fp16, .bf16, .fp32, .fp64])
    func encodingInChunksEqualsEncodingEachElement(dtype: DType) {
        var generator = SeededGenerator(seed: 2, stream: "chunks/encode/\(dtype)")
        var values = (0..<(2 * Chunks.parallelThreshold + 3)).map { _ in dtype.round(1e5 * generator.normal()) }
        values += [.nan, -.infinity, .infinity, -0.0, dtype.smallestSubnormal, 1e300]
        let whole = dtype.encode(values)
        let each = values.flatMap { dtype.encode([$0]) }
        #expect(whole == each)
    }
}
