/// The thresholds a gate judges by.
package struct GatePolicy: Sendable, Codable, Equatable {
    /// A case's error ratio (error / standard tolerance) may grow by at most this factor.
    package var errorGrowth: Double
    /// Baseline error ratios below this are negligible: their growth is not judged.
    package var negligibleErrorRatio: Double
    /// Significance level of the latency test, shared by every case compared (Bonferroni).
    package var alpha: Double
    /// A latency regression must also raise p50 by more than this fraction (0.10 is 10 %).
    package var latencyThreshold: Double
    /// ... and by more than this many microseconds, below the timer's and the worker's noise.
    package var latencyFloorMicroseconds: Double

    package init(
        errorGrowth: Double = 4, negligibleErrorRatio: Double = 0.01, alpha: Double = 0.001, latencyThreshold: Double = 0.10,
        latencyFloorMicroseconds: Double = 2
    ) {
        self.errorGrowth = errorGrowth
        self.negligibleErrorRatio = negligibleErrorRatio
        self.alpha = alpha
        self.latencyThreshold = latencyThreshold
        self.latencyFloorMicroseconds = latencyFloorMicroseconds
    }
}
