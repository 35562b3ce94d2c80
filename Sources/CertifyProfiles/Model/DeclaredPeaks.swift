import CertifyNumerics
/// The vendor's declared peak throughput, against which measured figures are read.
package struct DeclaredPeaks: Sendable, Equatable {
    /// Dense peak in TFLOP/s per dtype; holds at least one entry, every value positive.
    package var tflops: [DType: Double]
    /// Peak memory bandwidth in GB/s (10^9 bytes per second).
    package var memoryBandwidthGBps: Double

    package init(tflops: [DType: Double], memoryBandwidthGBps: Double) {
        self.tflops = tflops
        self.memoryBandwidthGBps = memoryBandwidthGBps
    }
}
