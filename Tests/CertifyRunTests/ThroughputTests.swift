import CertifyProfiles
import CertifyRun
import Testing

/// Throughput read against a chip's declared peaks.
@Suite struct ThroughputTests {
    @Test func throughputAndMemoryBoundFollowTheRidgePoint() throws {
        // 1 TFLOP/s over 100 GB/s: the ridge is 10 FLOP per byte.
        let peaks = DeclaredPeaks(tflops: [.fp32: 1], memoryBandwidthGBps: 100)
        #expect(peaks.isMemoryBound(flops: 0, bytes: 100, type: .fp32))
        #expect(peaks.isMemoryBound(flops: 999, bytes: 100, type: .fp32))
        #expect(!peaks.isMemoryBound(flops: 1000, bytes: 100, type: .fp32))
        let compute = try #require(peaks.throughput(flops: 2e9, bytes: 1000, type: .fp32, p50Microseconds: 10_000))
        #expect(compute.unit == .gflops)
        #expect(abs(compute.value - 200) < 1e-9)
        #expect(abs(compute.utilisation! - 0.2) < 1e-12)
        let memory = try #require(peaks.throughput(flops: 0, bytes: 1_000_000, type: .fp32, p50Microseconds: 100))
        #expect(memory.unit == .gbps)
        #expect(abs(memory.value - 10) < 1e-9)
        #expect(abs(memory.utilisation! - 0.1) < 1e-12)
    }
}
