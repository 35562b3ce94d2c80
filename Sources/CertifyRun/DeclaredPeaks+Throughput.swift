import CertifyBattery
import CertifyNumerics
import CertifyProfiles

extension DeclaredPeaks {
    /// The compute peak for `type`, FLOP/s: its own, or the largest declared for an integer type.
    package func flopsPerSecond(_ type: DType?) -> Double? {
        let tera = type.flatMap { tflops[$0] } ?? tflops.values.max()
        return tera.map { $0 * 1e12 }
    }

    /// Whether a case of `flops` over `bytes` is limited by memory rather than compute: it has no
    /// flops, or its FLOP per byte is below the peak FLOP/s over the peak bytes per second.
    package func isMemoryBound(flops: Double, bytes: Int, type: DType?) -> Bool {
        guard flops > 0 else { return true }
        guard bytes > 0, let peak = flopsPerSecond(type) else { return false }
        return flops / Double(bytes) < peak / (memoryBandwidthGBps * 1e9)
    }

    /// Throughput at `p50Microseconds` against these peaks; nil when the time is not positive.
    package func throughput(flops: Double, bytes: Int, type: DType?, p50Microseconds: Double) -> Throughput? {
        guard p50Microseconds > 0, p50Microseconds.isFinite else { return nil }
        let seconds = p50Microseconds / 1e6
        if isMemoryBound(flops: flops, bytes: bytes, type: type) {
            let rate = Double(bytes) / seconds
            return Throughput(unit: .gbps, value: rate / 1e9, utilisation: rate / (memoryBandwidthGBps * 1e9), memoryBound: true)
        }
        let rate = flops / seconds
        return Throughput(unit: .gflops, value: rate / 1e9, utilisation: flopsPerSecond(type).map { rate / $0 }, memoryBound: false)
    }
}
